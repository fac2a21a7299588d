#!/usr/bin/env python3
"""Writes the toy-bigram model the example ships (model/) and its expected outputs.

Pure Python (no numpy, no torch): the weights come from a fixed linear congruential generator,
and the reference outputs are computed here in float64 from the float32-rounded weights, so the
plugin is checked against an implementation that shares no code with it. The output is
deterministic; rerunning the script rewrites identical files.

model/ is a golden-fixture case (tests/data/golden/README.md): config.json + model.safetensors,
inputs.safetensors, expected.safetensors and case.json, so `plinth check model` runs it.
"""
import json
import math
import os
import struct

VOCAB, HIDDEN, EPS = 16, 8, 1e-6
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model")


class Lcg:
    """Numerical Recipes LCG: reproducible on every Python without the random module's
    version-dependent algorithms."""

    def __init__(self, seed):
        self.state = seed

    def uniform(self):
        self.state = (1664525 * self.state + 1013904223) % 2**32
        return self.state / 2**32 * 2.0 - 1.0


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def matrix(rng, rows, cols, scale):
    return [[f32(rng.uniform() * scale) for _ in range(cols)] for _ in range(rows)]


def write_safetensors(path, tensors):
    """tensors: {name: (dtype "F32"|"I64", shape, flat values)}"""
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, values) in tensors.items():
        fmt = "<%d%s" % (len(values), "f" if dtype == "F32" else "q")
        blob = struct.pack(fmt, *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the format pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def logits_of(token, embed, norm, lm_head):
    x = embed[token]
    inv = 1.0 / math.sqrt(sum(v * v for v in x) / HIDDEN + EPS)
    h = [f32(x[i] * inv) * norm[i] for i in range(HIDDEN)]
    return [sum(lm_head[v][i] * h[i] for i in range(HIDDEN)) for v in range(VOCAB)]


def argmax(row):
    best = max(range(len(row)), key=lambda i: (row[i], -i))
    runner_up = max(r for i, r in enumerate(row) if i != best)
    # A near tie would make the greedy check depend on rounding, not on the plugin.
    assert row[best] - runner_up > 1e-3, "near tie; change the seed"
    return best


def main():
    rng = Lcg(20240611)
    embed = matrix(rng, VOCAB, HIDDEN, 1.0)
    lm_head = matrix(rng, VOCAB, HIDDEN, 0.5)
    norm = [f32(1.0 + 0.25 * rng.uniform()) for _ in range(HIDDEN)]

    input_ids = [[3, 7, 1, 12, 5, 9], [14, 2, 2, 8, 0, 11]]
    logits = [logits_of(t, embed, norm, lm_head) for row in input_ids for t in row]

    prompt, max_new = [4, 10, 6], 8
    seq, step_logits = list(prompt), []
    for _ in range(max_new):
        row = logits_of(seq[-1], embed, norm, lm_head)
        step_logits.append(row)
        seq.append(argmax(row))

    os.makedirs(OUT, exist_ok=True)
    config = {
        "architectures": ["ToyBigramForCausalLM"],
        "model_type": "toy-bigram",
        "vocab_size": VOCAB,
        "hidden_size": HIDDEN,
        "rms_norm_eps": EPS,
        "tie_word_embeddings": False,
    }
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    flat = lambda m: [v for row in m for v in row]
    write_safetensors(os.path.join(OUT, "model.safetensors"), {
        "embed.weight": ("F32", [VOCAB, HIDDEN], flat(embed)),
        "lm_head.weight": ("F32", [VOCAB, HIDDEN], flat(lm_head)),
        "norm.weight": ("F32", [HIDDEN], norm),
    })
    write_safetensors(os.path.join(OUT, "inputs.safetensors"), {
        "input_ids": ("I64", [2, 6], flat(input_ids)),
        "attention_mask": ("I64", [2, 6], [1] * 12),
        "generate.input_ids": ("I64", [1, len(prompt)], prompt),
    })
    write_safetensors(os.path.join(OUT, "expected.safetensors"), {
        "logits": ("F32", [2, 6, VOCAB], [f32(v) for row in logits for v in row]),
        "generate.sequences": ("I64", [1, len(seq)], seq),
        "generate.step_logits": ("F32", [1, max_new, VOCAB],
                                 [f32(v) for row in step_logits for v in row]),
    })
    case = {
        "arch": "toy-bigram",
        "head": "causal_lm",
        "note": "written by examples/sdk-plugin/make_model.py (pure-Python reference)",
        "tolerance": {"rtol": 1e-5, "atol": 1e-5},
        "generate": {"max_new_tokens": max_new, "eos_token_id": None},
    }
    with open(os.path.join(OUT, "case.json"), "w") as f:
        json.dump(case, f, indent=2)
        f.write("\n")
    # What examples/sdk-plugin/toy_generate prints for the same prompt.
    with open(os.path.join(OUT, "expected_generate.txt"), "w") as f:
        f.write("ids: " + " ".join(map(str, seq)) + "\n")
    print("wrote", OUT, "greedy:", seq)


if __name__ == "__main__":
    main()
