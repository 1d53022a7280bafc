"""The safetensors format (https://github.com/huggingface/safetensors), read and written by ember itself.

A file is: an 8-byte little-endian header length N, N bytes of JSON (padded with spaces to a multiple
of 8) mapping each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} plus an optional
"__metadata__" str->str map, then the tensors' bytes, little-endian and C-contiguous, each range
relative to the end of the header and together covering the data exactly. Nothing in it is code.

save/save_file/load/load_file take and give dicts of ember tensors, as safetensors.torch does; tensors are
saved as contiguous copies (as the package's numpy API), so views and shared tensors need no special care.
The data of a loaded file is one buffer (a copy-on-write map of the file) all its tensors view. F16 and BF16 (and
the integer types ember lacks) load as ember's nearest wider dtype, exactly, with a warning.
"""
import json
import math
import mmap
import os
import struct
import warnings

import numpy as np

import ember
from ember._C import Tensor

__all__ = ["SafetensorError", "save", "save_file", "load", "load_file"]

_MAX_HEADER = 100_000_000  # the reference implementation's limit too: bounds what a crafted length can make us read


class SafetensorError(Exception):
    """A file or buffer that is not valid safetensors data (the name the safetensors package uses)."""


def _widen(target):
    return lambda a: a.astype(target)


def _bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


# code -> (numpy dtype of the bytes, ember dtype name, conversion for dtypes ember lacks)
_CODES = {
    "F64": ("<f8", "float64", None), "F32": ("<f4", "float32", None), "I64": ("<i8", "int64", None),
    "I32": ("<i4", "int32", None), "U8": ("u1", "uint8", None), "BOOL": ("?", "bool", None),
    "F16": ("<f2", "float32", _widen(np.float32)), "BF16": ("<u2", "float32", _bf16_to_f32),
    "I16": ("<i2", "int32", _widen(np.int32)), "I8": ("i1", "int32", _widen(np.int32)),
    "U16": ("<u2", "int32", _widen(np.int32)), "U32": ("<u4", "int64", _widen(np.int64)),
}
_WRITE_RANK = ["BOOL", "U8", "I8", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
_EMBER_CODES = {getattr(ember, name): code for code, (_, name, convert) in _CODES.items() if convert is None}


def _fail(why):
    raise SafetensorError(f"Error while deserializing header: {why}")


# ---- writing ----------------------------------------------------------------------------------------------

def _arrays(tensors):
    if not isinstance(tensors, dict):
        raise TypeError(f"Expected a dict of [str, ember.Tensor] but received {type(tensors)}")
    out = {}
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise TypeError(f"Key `{name!r}` is invalid, expected str but received {type(name)}")
        if name == "__metadata__":
            raise ValueError("`__metadata__` is reserved for the header's metadata and cannot name a tensor")
        if not isinstance(t, Tensor):
            raise TypeError(f"Key `{name}` is invalid, expected ember.Tensor but received {type(t)}")
        if t.dtype not in _EMBER_CODES:
            raise ValueError(f"ember.utils.safetensors cannot save tensors of dtype {t.dtype} (`{name}`)")
        source = t.detach().cpu().numpy()
        array = np.ascontiguousarray(source).reshape(source.shape)  # ascontiguousarray makes 0-d arrays 1-d
        out[name] = (_EMBER_CODES[t.dtype], array.astype(array.dtype.newbyteorder("<"), copy=False))
    return out


def _check_metadata(metadata):
    if metadata is None:
        return
    if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                 for k, v in metadata.items()):
        raise TypeError("metadata must be a dict of str to str")


def _layout(tensors, metadata):
    """(header bytes, arrays in file order): the reference writer's order (its dtype enum, descending, then
    the name), which puts larger elements first and so keeps every tensor aligned to its element size."""
    _check_metadata(metadata)
    arrays = _arrays(tensors)
    order = sorted(arrays, key=lambda n: (-_WRITE_RANK.index(arrays[n][0]), n))
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in order:
        code, array = arrays[name]
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw, [arrays[name][1] for name in order]


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of ember tensors."""
    head, arrays = _layout(tensors, metadata)
    return b"".join([head] + [a.tobytes() for a in arrays])


def save_file(tensors, filename, metadata=None):
    """Writes a dict of ember tensors to filename in the safetensors format."""
    head, arrays = _layout(tensors, metadata)
    with open(filename, "wb") as f:
        f.write(head)
        for a in arrays:
            f.write(memoryview(a.reshape(-1)).cast("B"))


# ---- reading ----------------------------------------------------------------------------------------------

def _parse_header(buffer):
    if len(buffer) < 8:
        _fail("header too small")
    (n,) = struct.unpack_from("<Q", buffer, 0)
    if n > _MAX_HEADER:
        _fail("header too large")
    if 8 + n > len(buffer):
        _fail("invalid header length")
    try:
        header = json.loads(bytes(buffer[8:8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        _fail(f"invalid JSON in header: {e}")
    if not isinstance(header, dict):
        _fail("the header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    if metadata is not None and (not isinstance(metadata, dict) or
                                 not all(isinstance(v, str) for v in metadata.values())):
        _fail("__metadata__ must map str to str")
    return header, 8 + n


def _entries(header, data_len):
    """Checks every entry and that the entries tile the data exactly; yields (name, code, shape, begin, end)."""
    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            _fail(f"entry {name!r} is not an object")
        code, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if code not in _CODES:
            _fail(f"unknown dtype {code!r} for tensor {name!r} (ember reads {', '.join(_CODES)})")
        if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
            _fail(f"invalid shape {shape!r} for tensor {name!r}")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(type(o) is int for o in offsets)
                or not 0 <= offsets[0] <= offsets[1]):
            _fail(f"invalid data_offsets {offsets!r} for tensor {name!r}")
        nbytes = math.prod(shape) * np.dtype(_CODES[code][0]).itemsize
        if offsets[1] - offsets[0] != nbytes:
            _fail(f"tensor {name!r} of shape {shape} and dtype {code} needs {nbytes} bytes, its data_offsets "
                  f"give {offsets[1] - offsets[0]}")
        entries.append((name, code, shape, offsets[0], offsets[1]))
    end = 0
    for entry in sorted(entries, key=lambda e: (e[3], e[4])):
        if entry[3] != end:
            _fail(f"tensor {entry[0]!r} does not start where the previous one ends (offset {entry[3]}, expected {end})")
        end = entry[4]
    if end != data_len:
        _fail(f"the tensors cover {end} bytes of data but the file holds {data_len}")
    return entries


def _tensors(buffer, device):
    header, start = _parse_header(buffer)
    data = np.frombuffer(buffer, dtype=np.uint8, offset=start)
    out, converted = {}, set()
    for name, code, shape, begin, end in _entries(header, data.size):
        np_dtype, ember_name, convert = _CODES[code]
        array = data[begin:end].view(np_dtype).reshape(shape)
        if convert is not None:
            array = convert(array)
            converted.add(f"{code} -> ember.{ember_name}")
        else:
            array = array.astype(np.dtype(np_dtype).newbyteorder("="), copy=False)
        t = ember.from_numpy(array)
        out[name] = t if device in (None, "cpu") else t.to(device)
    if converted:
        warnings.warn("ember.utils.safetensors: ember has no such dtype, tensors converted exactly: "
                      + ", ".join(sorted(converted)), UserWarning, stacklevel=3)
    return out


def load(data):
    """The dict of ember tensors held by safetensors bytes."""
    return _tensors(bytearray(data), None)


def load_file(filename, device="cpu"):
    """The dict of ember tensors in a safetensors file. The file is mapped copy-on-write, so its tensors
    view it without a copy and writing to them never changes the file."""
    with open(filename, "rb") as f:
        if os.fstat(f.fileno()).st_size < 8:
            return _tensors(bytearray(f.read()), str(device))
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    return _tensors(mapped, str(device))
