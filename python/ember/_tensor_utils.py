"""Small tensor predicates, views and conversions PyTorch exposes at module level or as methods:
is_nonzero, is_same_size, is_signed, is_complex, clone, ravel, adjoint/mH/H, sum_to_size,
scalar_tensor, rsub, fill, zero_, range, Tensor.new/new_empty_strided, apply_/map_/map2_."""
import warnings

import numpy as np

from ember import _C

Tensor = _C.Tensor


def is_nonzero(input):
    """The truth of a one-element tensor."""
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item() != 0)


def is_same_size(input, other):
    return input.shape == other.shape


def is_signed(input):
    return input.dtype not in (_C.bool, _C.uint8)


def is_complex(input):
    """False: ember has no complex dtypes."""
    return False


def clone(input, *, memory_format=None):
    return input.clone()


def ravel(input):
    return input.reshape(-1)


def adjoint(input):
    """The (conjugate) transpose of the last two dims, as a view."""
    if input.dim() < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of matrices. Got "
                           f"{input.dim()}-D tensor.")
    return input.transpose(-2, -1)


def _mH(self):
    if self.dim() < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.dim()}-D tensor.")
    return self.transpose(-2, -1)


def _H(self):
    if self.dim() != 2 and self.dim() != 0:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.dim()}-D tensor."
                           + (" For batches of matrices, consider using tensor.mH" if self.dim() > 2 else ""))
    return self.t() if self.dim() == 2 else self


def sum_to_size(self, *size):
    """Sums the broadcast dims away so the result has `size` (which must expand to self's shape)."""
    size = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    shape = tuple(self.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    dims = list(range(lead)) + [lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1]
    out = self.sum(dims, keepdim=True) if dims else self
    return out.reshape(size)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor of the default float dtype (or dtype) holding s."""
    return _C.tensor(s, dtype=dtype or _C.get_default_dtype(), device=device, requires_grad=requires_grad)


def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    return _C.sub(other, input, alpha=alpha) if isinstance(other, Tensor) else other - alpha * input


def fill(input, value):
    """A new tensor of input's shape and dtype filled with value."""
    return input.clone().fill_(value)


def fill_(input, value):
    return input.fill_(value)


def zero_(input):
    return input.zero_()


def range_(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like arange, but end is included."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    count = int(np.floor((end - start) / step)) + 1
    if count < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    dtype = dtype or _C.get_default_dtype()
    values = _C.arange(count, dtype=_C.float64) * step + start
    return values.to(dtype).requires_grad_(requires_grad)


range_.__name__ = range_.__qualname__ = "range"  # exported as ember.range (a name the builtin keeps here)


def detach(input):
    return input.detach()


def detach_(input):
    return input.detach_()


def set_default_tensor_type(t):
    """Deprecated in PyTorch for set_default_dtype: a floating legacy type (or its name) sets the
    default float dtype."""
    names = {"torch.FloatTensor": _C.float32, "torch.DoubleTensor": _C.float64,
             "ember.FloatTensor": _C.float32, "ember.DoubleTensor": _C.float64}
    dtype = names.get(t) if isinstance(t, str) else getattr(t, "dtype", None)
    if dtype not in (_C.float32, _C.float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {t}")
    _C.set_default_dtype(dtype)


def _module_load(self, other, assign=False):
    """How load_state_dict turns a state-dict value into this parameter's or buffer's new value."""
    return other.detach() if assign else self.copy_(other).detach()


def _broadcast_to(self, size):
    return _C.broadcast_to(self, size)


def _new(self, *args, **kwargs):
    """The legacy constructor with self's dtype: new(2, 3) is uninitialised, new([1, 2]) copies data."""
    return _C._legacy_new(*args, _dtype=self.dtype)


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, layout=None,
                       pin_memory=False):
    return _C.empty_strided(size, stride, dtype=dtype or self.dtype).requires_grad_(requires_grad)


def _apply_elementwise(self, fn, *others):
    """Calls a Python function on each element (slow, as in PyTorch; CPU tensors only)."""
    arrays = [self.detach().numpy()] + [o.detach().expand(self.shape).numpy() for o in others]
    result = np.frompyfunc(fn, len(arrays), 1)(*arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        self.copy_(_C.from_numpy(np.asarray(result, dtype=arrays[0].dtype)))
    return self


def _apply_(self, callable):
    return _apply_elementwise(self, callable)


def _map_(self, tensor, callable):
    return _apply_elementwise(self, callable, tensor)


def _map2_(self, x, y, callable):
    return _apply_elementwise(self, callable, x, y)


for _name, _fn in [("is_nonzero", is_nonzero), ("is_same_size", is_same_size), ("is_signed", is_signed),
                   ("is_complex", is_complex), ("ravel", ravel), ("adjoint", adjoint), ("sum_to_size", sum_to_size),
                   ("new", _new), ("new_empty_strided", _new_empty_strided), ("apply_", _apply_),
                   ("map_", _map_), ("map2_", _map2_), ("module_load", _module_load),
                   ("broadcast_to", _broadcast_to)]:
    setattr(Tensor, _name, _fn)
Tensor.mH = property(_mH)
Tensor.H = property(_H)
