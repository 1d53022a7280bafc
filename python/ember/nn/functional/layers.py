"""Linear maps, dropout, embeddings and normalisation (ember.nn.functional)."""
import warnings

import ember
from ember import _C
from ember.autograd import Function


def linear(input, weight, bias=None):
    """input @ weight.T + bias as one fused C++ op."""
    return _C.linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1 @ W_k @ x2 + b_k for weight of shape (out, in1, in2)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {tuple(input1.shape[:-1])} "
                           f"and {tuple(input2.shape[:-1])}")
    out = ember.einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


def dropout(input, p=0.5, training=True, inplace=False):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        mask = ember.zeros_like(input)
    else:
        mask = ember.empty_like(input).bernoulli_(1 - p) / (1 - p)
    return input.mul_(mask) if inplace else input * mask


def _feature_dropout(input, p, training, inplace, feature_dims):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    # One draw per (sample, channel), broadcast over the spatial dims.
    shape = list(input.shape[: input.dim() - feature_dims]) + [1] * feature_dims
    mask = ember.zeros(shape, dtype=input.dtype) if p == 1.0 else \
        ember.empty(shape, dtype=input.dtype).bernoulli_(1 - p) / (1 - p)
    return input.mul_(mask) if inplace else input * mask


def dropout1d(input, p=0.5, training=True, inplace=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, "
                           "a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    if input.dim() not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.dim()}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release.", stacklevel=2)
    if input.dim() == 3:  # PyTorch reads (N, C, L) here: channel-wise 1D dropout
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L).", stacklevel=2)
        return _feature_dropout(input, p, training, inplace, 1)
    return _feature_dropout(input, p, training, inplace, 2)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    return _alpha_dropout_noise(input, p, inplace, list(input.shape))


def _alpha_dropout_noise(input, p, inplace, noise_shape):
    """alpha_dropout with keep/drop draws of noise_shape (the input's, or (N, C, 1, ...) per feature)."""
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    alpha_p = -1.7580993408473766  # -selu_scale * selu_alpha
    keep = ember.empty(noise_shape, dtype=input.dtype).bernoulli_(1 - p)
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    out = (input * keep + alpha_p * (1 - keep)) * a + b
    return input.copy_(out) if inplace else out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    if input.is_floating_point():
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.dtype} instead (while checking arguments for embedding)")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    if max_norm is not None:
        with ember.no_grad():
            rows = weight[input.reshape(-1)]
            norms = ember.norm(rows, norm_type, 1, keepdim=True)
            scale = ember.where(norms > max_norm, max_norm / (norms + 1e-7), ember.ones_like(norms))
            weight[input.reshape(-1)] = rows * scale
    rows = weight[input]
    if scale_grad_by_freq:
        rows = _scale_grad_by_freq(rows, input, weight.shape[0])
    if padding_idx is None:
        return rows
    # The padding row is returned as is but never receives a gradient.
    is_pad = (input == padding_idx).unsqueeze(-1)
    return ember.where(is_pad, rows.detach(), rows)


class _GradScale(Function):
    """Identity forward; the backward multiplies the gradient by a fixed factor."""

    @staticmethod
    def forward(ctx, input, factor):
        ctx.factor = factor
        return input.clone()

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


def _scale_grad_by_freq(rows, indices, num_embeddings):
    """rows (..., D) looked up at indices: each row's gradient divided by how often its index occurs in
    indices (PyTorch's scale_grad_by_freq), so a frequent word does not dominate the update."""
    flat = indices.reshape(-1)
    counts = ember.zeros(num_embeddings, dtype=rows.dtype).index_add(0, flat, ember.ones(flat.shape, dtype=rows.dtype))
    factor = (1.0 / counts[flat]).reshape(tuple(indices.shape) + (1,))
    return _GradScale.apply(rows, factor)


def one_hot(tensor, num_classes=-1):
    if tensor.dtype != ember.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    if tensor.numel() and (tensor.min().item() < 0 or tensor.max().item() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if tensor.min().item() >= 0
                           else "Class values must be non-negative.")
    return (tensor.unsqueeze(-1) == ember.arange(num_classes)).long()


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalises over the last len(normalized_shape) dims: one fused C++ op each way."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return _C.layer_norm(input, tuple(normalized_shape), weight, bias, eps)


def _verify_batch_size(size):
    count = size[0]
    for s in size[2:]:
        count *= s
    if count == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def _verify_spatial_size(size):
    count = 1
    for s in size[2:]:
        count *= s
    if count == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Per-channel normalisation of an (N, C, *) input: one fused C++ op each way; in training the
    running statistics are updated in place by the same kernel."""
    if input.dim() < 2:
        raise ValueError(f"expected 2D or more input (got {input.dim()}D input)")
    if training:
        _verify_batch_size(input.shape)
    return _C.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Layer-norm statistics per (sample, group of channels), then a per-channel affine (C++)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    _verify_batch_size([input.shape[0] * input.shape[1] // num_groups, num_groups] + list(input.shape[2:]))
    return _C.group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """batch_norm of each (sample, channel) plane (C++); running stats move by the batch average."""
    if use_input_stats:
        _verify_spatial_size(input.shape)
    return _C.instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    norm = ember.norm(input, p, dim, keepdim=True)
    return input / ember.clamp(norm, min=eps)
