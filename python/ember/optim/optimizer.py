"""The Optimizer base class: parameter groups, per-parameter state, state_dict round trips.

Behaves as torch.optim.Optimizer in PyTorch 2.x. Subclasses implement `step`; the update of each
parameter runs as one fused C++ kernel (ember._C._<name>_step), never as a chain of tensor ops.
"""
import functools
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import ember
from ember.utils.hooks import RemovableHandle

__all__ = ["Optimizer", "register_optimizer_step_post_hook", "register_optimizer_step_pre_hook", "required"]

_global_step_pre_hooks = {}
_global_step_post_hooks = {}


def register_optimizer_step_pre_hook(hook):
    """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before every optimizer's step."""
    handle = RemovableHandle(_global_step_pre_hooks)
    _global_step_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """hook(optimizer, args, kwargs), after every optimizer's step."""
    handle = RemovableHandle(_global_step_post_hooks)
    _global_step_post_hooks[handle.id] = hook
    return handle


class _RequiredParameter:
    """Marks a hyperparameter that every parameter group must give (torch.optim.optimizer.required)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, ember.Tensor):
        return "ember.Tensor"
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _check_non_negative(**hyperparameters):
    """The constructors' argument checks, in PyTorch's words: "Invalid learning rate: -1"."""
    for name, value in hyperparameters.items():
        if not 0.0 <= value:
            what = {"lr": "learning rate", "eps": "epsilon value"}.get(name, f"{name} value")
            raise ValueError(f"Invalid {what}: {value}")


def _check_betas(betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def _implementation_options(**options):
    """PyTorch's options that choose how a step runs (foreach, fused, capturable, differentiable).
    ember runs every step as one fused C++ kernel per parameter whatever they say, so they are kept
    in the groups (state_dict and repr match PyTorch's) and validated as PyTorch validates them;
    _params_with_grad refuses the two that would change what a step means."""
    if options.get("fused") and options.get("foreach"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if options.get("fused") and options.get("differentiable"):
        raise RuntimeError("`fused` does not support `differentiable`")
    return options


def _scalar_dtype():
    """The dtype of step counters and other 0-d state: float64 under a float64 default, else float32."""
    return ember.float64 if ember.get_default_dtype() == ember.float64 else ember.float32


def _step_counter():
    return ember.zeros((), dtype=_scalar_dtype())


def _no_grad_step(step):
    """Runs an optimizer's step without recording autograd history; the closure still records."""

    @functools.wraps(step)
    def wrapper(self, closure=None):
        with ember.no_grad():
            return step(self, closure)

    return wrapper


def _evaluate(closure):
    if closure is None:
        return None
    with ember.enable_grad():
        return closure()


def _add_hook(hooks, hook, prepend=False):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks_in_order = dict(hooks)
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(hooks_in_order)
    return handle


def _patch_step(cls):
    """Wraps cls.step (once per class) to run the global and per-optimizer step hooks around it, as
    PyTorch does, so that user-defined optimizers get them too. Hooks see args with self first."""
    step = cls.step
    if getattr(step, "_runs_hooks", False):
        return

    @functools.wraps(step)
    def step_with_hooks(*args, **kwargs):
        self = args[0]
        for hook in chain(_global_step_pre_hooks.values(), self._step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        for hook in chain(self._step_post_hooks.values(), _global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    step_with_hooks._runs_hooks = True
    cls.step = step_with_hooks


class Optimizer:
    """Base class of all optimizers.

    params: an iterable of tensors, or of dicts each holding "params" and per-group options.
    defaults: the options of groups that do not give them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._step_pre_hooks, self._step_post_hooks = {}, {}
        self._state_dict_pre_hooks, self._state_dict_post_hooks = {}, {}
        self._load_state_dict_pre_hooks, self._load_state_dict_post_hooks = {}, {}
        _patch_step(type(self))
        if isinstance(params, ember.Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                "but got " + _typename(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        for hooks in ("_step_pre_hooks", "_step_post_hooks", "_state_dict_pre_hooks", "_state_dict_post_hooks",
                      "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks"):
            state.setdefault(hooks, {})
        self.__dict__.update(state)
        _patch_step(type(self))

    # ---- hooks, as in torch.optim.Optimizer ------------------------------------------------------

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before each step."""
        return _add_hook(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs), after each step."""
        return _add_hook(self._step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer), before state_dict() builds the dict."""
        return _add_hook(self._state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) -> None or a new state_dict, on state_dict()'s result."""
        return _add_hook(self._state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) -> None or the state_dict to load instead."""
        return _add_hook(self._load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer), after load_state_dict() has loaded."""
        return _add_hook(self._load_state_dict_post_hooks, hook, prepend)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def add_param_group(self, param_group):
        """Adds a group of parameters with its own options (e.g. when unfreezing layers)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, ember.Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering "
                "of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)

        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are missing"
                )
            param_group["param_names"] = names

        for param in params:
            if not isinstance(param, ember.Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + _typename(param)
                )
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    f"parameter group didn't specify a value of required optimization parameter {name}"
                )
            param_group.setdefault(name, default)

        seen = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this "
                "will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Resets the gradients: to None (the default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    grad = p.grad
                    if grad.grad_fn is not None:
                        grad.detach_()
                    else:
                        grad.requires_grad_(False)
                    grad.zero_()

    def step(self, closure=None):
        """Performs one optimization step; returns closure()'s loss when a closure is given."""
        raise NotImplementedError

    def state_dict(self):
        """The optimizer's state: {"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}.

        Parameters are referred to by their position across the groups; state tensors are held by
        reference, as in PyTorch (copy them, or save them, to keep a snapshot).
        """
        for hook in self._state_dict_pre_hooks.values():
            hook(self)
        index = {}
        packed_groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {
            (index[id(k)] if isinstance(k, ember.Tensor) else k): v for k, v in self.state.items()
        }
        state_dict = {"state": packed_state, "param_groups": packed_groups}
        for hook in self._state_dict_post_hooks.values():
            state_dict = hook(self, state_dict) or state_dict
        return state_dict

    def load_state_dict(self, state_dict):
        """Loads a state_dict() of an optimizer over parameters of the same group sizes.

        State tensors are copied (cast to each floating parameter's dtype and device; the "step"
        counter keeps its own dtype), so the loaded optimizer shares no buffers with the source.
        """
        state_dict = state_dict.copy()
        for hook in self._load_state_dict_pre_hooks.values():
            state_dict = hook(self, state_dict) or state_dict
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of "
                "optimizer's group"
            )
        id_map = dict(
            zip(chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in groups))
        )

        def cast(param, value, key=None):
            if isinstance(value, ember.Tensor):
                if key != "step" and param.is_floating_point():
                    value = value._to_dtype(param.dtype, False)
                return value._to_device(param.device, False).clone()
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return deepcopy(value)

        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                state[id_map[k]] = cast(id_map[k], v)
            else:
                state[k] = v
        param_groups = []
        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            param_groups.append(saved)
        self.__dict__.update({"state": state, "param_groups": param_groups})
        for hook in self._load_state_dict_post_hooks.values():
            hook(self)

    def _params_with_grad(self, group):
        """The group's parameters that have a gradient (the others are skipped, as in PyTorch)."""
        if group.get("capturable"):
            # PyTorch's CPU build refuses it the same way: capturing is for CUDA graphs.
            raise AssertionError("If capturable=True, params and state_steps must be on supported devices: "
                                 "['cuda'].")
        for p in group["params"]:
            if p.grad is None:
                continue
            if group.get("differentiable") and p.requires_grad:
                # The fused kernels update p in place outside autograd; PyTorch's differentiable step
                # on a leaf that requires grad fails with this same error.
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation."
                                   if p.is_leaf else "differentiable=True: ember's optimizer steps are not "
                                   "recorded by autograd")
            yield p
