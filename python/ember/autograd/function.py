"""Custom differentiable ops written in Python: subclass Function, define forward and backward
as staticmethods, call Cls.apply(...). The graph node is C++ (PyFunctionNode in
csrc/python/autograd.cpp); it owns `ctx`, and ctx never owns the outputs, so graphs built from
custom Functions are freed by reference counting alone."""
import functools
import warnings

from ember import _C
from ember.autograd.grad_mode import no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

FunctionCtx = _C.FunctionCtx


class Function:
    """Base class of custom autograd ops.

    forward(ctx, *args) computes the outputs (no graph is recorded inside); it may call
    ctx.save_for_backward(*tensors), ctx.mark_dirty(*inputs_it_wrote_in_place) (each must be
    returned; its history moves onto this op), ctx.mark_non_differentiable(*outputs) and
    ctx.set_materialize_grads(False), and set any attribute on ctx. backward(ctx, *grad_outputs)
    returns one gradient (or None) per forward argument. Alternatively forward(*args) takes no ctx
    and setup_context(ctx, inputs, output) fills it.
    """

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions are all "
                      "static, so you should invoke them on the class itself.", DeprecationWarning,
                      stacklevel=2)

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{cls.__name__}.apply() takes positional arguments only")
        return _C._function_apply(cls, args, cls.setup_context is not Function.setup_context)


def once_differentiable(backward):
    """Marks a backward as not differentiable itself: it runs without recording a graph, so
    create_graph=True through it yields gradients that do not require grad."""
    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with no_grad():
            return backward(ctx, *grad_outputs)
    return wrapper
