"""plinth for Python: a ctypes binding of the C API (abi/plinth.h), no compiled extension.

    import plinth
    with plinth.open("models/license-mistral") as model:
        print(model.generate("Licensed under the Apache License", max_new_tokens=32,
                             on_token=lambda piece: print(piece, end="", flush=True)))

Handles are freed by close() / the with-statement (and, as a fallback, when collected).
Failures raise PlinthError with the library's message and status.
"""
from .api import (Model, Outputs, PlinthError, Runtime, Tensor, Tokenizer, abi_version, open,
                  version)

__all__ = ["Model", "Outputs", "PlinthError", "Runtime", "Tensor", "Tokenizer", "abi_version",
           "open", "version"]
