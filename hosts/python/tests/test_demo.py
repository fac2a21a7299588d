"""The demo model through the Python binding: greedy ids and text equal transformers'."""
import json
import os
import unittest

import plinth
from paths import DEMO_MODEL


class DemoModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(DEMO_MODEL, "expected_generations.json")) as f:
            cls.expected = json.load(f)["generations"]
        cls.model = plinth.open(DEMO_MODEL)

    @classmethod
    def tearDownClass(cls):
        cls.model.close()

    def test_info(self):
        info = self.model.info()
        self.assertEqual(info["model_type"], "mistral")
        self.assertEqual(info["plugin"], "mistral")
        self.assertTrue(info["can_generate"])
        self.assertEqual(plinth.abi_version(), 1)

    def test_greedy_ids_match_transformers(self):
        tok = self.model.tokenizer()
        for prompt, gen in self.expected.items():
            with self.subTest(prompt=prompt):
                ids = tok.encode(prompt)
                self.assertEqual(ids, gen["ids"][:len(ids)])
                out = self.model.generate_ids(ids, max_new_tokens=len(gen["ids"]) - len(ids))
                self.assertEqual(out, gen["ids"])
                self.assertEqual(tok.decode(out), gen["text"])

    def test_tokenizer_outlives_its_model(self):
        model = plinth.open(DEMO_MODEL)
        tok = model.tokenizer()
        want = tok.encode("Licensed under the Apache License")
        model.close()
        self.assertEqual(tok.encode("Licensed under the Apache License"), want)
        tok.close()

    def test_streamed_text(self):
        prompt, gen = next(iter(self.expected.items()))
        pieces = []
        text = self.model.generate(prompt, max_new_tokens=16, on_token=pieces.append)
        self.assertEqual("".join(pieces), text)
        self.assertTrue(gen["text"].startswith(prompt + text), text)

    def test_callback_stops_generation(self):
        pieces = []
        self.model.generate("Licensed under", max_new_tokens=32,
                            on_token=lambda p: pieces.append(p) or len(pieces) < 3)
        self.assertEqual(len(pieces), 3)

    def test_callback_exception_propagates(self):
        def boom(_piece):
            raise KeyError("from the callback")
        with self.assertRaises(KeyError):
            self.model.generate("Licensed under", max_new_tokens=4, on_token=boom)

    def test_errors_carry_the_message(self):
        with self.assertRaises(plinth.PlinthError) as cm:
            plinth.open("/nonexistent/model")
        self.assertEqual(cm.exception.status, 2)  # PLINTH_ERR_NOT_FOUND
        self.assertIn("/nonexistent/model", str(cm.exception))
        with self.assertRaises(plinth.PlinthError) as cm:
            with plinth.Runtime() as rt:
                rt.load(DEMO_MODEL, dtype="f7")
        self.assertIn("f7", str(cm.exception))


if __name__ == "__main__":
    unittest.main()
