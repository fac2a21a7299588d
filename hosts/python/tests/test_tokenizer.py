"""A model's own tokenizer through the binding: mLUKE's entity-aware encoding, asked for with
transformers' keyword arguments and read back as named tensors, against the golden cases."""
import json
import os
import unittest

import plinth
from paths import GOLDEN

MLUKE = os.path.join(GOLDEN, "tokenizers", "mluke")


class TokenizerTest(unittest.TestCase):
    def test_mluke_entities(self):
        rt = plinth.Runtime()
        tok = plinth.Tokenizer.load(rt, MLUKE)
        with open(os.path.join(MLUKE, "entity_cases.json")) as f:
            cases = json.load(f)
        for case in cases:
            kwargs = {"entity_spans": case["entity_spans"]}
            if isinstance(case.get("entities"), list):
                kwargs["entities"] = case["entities"]
            if isinstance(case.get("task"), str):
                kwargs["task"] = case["task"]
            enc = tok(case["text"], **kwargs)
            self.assertEqual(enc["input_ids"], case["input_ids"])
            self.assertEqual(enc["entity_ids"], case["entity_ids"])
            if "entity_position_ids" in case:
                self.assertEqual(enc["entity_position_ids"], case["entity_position_ids"])
        plain = tok("Paris is nice")
        self.assertNotIn("entity_ids", plain)
        with self.assertRaises(plinth.PlinthError):
            tok("Paris", entity_spans=[[0, 50]])
        tok.close()
        rt.close()


if __name__ == "__main__":
    unittest.main()
