"""ember.autograd: gradients of tensors, and the switches that control graph recording."""
from ember.autograd.grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode  # noqa: F401
from ember import _C


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, _C.Tensor) else tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates d(tensors)/d(leaves) into each leaf's .grad (see Tensor.backward)."""
    _C._backward(_as_tuple(tensors), _as_tuple(grad_tensors), retain_graph, create_graph, _as_tuple(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Returns d(outputs)/d(inputs) as a tuple, without touching any .grad."""
    return tuple(_C._grad(_as_tuple(outputs), _as_tuple(inputs), _as_tuple(grad_outputs),
                          retain_graph, create_graph, allow_unused))
