"""PyTorch's file format (torch.save since 1.6), read and written without importing torch.

A file is a zip archive of uncompressed records under one folder (`archive/` for buffers, the file's stem
for paths): `data.pkl` (a pickle, protocol 2), `data/<key>` (the raw little-endian bytes of each storage),
`byteorder`, `version`, `.format_version`, `.storage_alignment`, `.data/serialization_id`. In the pickle a
tensor is `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)` and
a storage is a persistent id `("storage", torch.FloatStorage, key, location, numel)`; views of one storage
share it, in the file and (rebuilt as numpy views of one buffer) in ember after loading.
"""
import io
import math
import mmap
import os
import pickle
import struct
import sys
import warnings
import zipfile
from collections import Counter, OrderedDict

import numpy as np
from numpy.lib.stride_tricks import as_strided

import ember
from ember._C import Tensor
from ember._weights_only_unpickler import UnpicklingError, WeightsOnlyUnpickler

_ALIGNMENT = 64  # torch aligns each record's data to 64 bytes, so a mmap-ed storage is aligned for every dtype
_MAX_DEFLATE_RATIO = 1032  # deflate cannot expand more than this: a record declaring more is a zip bomb
_INT64_MAX = 2 ** 63 - 1


class _Dtype:
    """A dtype a PyTorch file may hold: how its bytes read in numpy and what ember keeps them as."""

    def __init__(self, name, storage, numpy_dtype, ember_name=None, convert=None):
        self.name, self.storage, self.numpy = name, storage, np.dtype(numpy_dtype).newbyteorder("<")
        self.itemsize = self.numpy.itemsize
        self.ember_name = ember_name or name
        self.convert = convert  # None: ember has this dtype; else array -> array of ember_name, exactly

    def to_ember(self, array):
        return array if self.convert is None else self.convert(array)


def _bfloat16_to_float32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _uint64_to_int64(array):
    if array.size and array.max() > _INT64_MAX:
        raise RuntimeError("ember.load: a torch.uint64 tensor holds values above 2**63-1, which ember's int64 "
                           "cannot represent")
    return array.astype(np.int64)


_DTYPES = [
    _Dtype("float32", "FloatStorage", "f4"), _Dtype("float64", "DoubleStorage", "f8"),
    _Dtype("int64", "LongStorage", "i8"), _Dtype("int32", "IntStorage", "i4"),
    _Dtype("uint8", "ByteStorage", "u1"), _Dtype("bool", "BoolStorage", "?"),
    _Dtype("float16", "HalfStorage", "f2", "float32", lambda a: a.astype(np.float32)),
    _Dtype("bfloat16", "BFloat16Storage", "u2", "float32", _bfloat16_to_float32),
    _Dtype("int8", "CharStorage", "i1", "int32", lambda a: a.astype(np.int32)),
    _Dtype("int16", "ShortStorage", "i2", "int32", lambda a: a.astype(np.int32)),
    _Dtype("uint16", None, "u2", "int32", lambda a: a.astype(np.int32)),
    _Dtype("uint32", None, "u4", "int64", lambda a: a.astype(np.int64)),
    _Dtype("uint64", None, "u8", "int64", _uint64_to_int64),
]
_BY_NAME = {d.name: d for d in _DTYPES}
_BY_STORAGE = {d.storage: d for d in _DTYPES if d.storage}
_EMBER_TO_TORCH = {getattr(ember, d.name): d for d in _DTYPES if d.convert is None}
# Names PyTorch's weights_only loader accepts but ember has no tensors of: refused with a reason.
_UNSUPPORTED = {
    "_rebuild_sparse_tensor": "sparse", "_rebuild_qtensor": "quantized", "_rebuild_nested_tensor": "nested",
    "_rebuild_meta_tensor_no_storage": "meta", "_rebuild_wrapper_subclass": "wrapper-subclass",
    "_rebuild_device_tensor_from_numpy": "device (numpy-rebuilt)", "_rebuild_device_tensor_from_cpu_tensor":
    "device (privateuse1)",
}


class _StorageType:
    """What `torch.FloatStorage` (and friends) in a pickle stands for: only the element type."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self):
        return f"StorageType(dtype=torch.{self.dtype.name})"


_UNTYPED = _StorageType(_BY_NAME["uint8"])


class _ForeignDtype:
    """A torch dtype ember lacks (torch.float16...): usable only as the dtype argument of _rebuild_tensor_v3."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self):
        return f"torch.{self.dtype.name}"


class _LoadedStorage:
    """One storage of the file: a flat numpy array in the file's dtype, and the device its tensors go to."""

    def __init__(self, raw, dtype, target):
        self.raw, self.dtype, self.target = raw, dtype, target
        self._arrays = {}  # dtype name -> the elements as ember holds them (converted once, shared by all views)

    def typed(self, dtype):
        """The storage as an array of `dtype` elements (a storage saved untyped is reinterpreted, as torch does)."""
        array = self._arrays.get(dtype.name)
        if array is None:
            array = self._arrays[dtype.name] = self._convert(self._reinterpret(dtype), dtype)
        return array

    def _reinterpret(self, dtype):
        if dtype is self.dtype:
            return self.raw
        if self.dtype.name != "uint8" or self.raw.nbytes % dtype.itemsize:
            raise RuntimeError(f"ember.load: a torch.{dtype.name} tensor views a storage of torch.{self.dtype.name}; "
                               "views of one storage as different dtypes are not supported")
        return self.raw.view(dtype.numpy)

    @staticmethod
    def _convert(array, dtype):
        if dtype.convert is None:
            return array
        warnings.warn(f"ember.load: the file holds torch.{dtype.name} tensors, which ember does not have; they are "
                      f"loaded as ember.{dtype.ember_name} (the values are exact)", UserWarning, stacklevel=2)
        return np.ascontiguousarray(dtype.to_ember(array))


# ---- rebuilding tensors (the functions the pickle calls) ---------------------------------------------------

def _int_tuple(value, what):
    if not isinstance(value, (tuple, list)) or not all(type(v) is int for v in value):
        raise RuntimeError(f"ember.load: tensor {what} must be a tuple of ints, got {value!r:.200}")
    return tuple(value)


def _view(storage, storage_offset, size, stride, dtype=None):
    if not isinstance(storage, _LoadedStorage):
        raise RuntimeError(f"ember.load: a tensor's storage must come from the archive, got {type(storage)}")
    size, stride = _int_tuple(size, "size"), _int_tuple(stride, "stride")
    if type(storage_offset) is not int or storage_offset < 0 or storage_offset > _INT64_MAX:
        raise RuntimeError(f"ember.load: invalid storage offset {storage_offset!r}")
    if len(size) != len(stride):
        raise RuntimeError(f"ember.load: mismatch in length of strides and shape: size {list(size)}, "
                           f"stride {list(stride)}")
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"ember.load: negative size or stride: size {list(size)}, stride {list(stride)}")
    element = storage.dtype if dtype is None else dtype
    data = storage.typed(element)
    numel = math.prod(size)  # exact: a forged size cannot wrap around to something small
    if numel > _INT64_MAX:
        raise RuntimeError(f"ember.load: size {list(size)} has more than 2**63-1 elements")
    if numel == 0:
        empty = ember.empty(size, dtype=getattr(ember, element.ember_name))
        return empty if storage.target == "cpu" else empty.to(storage.target)
    extent = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1
    if extent > data.size:
        raise RuntimeError(f"ember.load: setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{storage_offset} and itemsize {element.itemsize} require a storage of "
                           f"{extent * element.itemsize} bytes, but the storage in the file has "
                           f"{data.size * element.itemsize} bytes")
    # A stride only matters where its size exceeds 1 (and is then bounded by the storage); a huge one on a
    # size-1 dimension is kept when numpy can hold it in bytes.
    byte_strides = [s * data.itemsize if n > 1 or s * data.itemsize <= _INT64_MAX else 0
                    for n, s in zip(size, stride)]
    view = ember.from_numpy(as_strided(data[storage_offset:], size, byte_strides))
    return view if storage.target == "cpu" else view.to(storage.target)


def _finish(tensor, requires_grad):
    if type(requires_grad) is not bool:
        raise RuntimeError(f"ember.load: requires_grad must be a bool, got {requires_grad!r:.100}")
    return tensor.requires_grad_(True) if requires_grad else tensor


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _view(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    # backward_hooks cannot hold anything callable under weights_only; metadata is torch-internal state.
    return _finish(_view(storage, storage_offset, size, stride), requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    if isinstance(dtype, _ForeignDtype):
        element = dtype.dtype
    elif dtype in _EMBER_TO_TORCH:
        element = _EMBER_TO_TORCH[dtype]
    else:
        raise RuntimeError(f"ember.load: unknown dtype {dtype!r:.100} in _rebuild_tensor_v3")
    return _finish(_view(storage, storage_offset, size, stride, element), requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from ember.nn import Parameter
    if not isinstance(data, Tensor) or type(requires_grad) is not bool:
        raise RuntimeError(f"ember.load: _rebuild_parameter expects a tensor and a bool, got {type(data)}, "
                           f"{requires_grad!r:.50}")
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    param = _rebuild_parameter(data, requires_grad, backward_hooks)
    _set_state(param, state)
    return param


def _rebuild_from_type_v2(func, new_type, args, state):
    from ember.nn import Parameter
    if func not in _REBUILDERS or type(args) is not tuple:
        raise UnpicklingError(f"_rebuild_from_type_v2 may only call tensor rebuild functions, got {func!r:.100}")
    tensor = func(*args)
    if new_type is Parameter and not isinstance(tensor, Parameter):
        tensor = Parameter(tensor, tensor.requires_grad)
    elif new_type not in (Tensor, Parameter):
        raise UnpicklingError(f"_rebuild_from_type_v2: ember cannot rebuild tensors of type {new_type!r:.100}")
    _set_state(tensor, state)
    return tensor


def _set_state(obj, state):
    if isinstance(state, tuple) and len(state) == 2:  # (dict state, slot state), as pickle's BUILD
        _set_state(obj, state[0])
        _set_state(obj, state[1])
        return
    if state is None or state == {}:
        return
    if not isinstance(state, dict) or not all(type(k) is str and not k.startswith("__") for k in state):
        raise UnpicklingError(f"invalid object state {state!r:.100}")
    for key, value in state.items():
        setattr(obj, key, value)


_REBUILDERS = {_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
               _rebuild_parameter_with_state}


def _encode(text, encoding="utf-8"):
    # Protocol 2 pickles bytes as _codecs.encode(str, "latin1"); no other codec is needed, or allowed.
    if type(text) is not str or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise UnpicklingError(f"_codecs.encode is only allowed for str with latin1/utf-8, got {encoding!r:.50}")
    return text.encode(encoding)


def _bytearray(*args):
    if args and not isinstance(args[0], (bytes, bytearray, list, tuple, str)):
        raise UnpicklingError("bytearray() from the file must be given its contents, not a size")
    return bytearray(*args)


def _allowed_globals():
    """`module.name` -> the ember object it stands for: what weights_only=True accepts, as torch's list."""
    from ember.nn import Parameter
    table = {
        "collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter, "torch.Size": ember.Size, "torch.Tensor": Tensor,
        "torch.device": ember.device, "_codecs.encode": _encode, "builtins.bytearray": _bytearray,
        "builtins.set": set, "builtins.complex": complex, "builtins.frozenset": frozenset,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.storage.UntypedStorage": _UNTYPED, "torch.UntypedStorage": _UNTYPED,
    }
    for f in _REBUILDERS:
        table[f"torch._utils.{f.__name__}"] = f
    for d in _DTYPES:
        table[f"torch.{d.name}"] = getattr(ember, d.name) if d.convert is None else _ForeignDtype(d)
        if d.storage:
            table[f"torch.{d.storage}"] = _StorageType(d)
    return table


_GLOBALS = None


def allowed_globals():
    global _GLOBALS
    if _GLOBALS is None:
        _GLOBALS = _allowed_globals()
    return _GLOBALS


def unsupported_reason(module, name):
    """Why a global torch's weights_only list has but ember cannot honour is refused (None if not such a name)."""
    if module == "torch._utils" and name in _UNSUPPORTED:
        return f"{module}.{name}: ember has no {_UNSUPPORTED[name]} tensors"
    if module == "torch" and name.endswith("Storage"):
        return f"torch.{name}: ember has no tensors of that element type"
    if module == "torch" and (name.startswith(("complex", "float8", "qint", "quint", "bits")) or name.startswith("int")
                              or name.startswith("uint")):
        return f"torch.{name}: ember has no such dtype"
    return None


# ---- reading --------------------------------------------------------------------------------------------

def _fail(why):
    raise RuntimeError(f"ember.load: invalid or corrupted PyTorch file: {why}")


class _Archive:
    """The records of a torch.save zip file, read with checks against the file's real size."""

    def __init__(self, fileobj, path=None, use_mmap=False):
        self.file = fileobj
        self.size = fileobj.seek(0, io.SEEK_END)
        fileobj.seek(0)
        try:
            self.zip = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, struct.error) as e:
            _fail(f"PytorchStreamReader failed reading zip archive: failed finding central directory ({e})")
        infos = self.zip.infolist()
        if not infos:
            _fail("the zip archive is empty")
        self.prefix = infos[0].filename.split("/", 1)[0] + "/"
        self.records = {i.filename[len(self.prefix):]: i for i in infos if i.filename.startswith(self.prefix)}
        self.mapped = None
        if use_mmap:
            with open(path, "rb") as fh:
                self.mapped = np.frombuffer(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY), dtype=np.uint8)

    def has(self, name):
        return name in self.records

    def read(self, name, nbytes=None):
        """The record's bytes as a writable uint8 array (nbytes of them, when given)."""
        info = self.records.get(name)
        if info is None:
            _fail(f"the archive has no record {self.prefix}{name}")
        if nbytes is None:
            nbytes = info.file_size
        if info.file_size < nbytes:
            _fail(f"storage {name} declares {nbytes} bytes but its record holds {info.file_size}")
        if info.compress_type == zipfile.ZIP_STORED:
            return self._read_stored(name, info, nbytes)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            return self._read_deflated(name, info, nbytes)
        _fail(f"record {name} uses zip compression method {info.compress_type}; only stored and deflated are read")

    def _data_start(self, name, info):
        if info.header_offset < 0 or info.header_offset + 30 > self.size:
            _fail(f"record {name} starts past the end of the file (truncated?)")
        self.file.seek(info.header_offset)
        header = self.file.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            _fail(f"record {name} has no valid local zip header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def _read_stored(self, name, info, nbytes):
        if info.compress_size != info.file_size:
            _fail(f"stored record {name} declares {info.file_size} bytes but occupies {info.compress_size}")
        start = self._data_start(name, info)
        if start + info.file_size > self.size:
            _fail(f"record {name} runs past the end of the file (truncated?)")
        if self.mapped is not None:
            return self.mapped[start:start + nbytes]
        out = np.empty(nbytes, dtype=np.uint8)
        self.file.seek(start)
        if self.file.readinto(memoryview(out)) != nbytes:
            _fail(f"record {name} runs past the end of the file (truncated?)")
        return out

    def _read_deflated(self, name, info, nbytes):
        if info.file_size > _MAX_DEFLATE_RATIO * info.compress_size + 1024:
            _fail(f"record {name} declares {info.file_size} uncompressed bytes from {info.compress_size} compressed "
                  "ones, more than deflate can produce (a zip bomb?)")
        if self._data_start(name, info) + info.compress_size > self.size:
            _fail(f"record {name} runs past the end of the file (truncated?)")
        out = np.empty(nbytes, dtype=np.uint8)
        try:
            with self.zip.open(info) as stream:
                if stream.readinto(memoryview(out)) != nbytes:
                    _fail(f"record {name} holds fewer bytes than it declares")
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as e:
            _fail(f"record {name} cannot be decompressed ({e})")
        return out


class _Restorer:
    """Where loaded storages go: map_location as torch.load takes it (None, str, device, dict or callable)."""

    def __init__(self, map_location):
        self.map_location = map_location

    def device(self, storage_tensor, location):
        """The device for a storage saved at `location`; storage_tensor() makes what a callable is passed."""
        m = self.map_location
        if m is None:
            target = location
        elif isinstance(m, dict):
            target = m.get(location, location)
        elif isinstance(m, (str, bytes, ember.device)):
            target = m.decode() if isinstance(m, bytes) else str(m)
        else:
            result = m(storage_tensor(), location)
            target = location if result is None else str(result.device)
        if target.startswith("cuda") and not ember.cuda.is_available():
            raise RuntimeError("Attempting to deserialize object on a CUDA device but ember.cuda.is_available() "
                               "is False. If you are running on a CPU-only machine, please use ember.load with "
                               "map_location=ember.device('cpu') to map your storages to the CPU.")
        return target


class _Loader:
    def __init__(self, archive, map_location, weights_only, encoding):
        self.archive = archive
        self.encoding = encoding
        self.restorer = _Restorer(map_location)
        self.weights_only = weights_only
        self.storages = {}
        self.devices = {}
        self.big_endian = False
        if archive.has("byteorder"):
            order = bytes(archive.read("byteorder")).decode("ascii", "replace")
            if order not in ("little", "big"):
                raise ValueError("Unknown endianness type: " + order)
            self.big_endian = order == "big"

    def persistent_load(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 5:
            raise UnpicklingError(f"persistent id must be ('storage', type, key, location, numel), got {pid!r:.100}")
        _, storage_type, key, location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise UnpicklingError(f"persistent id names {storage_type!r:.100}, not a storage type")
        if type(key) is not str or type(location) is not str or type(numel) is not int or not 0 <= numel <= _INT64_MAX:
            raise UnpicklingError(f"invalid storage id {pid!r:.200}")
        dtype = storage_type.dtype
        cached = self.storages.get(key)
        if cached is not None:
            if cached.dtype is not dtype:
                raise RuntimeError(f"ember.load: storage {key} is referenced as torch.{cached.dtype.name} and as "
                                   f"torch.{dtype.name}")
            return cached
        raw = self.archive.read(f"data/{key}", numel * dtype.itemsize)
        raw = raw.view(dtype.numpy.newbyteorder(">")).astype(dtype.numpy) if self.big_endian else raw.view(dtype.numpy)
        storage = _LoadedStorage(raw, dtype, "cpu")
        storage.target = self.restorer.device(lambda: ember.from_numpy(storage.typed(dtype)), location)
        self.storages[key] = storage
        return storage

    def load(self):
        data = bytes(self.archive.read("data.pkl"))
        if self.weights_only:
            obj = WeightsOnlyUnpickler(data, _weights_only_global, self.persistent_load, _new_object, _build).load()
        else:
            obj = _FullUnpickler(io.BytesIO(data), self.persistent_load, self.encoding).load()
        return obj


_BLOCKED_MODULES = ("sys", "os", "posix", "nt")


def _weights_only_global(module, name):
    from ember import serialization
    full = f"{module}.{name}"
    if module in _BLOCKED_MODULES:  # never allowed, even when a user lists one of their names
        raise UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module {module} is blocked.")
    obj = allowed_globals().get(full)
    if obj is None:
        obj = serialization._user_globals().get(full)
    if obj is not None:
        return obj
    reason = unsupported_reason(module, name)
    if reason:
        raise UnpicklingError(f"Unsupported global: GLOBAL {reason}.")
    shown = name if module == "builtins" else full
    raise UnpicklingError(f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
                          f"`ember.serialization.add_safe_globals([{shown}])` or the "
                          f"`ember.serialization.safe_globals([{shown}])` context manager to allowlist this global "
                          "if you trust this class/function.")


def _new_object(cls, args):
    from ember import serialization
    from ember.nn import Parameter
    if cls is Parameter:
        return Parameter(*args)
    if cls in (OrderedDict, Counter, set, frozenset, complex) or cls in serialization._user_globals().values():
        if isinstance(cls, type):
            return cls.__new__(cls, *args)
    raise UnpicklingError(f"Can only create new object for nn.Parameter or classes allowlisted via "
                          f"`add_safe_globals` but got {cls!r}")


def _build(obj, state):
    from ember import serialization
    from ember.nn import Parameter
    kind = type(obj)
    if kind in (Tensor, Parameter, OrderedDict):
        _set_state(obj, state)
    elif kind in serialization._user_globals().values():
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            _set_state(obj, state)
    else:
        raise UnpicklingError(f"Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                              f"`add_safe_globals`, but got {kind}")


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: ordinary pickle (it can run code), with PyTorch's tensor names mapped to ember."""

    def __init__(self, file, persistent_load, encoding):
        super().__init__(file, encoding=encoding)
        self._storage = persistent_load

    def persistent_load(self, pid):
        return self._storage(pid)

    def find_class(self, module, name):
        mapped = allowed_globals().get(f"{module}.{name}")
        if mapped is not None:
            return mapped
        if module == "torch" or module.startswith("torch."):
            raise pickle.UnpicklingError(
                f"ember.load: the file refers to {module}.{name}, a PyTorch object ember does not provide; ember "
                "loads the tensors, parameters, storages, dtypes and containers of PyTorch files (save a model's "
                "state_dict() rather than the module)")
        return super().find_class(module, name)


def load(fileobj, path, map_location, weights_only, use_mmap, encoding="utf-8"):
    archive = _Archive(fileobj, path, use_mmap)
    if archive.has("constants.pkl"):
        raise RuntimeError("ember.load: this is a TorchScript archive (torch.jit.save); ember cannot load TorchScript")
    if not archive.has("data.pkl"):
        _fail(f"the archive has no {archive.prefix}data.pkl record")
    return _Loader(archive, map_location, weights_only, encoding).load()


# ---- writing ----------------------------------------------------------------------------------------------

class _TorchName:
    """A global written into the pickle under PyTorch's module and name."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        # Callable only because pickle requires a reduce function to be; the file's reader calls torch's.
        raise RuntimeError(f"{self.module}.{self.name} is a name written into PyTorch files, not a function")


_REBUILD_TENSOR_V2 = _TorchName("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchName("torch._utils", "_rebuild_parameter")
_TORCH_SIZE = _TorchName("torch", "Size")
_TORCH_DEVICE = _TorchName("torch", "device")
_STORAGE_NAMES = {ember_dtype: _TorchName("torch", d.storage) for ember_dtype, d in _EMBER_TO_TORCH.items()}
_DTYPE_NAMES = {ember_dtype: _TorchName("torch", d.name) for ember_dtype, d in _EMBER_TO_TORCH.items()}


class _StorageGroup:
    """The tensors of one ember storage: saved once, as the span of elements they use."""

    def __init__(self, key, dtype, base):
        self.key, self.dtype, self.base = key, dtype, base
        self.low, self.high = None, 0

    def cover(self, offset, extent):
        self.low = offset if self.low is None else min(self.low, offset)
        self.high = max(self.high, offset + extent)

    @property
    def numel(self):
        return self.high - (self.low or 0)

    def data(self):
        if self.numel == 0:
            return np.empty(0, dtype=np.uint8)
        flat = self.base.detach().as_strided((self.numel,), (1,), self.low)
        return np.ascontiguousarray(flat.numpy()).view(np.uint8)


class _StorageRef:
    def __init__(self, group):
        self.group = group


class _StorageTable:
    """Assigns every tensor's storage a key; run over the object twice so each storage's span is final."""

    def __init__(self):
        self.groups = {}

    def reference(self, t):
        numel = t.numel()
        if numel == 0:
            ident = ("empty", t.dtype)
            offset, extent = 0, 0
        else:
            offset = t.storage_offset()
            ident = (t.data_ptr() - offset * t.element_size(), t.dtype)
            extent = sum((n - 1) * s for n, s in zip(t.shape, t.stride())) + 1
        group = self.groups.get(ident)
        if group is None:
            group = self.groups[ident] = _StorageGroup(str(len(self.groups)), t.dtype, t)
        group.cover(offset, extent)
        return _StorageRef(group), offset - (group.low or 0)


class _Pickler(pickle._Pickler):
    """Pickles with ember tensors written as PyTorch writes its own (rebuild calls and storage ids).

    The pure-Python pickler is used because the C one insists on importing a global's module to check it,
    and the file must name torch's functions without torch being importable.
    """

    def __init__(self, file, protocol, table):
        super().__init__(file, protocol)
        self.table = table

    def reducer_override(self, obj):
        from ember.nn import Parameter
        if isinstance(obj, Parameter):
            return _REBUILD_PARAMETER, (obj.detach(), obj.requires_grad, OrderedDict())
        if isinstance(obj, Tensor):
            if obj.device.type != "cpu":
                obj = obj.cpu()
            ref, offset = self.table.reference(obj)
            return _REBUILD_TENSOR_V2, (ref, offset, tuple(obj.shape), tuple(obj.stride()), obj.requires_grad,
                                        OrderedDict())
        if isinstance(obj, ember.Size):
            return _TORCH_SIZE, (tuple(obj),)
        if isinstance(obj, ember.device):
            return _TORCH_DEVICE, (str(obj),)
        if isinstance(obj, _TorchName):
            return obj.name  # a string: pickle saves obj as a global, through save_global below
        if isinstance(obj, ember.dtype):
            return str(obj)
        return NotImplemented

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            g = obj.group
            return "storage", _STORAGE_NAMES[g.dtype], g.key, "cpu", g.numel
        return None

    def save_global(self, obj, name=None):
        target = obj if isinstance(obj, _TorchName) else _DTYPE_NAMES.get(obj) if isinstance(obj, ember.dtype) else None
        if target is None:
            return super().save_global(obj, name)
        if self.proto >= 4:
            self.save(target.module)
            self.save(target.name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{target.module}\n{target.name}\n".encode("utf-8"))
        self.memoize(obj)


class _Discard:
    def write(self, data):
        return len(data)


def _pickle(obj, protocol):
    table = _StorageTable()
    _Pickler(_Discard(), protocol, table).dump(obj)  # first pass: learn each storage's span
    buf = io.BytesIO()
    _Pickler(buf, protocol, table).dump(obj)
    return buf.getvalue(), table


def _write_record(zf, name, data):
    """Adds a stored record whose data starts on a 64-byte boundary (padding in an extra field, as torch)."""
    view = memoryview(data).cast("B")
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = view.nbytes
    zip64 = view.nbytes * 1.05 > zipfile.ZIP64_LIMIT  # zipfile's own test for when it adds a zip64 extra field
    start = zf.start_dir + 30 + len(name.encode("utf-8")) + (20 if zip64 else 0)
    pad = -start % _ALIGNMENT
    if pad:
        pad += _ALIGNMENT if pad < 4 else 0
        info.extra = struct.pack("<HH", 0x4246, pad - 4) + b"Z" * (pad - 4)  # "FB", torch's padding field id
    with zf.open(info, "w", force_zip64=zip64) as out:
        out.write(view)


def save(obj, f, protocol, byteorder_record):
    """Writes obj as torch.save does. The pickle is built in memory first, so a failure writes no file."""
    if sys.byteorder != "little":
        raise RuntimeError("ember.save writes little-endian data and runs on little-endian machines only")
    pickled, table = _pickle(obj, protocol)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            _write_archive(fh, os.path.splitext(os.path.basename(os.fspath(f)))[0], pickled, table, byteorder_record)
    else:
        _write_archive(f, "archive", pickled, table, byteorder_record)


def _write_archive(fh, archive, pickled, table, byteorder_record):
    # ZipFile leaves a file object it was given open.
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        _write_record(zf, f"{archive}/data.pkl", pickled)
        _write_record(zf, f"{archive}/.format_version", b"1")
        _write_record(zf, f"{archive}/.storage_alignment", str(_ALIGNMENT).encode())
        if byteorder_record:
            _write_record(zf, f"{archive}/byteorder", b"little")
        for group in table.groups.values():
            _write_record(zf, f"{archive}/data/{group.key}", group.data())
        _write_record(zf, f"{archive}/version", b"3\n")
        serialization_id = str(int.from_bytes(os.urandom(16), "little")).zfill(40)
        _write_record(zf, f"{archive}/.data/serialization_id", serialization_id.encode())
