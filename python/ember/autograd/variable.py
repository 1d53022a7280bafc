"""Variable: the pre-0.4 PyTorch wrapper, kept so that old tutorials run. Tensors are Variables
now: Variable(t, requires_grad=True) returns a tensor sharing t's data, and every tensor passes
isinstance(x, Variable)."""
from ember import _C

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _C.Tensor)


class Variable(metaclass=_VariableMeta):
    """Variable(data, requires_grad=False): a detached alias of `data` (a Tensor)."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if data is None:
            t = _C.empty(0)
        elif isinstance(data, _C.Tensor):
            t = data.detach()
        else:
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad:
            t.requires_grad_(True)
        return t
