"""ember.autograd: gradients of tensors, custom differentiable ops, and the switches that control
graph recording."""
from ember.autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode  # noqa: F401
from ember.autograd.function import Function, FunctionCtx, once_differentiable  # noqa: F401
from ember.autograd.variable import Variable  # noqa: F401
from ember import _C
from ember.autograd import functional  # noqa: F401
from ember.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: F401
from ember.autograd.gradcheck import gradcheck, gradgradcheck, GradcheckError  # noqa: F401


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, _C.Tensor) else tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates d(tensors)/d(leaves) into each leaf's .grad (see Tensor.backward)."""
    _C._backward(_as_tuple(tensors), _as_tuple(grad_tensors), retain_graph, create_graph, _as_tuple(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """Returns d(outputs)/d(inputs) as a tuple, without touching any .grad. An input the outputs
    do not depend on is an error, unless allow_unused (its gradient is None) or materialize_grads
    (zeros)."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    inputs = _as_tuple(inputs)
    result = _C._grad(_as_tuple(outputs), inputs, _as_tuple(grad_outputs), retain_graph, create_graph,
                      bool(allow_unused or materialize_grads))
    if materialize_grads:
        result = tuple(_C.zeros(tuple(x.shape), dtype=x.dtype) if g is None else g
                       for g, x in zip(result, inputs))
    return result
