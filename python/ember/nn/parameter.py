"""Parameter: a tensor that a Module registers as one of its learnable weights."""
import ember
from ember._C import Tensor


class Parameter(Tensor):
    """A leaf tensor sharing `data`'s memory, with requires_grad=True by default.

    Assigning a Parameter as a Module attribute registers it, so it shows up in parameters().
    """

    def __init__(self, data=None, requires_grad=True):
        # Tensor(t) is the legacy constructor (default dtype only): start empty and share data's
        # storage through .data, which keeps any dtype.
        super().__init__()
        if data is not None:
            self.data = data
        self.requires_grad_(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = Parameter(self.detach().clone(), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (Parameter, (self.detach().clone(), self.requires_grad))


class Buffer(Tensor):
    """Marks a tensor as a buffer when assigned as a Module attribute (PyTorch 2.x nn.Buffer)."""

    def __init__(self, data, persistent=True):
        super().__init__()
        self.data = data
        self.persistent = persistent


class _UninitializedMixin:
    """A placeholder of unknown shape that a lazy module fills in on its first forward (materialize)."""

    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Gives the placeholder an (uninitialised) tensor of `shape` and turns it into cls_to_become."""
        dtype = self.dtype if dtype is None else dtype
        self.data = ember.empty(tuple(shape), dtype=dtype, device=device)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise ValueError("Attempted to use an uninitialized parameter in shape. This error happens when you are "
                         "using a `LazyModule` or explicitly manipulating `ember.nn.parameter.UninitializedParameter` "
                         "objects. When using LazyModules Call `forward` with a dummy batch to initialize the "
                         "parameters before calling torch functions")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self.dtype)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad, None, self.dtype))


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A Parameter whose shape is set by the lazy module that owns it (LazyLinear, LazyConv2d, ...)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(ember.empty(0, dtype=dtype, device=device), requires_grad)


class UninitializedBuffer(_UninitializedMixin, Buffer):
    """A buffer whose shape is set by the lazy module that owns it (LazyBatchNorm1d, ...)."""

    cls_to_become = Buffer

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        super().__init__(ember.empty(0, dtype=dtype, device=device), persistent)
        self.requires_grad_(requires_grad)


def is_lazy(param):
    return isinstance(param, _UninitializedMixin)
