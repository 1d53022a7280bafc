"""Process-wide switches PyTorch programs set at start-up, and small inspection helpers.

ember's float32 matmul always accumulates in float32 ("highest"); "high" and "medium" permit lower
precision in PyTorch, they do not demand it, so ember records the setting and keeps full precision.
ember runs no inter-op thread pool (ops run on the calling thread, each op splitting its own work
with parallel_for), so the inter-op thread count is recorded and reported, as PyTorch's is for
programs that never fork.
"""
import warnings

import numpy as np

from ember import _C

_MATMUL_PRECISIONS = ("highest", "high", "medium")
_state = {"matmul_precision": "highest", "interop_threads": None, "warn_always": False,
          "deterministic": False, "deterministic_warn_only": False}
_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def get_float32_matmul_precision():
    return _state["matmul_precision"]


def set_float32_matmul_precision(precision):
    if precision not in _MATMUL_PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "set_float32_matmul_precision call has no effect.")
        return
    _state["matmul_precision"] = precision


def get_num_interop_threads():
    return _state["interop_threads"] or _C.get_num_threads()


def set_num_interop_threads(num):
    if not isinstance(num, int) or isinstance(num, bool) or num <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _state["interop_threads"] = num


def set_warn_always(enabled):
    """When True, ember's warnings show every time instead of once per call site."""
    _state["warn_always"] = bool(enabled)
    if enabled:
        warnings.filterwarnings("always", category=UserWarning, module=r"ember(\.|$)")
    else:
        warnings.filters[:] = [f for f in warnings.filters
                               if not (f[0] == "always" and f[3] is not None and f[3].pattern == r"ember(\.|$)")]


def is_warn_always_enabled():
    return _state["warn_always"]


def typename(obj):
    """'torch.FloatTensor'-style names for tensors (as Tensor.type()), the qualified class name
    of anything else."""
    if isinstance(obj, _C.Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", None) else f"{module}.{cls.__qualname__}"


def get_device(tensor):
    """-1 for a CPU tensor, as PyTorch."""
    return tensor.get_device()


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor over `buffer`'s memory (no copy: writes through either are seen by both)."""
    itemsize = np.dtype(_C._numpy_dtype(dtype)).itemsize
    length = memoryview(buffer).nbytes
    if offset < 0 or offset > length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count <= 0 and (length - offset) % itemsize != 0:
        raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a "
                         f"multiple of element size ({itemsize})")
    if count > 0 and count * itemsize > length - offset:
        raise ValueError(f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} bytes) "
                         f"must not be greater than actual buffer length ({length} bytes)")
    if length - offset == 0 and count <= 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    array = np.frombuffer(buffer, dtype=_C._numpy_dtype(dtype), count=count, offset=offset)
    if not array.flags.writeable:
        warnings.warn("The given buffer is not writable, and ember does not support non-writable tensors: "
                      "writes through the tensor change the buffer. Copy the buffer to protect its data.")
    return _C.from_numpy(array).requires_grad_(requires_grad)


# ember's kernels are deterministic already (parallel reductions combine partial results in a fixed
# order, so the bits do not depend on the thread count); the flags are recorded for programs that
# set and query them.
def use_deterministic_algorithms(mode, *, warn_only=False):
    _state["deterministic"], _state["deterministic_warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    return _state["deterministic_warn_only"]


def set_deterministic_debug_mode(debug_mode):
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if not _state["deterministic"]:
        return 0
    return 1 if _state["deterministic_warn_only"] else 2


def get_default_device():
    return _C.device("cpu")


def set_default_device(device):
    """Only the CPU exists in this build: 'cpu' (or None) is accepted, anything else raises."""
    if device is not None and _C.device(device).type != "cpu":
        raise RuntimeError(f"set_default_device: ember was built without a {_C.device(device).type} backend; "
                           "only 'cpu' is available")
