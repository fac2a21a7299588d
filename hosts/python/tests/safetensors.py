"""A tiny safetensors reader for the tests: F32 and I64 tensors as flat Python lists."""
import array
import json
import struct

_FORMATS = {"F32": "f", "I64": "q", "I32": "i"}


def read(path):
    """Returns {name: (shape, flat values)}."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack_from("<Q", blob, 0)
    header = json.loads(blob[8:8 + n])
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        values = array.array(_FORMATS[meta["dtype"]], blob[base + begin:base + end])
        out[name] = (meta["shape"], values.tolist())
    return out
