"""One golden fixture case through the binding's forward pass, at the case's tolerance."""
import json
import os
import unittest

import plinth
import safetensors
from paths import GOLDEN

CASE = os.path.join(GOLDEN, "models", "mistral", "seq_cls")


class GoldenCaseTest(unittest.TestCase):
    def test_mistral_seq_cls(self):
        with open(os.path.join(CASE, "case.json")) as f:
            spec = json.load(f)
        tol = spec["tolerance"]
        inputs = safetensors.read(os.path.join(CASE, "inputs.safetensors"))
        expected = safetensors.read(os.path.join(CASE, "expected.safetensors"))
        feed = {name: (values, shape) for name, (shape, values) in inputs.items()
                if not name.startswith("generate")}
        with plinth.Runtime() as rt, rt.load(CASE, head=spec["head"]) as model:
            outputs = model.forward(feed)
        for name, (shape, want) in expected.items():
            got = outputs[name]
            self.assertEqual(got.shape, shape, name)
            worst = max(abs(g - w) - (tol["atol"] + tol["rtol"] * abs(w))
                        for g, w in zip(got.values, want))
            self.assertLessEqual(worst, 0.0, "%s differs beyond the tolerance" % name)


if __name__ == "__main__":
    unittest.main()
