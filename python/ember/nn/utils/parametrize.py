"""Parametrizations (torch.nn.utils.parametrize): module.weight computed on access as
parametrization(module.parametrizations.weight.original).

Registering swaps the module's class for a subclass with a property per parametrized tensor (so every
access recomputes it, or reads the cache inside `cached()`), PyTorch's mechanism, so state dicts
name the originals "parametrizations.<name>.original" (or original0, original1, ... when right_inverse
returns several tensors)."""
from contextlib import contextmanager

import ember
from ember.nn.modules.container import ModuleDict, ModuleList
from ember.nn.parameter import Parameter

_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Within the block each parametrized tensor is computed once, on its first access."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The chain of parametrizations of one tensor and the unconstrained original(s) it starts from."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__(modules)
        self.unsafe = unsafe
        new = original
        with ember.no_grad():
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = isinstance(new, ember.Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if not unsafe and new.dtype != original.dtype:
                raise ValueError(f"When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}")
            with ember.no_grad():
                if tuple(new.shape) == tuple(original.shape):
                    original.copy_(new)
                else:
                    original.data = new.detach().clone()
            if isinstance(original, Parameter):
                self.original = original
            else:
                self.register_buffer("original", original)
        else:
            for i, tensor in enumerate(new):
                if not isinstance(tensor, ember.Tensor):
                    raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...)."
                                     f" Got element {i} of the sequence with type {type(tensor).__name__}.")
                setattr(self, f"original{i}", Parameter(tensor.detach().clone(), original.requires_grad))
        if not unsafe:
            self._check_consistency(original)

    def _check_consistency(self, original):
        with ember.no_grad():
            value = self()
        if not isinstance(value, ember.Tensor):
            raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
        if value.dtype != original.dtype:
            raise ValueError(f"Registering a parametrization may not change the dtype of the tensor, unless `unsafe` "
                             f"flag is enabled.\nunparametrized dtype: {original.dtype}\nparametrized dtype: "
                             f"{value.dtype}")
        if tuple(value.shape) != tuple(original.shape):
            raise ValueError(f"Registering a parametrization may not change the shape of the tensor, unless `unsafe` "
                             f"flag is enabled.\nunparametrized shape: {tuple(original.shape)}\nparametrized shape: "
                             f"{tuple(value.shape)}")

    def right_inverse(self, value):
        """Sets the original(s) so that the chain returns `value` (each parametrization's right_inverse)."""
        with ember.no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, ember.Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                self.original.copy_(value)
            else:
                if len(value) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of tensors of length {self.ntensors}. "
                                     f"Got a sequence of length {len(value)}")
                for i, tensor in enumerate(value):
                    getattr(self, f"original{i}").copy_(tensor)

    def forward(self):
        modules = list(self)
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x


def _parametrized_property(tensor_name):
    def getter(self):
        chain = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return chain()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = chain()
        return _cache[key]

    def setter(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    return property(getter, setter)


def _inject_new_class(module):
    cls = module.__class__
    parametrized = type(f"Parametrized{cls.__name__}", (cls,), {"_original_class": cls})
    module.__class__ = parametrized


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Makes module.<tensor_name> the output of parametrization(original); a second call on the same name
    appends to the chain."""
    if is_parametrized(module, tensor_name):
        chain = module.parametrizations[tensor_name]
        if not unsafe:
            with ember.no_grad():
                value = parametrization(chain())
            original = getattr(module, tensor_name)
            if not isinstance(value, ember.Tensor) or tuple(value.shape) != tuple(original.shape) or \
                    value.dtype != original.dtype:
                raise ValueError("Registering a parametrization may not change the shape or dtype of the tensor, "
                                 "unless `unsafe` flag is enabled.")
        chain.append(parametrization)
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element with "
                         f"name '{tensor_name}'")
    original = getattr(module, tensor_name)
    chain = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_new_class(module)
        module.parametrizations = ModuleDict()
    setattr(module.__class__, tensor_name, _parametrized_property(tensor_name))
    module.parametrizations[tensor_name] = chain
    return module


def is_parametrized(module, tensor_name=None):
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Puts a plain parameter back: the current parametrized value (leave_parametrized) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    chain = module.parametrizations[tensor_name]
    if chain.is_tensor:
        original = chain.original
        if leave_parametrized:
            with ember.no_grad():
                value = getattr(module, tensor_name)
            with ember.no_grad():
                if tuple(value.shape) == tuple(original.shape) and value.dtype == original.dtype:
                    original.copy_(value)
                else:
                    original = Parameter(value.detach().clone(), original.requires_grad)
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                             "in terms of a sequence of tensors.")
        with ember.no_grad():
            value = getattr(module, tensor_name)
        requires_grad = chain.original0.requires_grad
        original = Parameter(value.detach().clone(), requires_grad)
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__._original_class
    return module


def type_before_parametrizations(module):
    return module.__class__._original_class if is_parametrized(module) else type(module)
