"""Raw ctypes declarations of abi/plinth.h (the subset the binding uses).

Structs mirror the C layouts member for member; ctypes applies the platform's C alignment
rules, so padding matches the C compiler's. Option structs are filled here with the defaults
that the header documents instead of calling the library's *_init functions: a newer library's
*_init writes its own (possibly larger) struct, which would overrun a mirror of an older layout
(docs/ARCHITECTURE.md, "ABI rules"). struct_size always says how much of the struct is ours.
"""
import ctypes
import ctypes.util
import os
import subprocess

c_status = ctypes.c_int32
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p

MAX_DIMS = 4
DTYPE_F32, DTYPE_I32, DTYPE_I64 = 0, 3, 4
ERR_BUFFER_TOO_SMALL = 9

LOG_FN = ctypes.CFUNCTYPE(None, c_void_p, ctypes.c_int32, c_char_p)
TOKEN_FN = ctypes.CFUNCTYPE(ctypes.c_int32, c_void_p, ctypes.c_int32, ctypes.c_int32, c_char_p)


class RuntimeOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("plugin_path", c_char_p),
                ("config_file", c_char_p), ("log_level", ctypes.c_int32),
                ("n_threads", ctypes.c_int32), ("log_fn", LOG_FN), ("log_user_data", c_void_p)]


class ModelOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("backend", c_char_p), ("dtype", c_char_p),
                ("head", c_char_p), ("n_threads", ctypes.c_int32)]


class ModelInfo(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("model_type", c_char_p),
                ("architecture", c_char_p), ("head", c_char_p), ("plugin", c_char_p),
                ("backend", c_char_p), ("device", c_char_p), ("stored_dtype", c_char_p),
                ("dtype", c_char_p), ("n_parameters", ctypes.c_int64),
                ("vocab_size", ctypes.c_int64), ("can_generate", ctypes.c_int32)]


class ForwardOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("output_hidden_states", ctypes.c_int32),
                ("wanted", ctypes.POINTER(c_char_p))]


class HostTensor(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("dtype", ctypes.c_int32), ("ndim", ctypes.c_int32),
                ("shape", ctypes.c_int64 * MAX_DIMS), ("data", c_void_p)]


class GenerateOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("max_new_tokens", ctypes.c_int32),
                ("temperature", ctypes.c_float), ("top_k", ctypes.c_int32),
                ("top_p", ctypes.c_float), ("seed", ctypes.c_uint64),
                ("stop_at_eos", ctypes.c_int32), ("add_special", ctypes.c_int32),
                ("on_token", TOKEN_FN), ("user_data", c_void_p)]


class EncodeOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("add_special_tokens", ctypes.c_int32),
                ("pair", c_char_p), ("pair_len", ctypes.c_int64), ("max_length", ctypes.c_int32),
                ("reserved", ctypes.c_int32), ("kwargs_json", c_char_p)]


class DecodeOptions(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("skip_special_tokens", ctypes.c_int32)]


def new_options(cls, **defaults):
    opts = cls()  # ctypes zero-fills
    opts.struct_size = ctypes.sizeof(cls)
    for k, v in defaults.items():
        setattr(opts, k, v)
    return opts


def _candidates():
    """Where libplinth.so may be: $PLINTH_LIB_DIR (a build tree), pkg-config's libdir (an
    installed SDK), then the dynamic loader's own search (ldconfig, LD_LIBRARY_PATH)."""
    if os.environ.get("PLINTH_LIB_DIR"):
        yield os.path.join(os.environ["PLINTH_LIB_DIR"], "libplinth.so")
    try:
        libdir = subprocess.run(["pkg-config", "--variable=libdir", "plinth"], check=True,
                                capture_output=True, text=True).stdout.strip()
        if libdir:
            yield os.path.join(libdir, "libplinth.so")
    except (OSError, subprocess.CalledProcessError):
        pass
    found = ctypes.util.find_library("plinth")
    if found:
        yield found
    yield "libplinth.so.1"


def load_library():
    errors = []
    for path in _candidates():
        try:
            return _declare(ctypes.CDLL(path))
        except OSError as e:
            errors.append(str(e))
    raise OSError("cannot load libplinth.so (set PLINTH_LIB_DIR): " + "; ".join(errors))


def _declare(lib):
    P = ctypes.POINTER
    sigs = {
        "plinth_abi_version": (ctypes.c_uint32, []),
        "plinth_version_string": (c_char_p, []),
        "plinth_last_error": (c_char_p, []),
        "plinth_status_string": (c_char_p, [c_status]),
        "plinth_runtime_create": (c_status, [P(RuntimeOptions), P(c_void_p)]),
        "plinth_runtime_free": (None, [c_void_p]),
        "plinth_model_load": (c_status, [c_void_p, c_char_p, P(ModelOptions), P(c_void_p)]),
        "plinth_model_free": (None, [c_void_p]),
        "plinth_model_get_info": (c_status, [c_void_p, P(ModelInfo)]),
        "plinth_model_tokenizer": (c_status, [c_void_p, P(c_void_p)]),
        "plinth_model_forward": (c_status, [c_void_p, P(HostTensor), ctypes.c_int32,
                                            P(ForwardOptions), P(c_void_p)]),
        "plinth_outputs_count": (ctypes.c_int32, [c_void_p]),
        "plinth_outputs_at": (c_status, [c_void_p, ctypes.c_int32, P(HostTensor)]),
        "plinth_outputs_free": (None, [c_void_p]),
        "plinth_generate_ids": (c_status, [c_void_p, P(ctypes.c_int32), ctypes.c_int32,
                                           ctypes.c_int32, P(ctypes.c_int32), P(GenerateOptions),
                                           P(ctypes.c_int32), P(ctypes.c_int32),
                                           P(ctypes.c_float)]),
        "plinth_generate_text": (c_status, [c_void_p, c_char_p, P(GenerateOptions),
                                            ctypes.c_char_p, ctypes.c_size_t,
                                            P(ctypes.c_size_t)]),
        "plinth_tokenizer_load": (c_status, [c_void_p, c_char_p, P(c_void_p)]),
        "plinth_tokenizer_free": (None, [c_void_p]),
        "plinth_tokenize": (c_status, [c_void_p, c_char_p, ctypes.c_int64, P(EncodeOptions),
                                       P(c_void_p)]),
        "plinth_encoding_length": (ctypes.c_int64, [c_void_p]),
        "plinth_encoding_ids": (P(ctypes.c_int32), [c_void_p]),
        "plinth_encoding_type_ids": (P(ctypes.c_int32), [c_void_p]),
        "plinth_encoding_tensor_count": (ctypes.c_int32, [c_void_p]),
        "plinth_encoding_tensor_at": (c_status, [c_void_p, ctypes.c_int32, P(HostTensor)]),
        "plinth_encoding_free": (None, [c_void_p]),
        "plinth_detokenize": (c_status, [c_void_p, P(ctypes.c_int32), ctypes.c_int64,
                                         P(DecodeOptions), ctypes.c_char_p, ctypes.c_size_t,
                                         P(ctypes.c_size_t)]),
        "plinth_tokenizer_vocab_size": (ctypes.c_int64, [c_void_p]),
        "plinth_tokenizer_special_id": (ctypes.c_int32, [c_void_p, c_char_p]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib
