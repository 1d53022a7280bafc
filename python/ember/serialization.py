"""ember.save / ember.load, and pickling and deep-copying of tensors.

ember.save writes PyTorch's zip format (see _torch_format.py), so files move between ember and PyTorch:
`torch.load(f, weights_only=True)` reads what ember.save wrote and ember.load reads what torch.save wrote,
without importing torch. ember.load also reads ember's own earlier format (_ember_v1_format.py), told apart
by its magic bytes, and safetensors files by their `.safetensors` suffix (ember.utils.safetensors).

weights_only=True (the default, as in PyTorch >= 2.6) reads the pickle with a reader of its own that
builds only tensors, parameters, numbers, strings, containers, dtypes, devices and sizes, from an allow-list
of globals; a file naming anything else is refused with pickle.UnpicklingError and nothing in it runs.
ember never needs more than that for tensors and state_dicts. weights_only=False unpickles with Python's
pickle, as torch.load does, which can run arbitrary code: use it only for files from a trusted source.
"""
import contextlib
import copy
import io
import os
import pickle
import re
import warnings

import ember
from ember import _ember_v1_format, _torch_format
from ember._C import Tensor

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_UNSAFE_MESSAGE = (
    "Re-running `ember.load` with `weights_only` set to `False` will likely succeed, but it can result in "
    "arbitrary code execution. Do it only if you got the file from a trusted source.")


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves obj to a path or a writable binary file, as torch.save does.

    Tensors (their storages shared as in memory), parameters, containers and any other picklable object
    are written in PyTorch's zip format; a whole nn.Module pickles by reference to its class, and loads
    back only with weights_only=False (as in PyTorch; saving model.state_dict() is the portable way).
    _use_new_zipfile_serialization=False writes ember's earlier JSON-header format instead, which holds
    tensors, numbers, strings and containers only.
    """
    if pickle_module not in (None, pickle):
        raise TypeError("ember.save supports only the standard pickle module as pickle_module")
    if not _use_new_zipfile_serialization:
        blob = _ember_v1_format.dumps(obj)
        if isinstance(f, (str, os.PathLike)):
            with open(f, "wb") as fh:
                fh.write(blob)
        else:
            f.write(blob)
        return
    _torch_format.save(obj, f, pickle_protocol, not _disable_byteorder_record)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Loads what ember.save or torch.save wrote (PyTorch's zip format, or ember's earlier format).

    map_location: None (each storage where it was saved), a device or string, a dict mapping saved
    locations to new ones, or a callable(storage, location) returning a tensor (its device is used) or None.
    weights_only: see the module docstring. mmap=True maps the file's storages (copy-on-write) instead of
    reading them; it needs a path. A malformed or hostile file raises RuntimeError or UnpicklingError.
    """
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if weights_only and pickle_load_args:
        warnings.warn("pickle_load_args only works if `weights_only=False`.")
    encoding = pickle_load_args.pop("encoding", "utf-8")
    if pickle_load_args:
        raise TypeError(f"ember.load got unexpected pickle arguments {sorted(pickle_load_args)}")
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
        return _load_safetensors(os.fspath(f), map_location)
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    with _open_for_reading(f) as fh:
        magic = fh.read(6)
        fh.seek(0)
        if magic.startswith(_ZIP_MAGIC) or magic.startswith(_EMPTY_ZIP_MAGIC):
            return _load_torch(fh, f, map_location, weights_only, bool(mmap), encoding)
        if mmap:
            raise RuntimeError("mmap can only be used with files saved with "
                               "`ember.save(..., _use_new_zipfile_serialization=True)` or torch.save")
        if magic == _ember_v1_format._MAGIC:
            obj = _ember_v1_format.loads(fh.read())
            if map_location is not None and not callable(map_location) and not isinstance(map_location, dict):
                obj = _ember_v1_format.map_tensors(obj, lambda t: t.to(map_location))
            return obj
    if magic[:1] == b"\x80":
        raise RuntimeError("ember.load: this file is a bare pickle, which is what torch.save(..., "
                           "_use_new_zipfile_serialization=False) (PyTorch's legacy format) or pickle.dump write; "
                           "ember reads only PyTorch's zip format (torch.save's default since PyTorch 1.6) and "
                           "ember's own format. Re-save it with torch.save(obj, f) in PyTorch.")
    raise RuntimeError("ember.load: invalid or corrupted file: not an ember file (bad magic bytes) and not a "
                       "PyTorch zip archive")


def _load_torch(fh, f, map_location, weights_only, use_mmap, encoding):
    path = os.fspath(f) if isinstance(f, (str, os.PathLike)) else None
    if not weights_only:
        return _torch_format.load(fh, path, map_location, False, use_mmap, encoding)
    try:
        return _torch_format.load(fh, path, map_location, True, use_mmap)
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(_weights_only_message(str(e))) from None


def _weights_only_message(message):
    """The text torch.load gives when weights_only=True refuses a file, with ember's names."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        return ("Weights only load failed. This file can still be loaded, to do so you have two options, do those "
                f"steps only if you trust the source of the checkpoint. \n\t(1) {_UNSAFE_MESSAGE}\n\t(2) "
                "Alternatively, to load with `weights_only=True` please check the recommended steps in the "
                "following error message.\n\tWeightsUnpickler error: " + message)
    return f"Weights only load failed. {_UNSAFE_MESSAGE}\n WeightsUnpickler error: {message}"


@contextlib.contextmanager
def _open_for_reading(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            yield fh
        return
    if isinstance(f, (bytes, bytearray, memoryview)):
        raise TypeError("ember.load expects a path or a binary file object, got bytes (wrap them in io.BytesIO)")
    try:
        seekable = f.seekable()
    except AttributeError:
        seekable = False
    yield f if seekable else io.BytesIO(f.read())


def _load_safetensors(path, map_location):
    from ember.utils import safetensors
    if map_location is not None and (isinstance(map_location, dict) or callable(map_location)):
        raise RuntimeError("Loading safetensors file with dict or callable map_location is not supported. "
                           "Use a device string or ember.device instead.")
    return safetensors.load_file(path, device="cpu" if map_location is None else str(map_location))


# ---- globals allowed by weights_only=True beyond the built-in list --------------------------------------

_SAFE_GLOBALS = []


def _global_name(entry):
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError(f"Expected tuple of (global, str of its full path), but got {entry!r}")
        return entry[1], entry[0]
    return f"{entry.__module__}.{entry.__qualname__}", entry


def _user_globals():
    return dict(_global_name(entry) for entry in _SAFE_GLOBALS)


def add_safe_globals(safe_globals):
    """Marks globals (classes or functions, or (object, "module.name") pairs) as safe for weights_only=True."""
    if not isinstance(safe_globals, list):
        raise TypeError(f"safe_globals must be a list, got {type(safe_globals).__name__}")
    for entry in safe_globals:
        _global_name(entry)
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals():
    return list(_SAFE_GLOBALS)


def clear_safe_globals():
    _SAFE_GLOBALS.clear()


class safe_globals:  # noqa: N801 (torch's name)
    """Context manager adding globals to the weights_only allow-list for its duration."""

    def __init__(self, safe_globals):
        self.globals = safe_globals

    def __enter__(self):
        self.saved = list(_SAFE_GLOBALS)
        add_safe_globals(self.globals)

    def __exit__(self, *exc):
        _SAFE_GLOBALS[:] = self.saved
        return False


# ---- pickling and copying tensors ---------------------------------------------------------------

def _rebuild_tensor(array, requires_grad):
    t = ember.tensor(array)
    return t.requires_grad_(True) if requires_grad else t


def _tensor_reduce_ex(self, protocol):
    return (_rebuild_tensor, (self.detach().cpu().numpy().copy(), self.requires_grad))


def _tensor_deepcopy(self, memo):
    if id(self) in memo:
        return memo[id(self)]
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                           "protocol at the moment. If you were attempting to deepcopy a module, this may be "
                           "because of a torch.nn.utils.weight_norm usage, see "
                           "https://github.com/pytorch/pytorch/pull/103001")
    with ember.no_grad():
        new = self.clone()
    if self.requires_grad:
        new.requires_grad_(True)
    if self.grad is not None:
        new.grad = copy.deepcopy(self.grad, memo)
    memo[id(self)] = new
    return new


Tensor.__reduce_ex__ = _tensor_reduce_ex
Tensor.__deepcopy__ = _tensor_deepcopy
