"""ember's own file format of its first releases, still read by ember.load and written by
ember.save(..., _use_new_zipfile_serialization=False); ember.save writes PyTorch's zip format by default.

File format (version 1), chosen so that loading can never run code:
    b"EMBER\\x00"  6-byte magic
    u32 little-endian: format version (1)
    u64 little-endian: length H of the header
    H bytes: UTF-8 JSON header describing the object tree
    raw tensor bytes, each tensor contiguous and little-endian at the offset its header entry gives
The header's object tree uses {"t": kind, ...} nodes with kinds: none, bool, int, float, str, list,
tuple, dict (items as [key, value] pairs; keys are str/int/float/bool/None), odict (OrderedDict),
tensor (dtype, shape, offset, requires_grad, parameter). Anything else is refused when saving.
"""
import json
import math
import struct
from collections import OrderedDict

import numpy as np

import ember
from ember._C import Tensor

_MAGIC = b"EMBER\x00"
_VERSION = 1
_DTYPES = {"float32", "float64", "int64", "int32", "uint8", "bool"}
_KEY_KINDS = {"none", "bool", "int", "float", "str"}


class _Writer:
    def __init__(self):
        self.chunks, self.offset = [], 0

    def encode(self, obj):
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, bool):
            return {"t": "bool", "v": obj}
        if isinstance(obj, int):
            return {"t": "int", "v": obj}
        if isinstance(obj, float):
            return {"t": "float", "v": repr(obj)}
        if isinstance(obj, str):
            return {"t": "str", "v": obj}
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
            return {"t": "list" if isinstance(obj, list) else "tuple", "v": [self.encode(x) for x in obj]}
        if isinstance(obj, dict):
            kind = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {"t": kind, "v": [[self._key(k), self.encode(v)] for k, v in obj.items()]}
        raise TypeError(f"ember.save cannot store objects of type {type(obj).__name__}: only tensors, numbers, "
                        "strings, None and lists/tuples/dicts of them")

    def _key(self, key):
        if key is None or isinstance(key, (str, int, float, bool)):
            return self.encode(key)
        raise TypeError(f"ember.save: dict keys must be str, int, float, bool or None, got {type(key).__name__}")

    def _tensor(self, t):
        data = np.ascontiguousarray(t.detach().cpu().numpy())
        if data.dtype.byteorder == ">":
            data = data.byteswap().view(data.dtype.newbyteorder("<"))
        raw = data.tobytes()
        node = {"t": "tensor", "dtype": str(t.dtype).split(".")[-1], "shape": list(t.shape),
                "offset": self.offset, "requires_grad": bool(t.requires_grad),
                "parameter": type(t).__name__ == "Parameter"}
        self.chunks.append(raw)
        self.offset += len(raw)
        return node


def dumps(obj):
    """obj (tensors, numbers, strings and nested lists/tuples/dicts of them) in this format, as bytes."""
    writer = _Writer()
    header = json.dumps(writer.encode(obj), separators=(",", ":")).encode("utf-8")
    return _MAGIC + struct.pack("<IQ", _VERSION, len(header)) + header + b"".join(writer.chunks)


def _fail(why):
    raise RuntimeError(f"ember.load: invalid or corrupted file: {why}")


class _Reader:
    def __init__(self, payload):
        self.payload = payload

    def decode(self, node):
        if not isinstance(node, dict) or "t" not in node:
            _fail("malformed header entry")
        kind = node["t"]
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            value = node.get("v")
            expected = {"bool": bool, "int": int, "str": str}[kind]
            if not isinstance(value, expected) or (kind == "int" and isinstance(value, bool)):
                _fail(f"bad {kind} value")
            return value
        if kind == "float":
            try:
                return float(node["v"])
            except (KeyError, TypeError, ValueError):
                _fail("bad float value")
        if kind in ("list", "tuple"):
            items = [self.decode(x) for x in self._seq(node)]
            return items if kind == "list" else tuple(items)
        if kind in ("dict", "odict"):
            out = OrderedDict() if kind == "odict" else {}
            for pair in self._seq(node):
                if not isinstance(pair, list) or len(pair) != 2:
                    _fail("bad dict item")
                if not isinstance(pair[0], dict) or pair[0].get("t") not in _KEY_KINDS:
                    _fail("bad dict key")
                out[self.decode(pair[0])] = self.decode(pair[1])
            return out
        if kind == "tensor":
            return self._tensor(node)
        _fail(f"unknown entry kind {kind!r}")

    @staticmethod
    def _seq(node):
        value = node.get("v")
        if not isinstance(value, list):
            _fail("bad sequence")
        return value

    def _tensor(self, node):
        dtype, shape, offset = node.get("dtype"), node.get("shape"), node.get("offset")
        if dtype not in _DTYPES:
            _fail(f"unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            _fail("bad tensor shape")
        if not isinstance(offset, int) or offset < 0:
            _fail("bad tensor offset")
        np_dtype = np.dtype(dtype if dtype != "bool" else "bool").newbyteorder("<")
        count = math.prod(shape)  # exact: a forged shape cannot wrap around to a small size
        nbytes = count * np_dtype.itemsize
        if offset + nbytes > len(self.payload):
            _fail("tensor data runs past the end of the file (truncated?)")
        array = np.frombuffer(self.payload, dtype=np_dtype, count=count, offset=offset).reshape(shape)
        t = ember.tensor(array.astype(np_dtype.newbyteorder("="), copy=True), dtype=getattr(ember, dtype))
        if node.get("parameter"):
            from ember.nn import Parameter
            return Parameter(t, bool(node.get("requires_grad", True)))
        if node.get("requires_grad"):
            t.requires_grad_(True)
        return t


def loads(blob):
    """Reads what dumps wrote. Never executes code from the file; malformed input is a RuntimeError."""
    if len(blob) < len(_MAGIC) + 12 or not blob.startswith(_MAGIC):
        _fail("not an ember file (bad magic bytes)")
    version, header_len = struct.unpack_from("<IQ", blob, len(_MAGIC))
    if version != _VERSION:
        _fail(f"unsupported format version {version}")
    start = len(_MAGIC) + 12
    if start + header_len > len(blob):
        _fail("header runs past the end of the file (truncated?)")
    try:
        header = json.loads(blob[start:start + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        _fail(f"header is not valid JSON ({e})")
    return _Reader(memoryview(blob)[start + header_len:].tobytes()).decode(header)


def map_tensors(obj, fn):
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, list):
        return [map_tensors(x, fn) for x in obj]
    if isinstance(obj, tuple):
        return tuple(map_tensors(x, fn) for x in obj)
    if isinstance(obj, dict):
        return type(obj)((k, map_tensors(v, fn)) for k, v in obj.items())
    return obj
