"""The Pythonic layer over _capi: RAII-style handles, exceptions, callbacks."""
import array
import ctypes
import json
import struct

from . import _capi as c

_lib = None


def _L():
    # Loaded on first use, so importing the package never fails for lack of the library.
    global _lib
    if _lib is None:
        _lib = c.load_library()
    return _lib


class PlinthError(RuntimeError):
    """A failed plinth call: .status is the plinth_status, str() the library's message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _check(status):
    if status != 0:
        # The message is thread-local in the library and this is the same thread (ctypes
        # releases the GIL during the call but returns on the calling thread).
        msg = _L().plinth_last_error() or _L().plinth_status_string(status)
        raise PlinthError(status, msg.decode("utf-8", "replace"))


def _b(s):
    return None if s is None else s.encode("utf-8")


def abi_version():
    return _L().plinth_abi_version()


def version():
    return _L().plinth_version_string().decode()


class _Handle:
    _free = None

    def __init__(self):
        self._h = ctypes.c_void_p()

    def close(self):
        if self._h:
            getattr(_L(), self._free)(self._h)
            self._h = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


class Runtime(_Handle):
    """Plugin registry and settings. plugin_path: extra plugin directories (':'-separated)."""
    _free = "plinth_runtime_free"

    def __init__(self, plugin_path=None, config_file=None, n_threads=0, log_level=-1):
        super().__init__()
        opts = c.new_options(c.RuntimeOptions, plugin_path=_b(plugin_path),
                             config_file=_b(config_file), log_level=log_level,
                             n_threads=n_threads)
        _check(_L().plinth_runtime_create(ctypes.byref(opts), ctypes.byref(self._h)))

    def load(self, model_dir, backend=None, dtype=None, head=None, n_threads=0):
        return Model(self, model_dir, backend=backend, dtype=dtype, head=head, n_threads=n_threads)


class Tensor:
    """A forward output copied into Python: name, dtype (plinth_dtype), shape, flat values."""

    def __init__(self, name, dtype, shape, values):
        self.name, self.dtype, self.shape, self.values = name, dtype, shape, values

    def __repr__(self):
        return "Tensor(%r, shape=%r)" % (self.name, self.shape)


class Outputs(dict):
    """name -> Tensor."""


_FORMATS = {c.DTYPE_F32: "f", c.DTYPE_I32: "i", c.DTYPE_I64: "q"}


class Model(_Handle):
    """A loaded model. The C library keeps the runtime alive as long as the model."""
    _free = "plinth_model_free"

    def __init__(self, runtime, model_dir, backend=None, dtype=None, head=None, n_threads=0):
        super().__init__()
        self._runtime = runtime  # the Python object too, so close() order never matters
        opts = c.new_options(c.ModelOptions, backend=_b(backend), dtype=_b(dtype),
                             head=_b(head), n_threads=n_threads)
        _check(_L().plinth_model_load(runtime._h, _b(str(model_dir)), ctypes.byref(opts),
                                      ctypes.byref(self._h)))

    def info(self):
        i = c.new_options(c.ModelInfo)
        _check(_L().plinth_model_get_info(self._h, ctypes.byref(i)))
        d = {}
        for name, ctype in c.ModelInfo._fields_[1:]:
            v = getattr(i, name)
            d[name] = v.decode() if isinstance(v, bytes) else v
        return d

    def tokenizer(self):
        """The model directory's tokenizer: its own reference, valid after the model closes."""
        t = ctypes.c_void_p()
        _check(_L().plinth_model_tokenizer(self._h, ctypes.byref(t)))
        return Tokenizer(t)

    def forward(self, inputs, wanted=(), hidden_states=False):
        """inputs: {name: (flat int values, shape)}; returns Outputs. Values go in as int32."""
        keep, tensors = [], (c.HostTensor * len(inputs))()
        for i, (name, (values, shape)) in enumerate(inputs.items()):
            buf = (ctypes.c_int32 * len(values))(*values)
            keep += [buf, _b(name)]
            t = tensors[i]
            t.name, t.dtype, t.ndim, t.data = keep[-1], c.DTYPE_I32, len(shape), ctypes.addressof(buf)
            for d, n in enumerate(shape):
                t.shape[d] = n
        names = (ctypes.c_char_p * (len(wanted) + 1))(*[_b(w) for w in wanted], None)
        opts = c.new_options(c.ForwardOptions, output_hidden_states=int(hidden_states),
                             wanted=names if wanted else None)
        out = ctypes.c_void_p()
        _check(_L().plinth_model_forward(self._h, tensors, len(inputs), ctypes.byref(opts),
                                         ctypes.byref(out)))
        try:
            return self._copy_outputs(out)
        finally:
            _L().plinth_outputs_free(out)

    @staticmethod
    def _copy_outputs(out):
        result = Outputs()
        for i in range(_L().plinth_outputs_count(out)):
            t = c.HostTensor()
            _check(_L().plinth_outputs_at(out, i, ctypes.byref(t)))
            shape = [t.shape[d] for d in range(t.ndim)]
            n = 1
            for s in shape:
                n *= s
            fmt = _FORMATS.get(t.dtype)
            if fmt is None:
                raise PlinthError(4, "output %s has unsupported dtype %d" % (t.name, t.dtype))
            raw = ctypes.string_at(t.data, n * struct.calcsize(fmt))
            name = t.name.decode()
            result[name] = Tensor(name, t.dtype, shape, array.array(fmt, raw).tolist())
        return result

    def _gen_options(self, max_new_tokens, temperature, top_k, top_p, seed, stop_at_eos,
                     on_token):
        callback = c.TOKEN_FN()  # NULL
        if on_token is not None:
            def trampoline(_user, _row, _token, piece):
                # An exception must not unwind through C: record it, stop, re-raise later.
                try:
                    return 1 if on_token(piece.decode("utf-8", "replace")) is False else 0
                except BaseException as e:  # noqa: B902 - re-raised after the C call
                    self._callback_error = e
                    return 1
            callback = c.TOKEN_FN(trampoline)
        opts = c.new_options(c.GenerateOptions, max_new_tokens=max_new_tokens,
                             temperature=temperature, top_k=top_k, top_p=top_p, seed=seed,
                             stop_at_eos=int(stop_at_eos), add_special=1, on_token=callback)
        return opts, callback

    def generate(self, prompt, max_new_tokens=64, temperature=0.0, top_k=0, top_p=1.0, seed=0,
                 stop_at_eos=True, on_token=None):
        """Continues the text prompt; returns the continuation. on_token(piece) is called as
        text is produced (return False to stop early)."""
        pieces = []

        def collect(piece):
            pieces.append(piece)
            return None if on_token is None else on_token(piece)

        self._callback_error = None
        opts, _keep = self._gen_options(max_new_tokens, temperature, top_k, top_p, seed,
                                        stop_at_eos, collect)
        cap = 4096 + 64 * max_new_tokens
        buf = ctypes.create_string_buffer(cap)
        needed = ctypes.c_size_t()
        st = _L().plinth_generate_text(self._h, _b(prompt), ctypes.byref(opts), buf, cap,
                                       ctypes.byref(needed))
        if self._callback_error is not None:
            raise self._callback_error
        if st == c.ERR_BUFFER_TOO_SMALL:  # generation ran; the streamed pieces hold the text
            return "".join(pieces)
        _check(st)
        return buf.raw[:needed.value].decode("utf-8", "replace")

    def generate_ids(self, prompt_ids, max_new_tokens=64, temperature=0.0, top_k=0, top_p=1.0,
                     seed=0, stop_at_eos=True):
        """Greedy (or sampled) continuation of one row of token ids; returns prompt + new ids."""
        self._callback_error = None
        opts, _ = self._gen_options(max_new_tokens, temperature, top_k, top_p, seed, stop_at_eos,
                                    None)
        n = len(prompt_ids)
        ids = (ctypes.c_int32 * n)(*prompt_ids)
        out = (ctypes.c_int32 * (n + max_new_tokens))()
        length = ctypes.c_int32()
        _check(_L().plinth_generate_ids(self._h, ids, 1, n, None, ctypes.byref(opts), out,
                                        ctypes.byref(length), None))
        return list(out[:length.value])


class Tokenizer(_Handle):
    _free = "plinth_tokenizer_free"

    def __init__(self, handle=None):
        super().__init__()
        if handle is not None:
            self._h = handle

    @classmethod
    def load(cls, runtime, model_dir):
        t = cls()
        _check(_L().plinth_tokenizer_load(runtime._h, _b(str(model_dir)), ctypes.byref(t._h)))
        return t

    def encode(self, text, add_special_tokens=True):
        opts = c.new_options(c.EncodeOptions, add_special_tokens=int(add_special_tokens),
                             pair_len=-1)
        enc = ctypes.c_void_p()
        data = _b(text)
        _check(_L().plinth_tokenize(self._h, data, len(data), ctypes.byref(opts),
                                    ctypes.byref(enc)))
        try:
            n = _L().plinth_encoding_length(enc)
            return list(_L().plinth_encoding_ids(enc)[:n])
        finally:
            _L().plinth_encoding_free(enc)

    def __call__(self, text, text_pair=None, add_special_tokens=True, max_length=0, **kwargs):
        """The encoding as a dict, like transformers' tokenizer call: input_ids, attention_mask,
        token_type_ids, plus the tensors a model's own tokenizer adds for its keyword arguments
        (mLUKE: entity_spans=[(0, 5)], entities=["Paris"], task=... give entity_ids,
        entity_position_ids, ...), each as nested lists."""
        pair = _b(text_pair) if text_pair is not None else None
        kw = _b(json.dumps(kwargs)) if kwargs else None
        opts = c.new_options(c.EncodeOptions, add_special_tokens=int(add_special_tokens),
                             pair=pair, pair_len=len(pair) if pair is not None else -1,
                             max_length=max_length, kwargs_json=kw)
        enc = ctypes.c_void_p()
        data = _b(text)
        _check(_L().plinth_tokenize(self._h, data, len(data), ctypes.byref(opts),
                                    ctypes.byref(enc)))
        try:
            n = _L().plinth_encoding_length(enc)
            out = {"input_ids": list(_L().plinth_encoding_ids(enc)[:n]),
                   "attention_mask": [1] * n}
            types = _L().plinth_encoding_type_ids(enc)
            if types:
                out["token_type_ids"] = list(types[:n])
            for i in range(_L().plinth_encoding_tensor_count(enc)):
                t = c.HostTensor()
                _check(_L().plinth_encoding_tensor_at(enc, i, ctypes.byref(t)))
                shape = list(t.shape[:t.ndim])
                count = 1
                for d in shape:
                    count *= d
                flat = list(ctypes.cast(t.data, ctypes.POINTER(ctypes.c_int32))[:count])
                out[t.name.decode()] = _nest(flat, shape)
            return out
        finally:
            _L().plinth_encoding_free(enc)

    def decode(self, ids, skip_special=True):
        arr = (ctypes.c_int32 * len(ids))(*ids)
        opts = c.new_options(c.DecodeOptions, skip_special_tokens=int(skip_special))
        needed = ctypes.c_size_t()
        cap = 256
        while True:
            buf = ctypes.create_string_buffer(cap)
            st = _L().plinth_detokenize(self._h, arr, len(ids), ctypes.byref(opts), buf, cap,
                                        ctypes.byref(needed))
            if st != c.ERR_BUFFER_TOO_SMALL:
                _check(st)
                return buf.raw[:needed.value].decode("utf-8", "replace")
            cap = needed.value + 1

    def special_id(self, role):
        return _L().plinth_tokenizer_special_id(self._h, _b(role))


def _nest(flat, shape):
    """A row-major flat list as nested lists of `shape`."""
    if len(shape) <= 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def open(model_dir, **options):
    """A model on a private runtime (plugins found next to libplinth.so); close() frees both."""
    rt = Runtime()
    try:
        return Model(rt, model_dir, **options)
    finally:
        rt.close()  # the model keeps the C runtime alive
