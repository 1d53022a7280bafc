"""Activation functions (ember.nn.functional). Hot ones are single C++ ops; the rest compose them."""
import ember


def _inplace_result(input, result, inplace):
    """PyTorch's inplace=True flag: write the result back into input and return it."""
    if not inplace:
        return result
    input.copy_(result)
    return input


def relu(input, inplace=False):
    return input.relu_() if inplace else ember.relu(input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _inplace_result(input, ember.where(input > 0, input, input * negative_slope), inplace)


def prelu(input, weight):
    if weight.numel() != 1:
        if input.dim() < 2:
            raise RuntimeError("Not allow zero-dim input tensor.")
        if weight.numel() != input.shape[1]:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter "
                               f"numbers = {weight.numel()} and channel size = {input.shape[1]}.")
        weight = weight.reshape([-1] + [1] * (input.dim() - 2))
    return ember.where(input > 0, input, weight * input)


def elu(input, alpha=1.0, inplace=False):
    return _inplace_result(input, ember.where(input > 0, input, alpha * ember.expm1(input)), inplace)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    return _inplace_result(input, _SELU_SCALE * elu(input, _SELU_ALPHA), inplace)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _inplace_result(input, ember.where(input > 0, input, alpha * ember.expm1(input / alpha)), inplace)


def gelu(input, approximate="none"):
    return ember.gelu(input, approximate=approximate)


def silu(input, inplace=False):
    return _inplace_result(input, ember.silu(input), inplace)


def mish(input, inplace=False):
    return _inplace_result(input, input * ember.tanh(softplus(input)), inplace)


def sigmoid(input):
    return ember.sigmoid(input)


def tanh(input):
    return ember.tanh(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return input.clamp_(min_val, max_val) if inplace else ember.clamp(input, min_val, max_val)


def hardsigmoid(input, inplace=False):
    return _inplace_result(input, ember.clamp(input / 6 + 0.5, 0.0, 1.0), inplace)


def hardswish(input, inplace=False):
    return _inplace_result(input, input * ember.clamp(input / 6 + 0.5, 0.0, 1.0), inplace)


def threshold(input, threshold, value, inplace=False):
    return _inplace_result(input, ember.where(input > threshold, input, ember.full_like(input, value)), inplace)


def softplus(input, beta=1.0, threshold=20.0):
    return ember.softplus(input, beta=beta, threshold=threshold)


def softsign(input):
    return input / (1 + ember.abs(input))


def softshrink(input, lambd=0.5):
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    zero = ember.zeros_like(input)
    return ember.where(input > lambd, input - lambd, ember.where(input < -lambd, input + lambd, zero))


def hardshrink(input, lambd=0.5):
    return ember.where(ember.abs(input) > lambd, input, ember.zeros_like(input))


def tanhshrink(input):
    return input - ember.tanh(input)


def logsigmoid(input):
    return -ember.softplus(-input)


def _softmax_dim(ndim):
    # PyTorch's legacy rule for a missing dim (with a deprecation warning there).
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim(input.dim()) if dim is None else dim
    return ember.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim(input.dim()) if dim is None else dim
    return ember.softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    dim = _softmax_dim(input.dim()) if dim is None else dim
    return ember.log_softmax(input, dim, dtype=dtype)


def glu(input, dim=-1):
    a, b = input.chunk(2, dim)
    return a * ember.sigmoid(b)
