"""More layers in functional form (ember.nn.functional): rms_norm, local_response_norm, embedding_bag,
rrelu, dropout3d, feature_alpha_dropout, gumbel_softmax, cosine_similarity, and the in-place activations
(relu_, elu_, ...)."""
import warnings

import ember
from ember import _C
from ember.nn.functional import activation as _act
from ember.nn.functional.conv import pad
from ember.nn.functional.layers import _alpha_dropout_noise, _feature_dropout, _scale_grad_by_freq, embedding

__all__ = ["celu_", "cosine_similarity", "dropout3d", "elu_", "embedding_bag", "feature_alpha_dropout", "gumbel_softmax",
           "hardtanh_", "leaky_relu_", "local_response_norm", "relu_", "rms_norm", "rrelu", "rrelu_", "selu_",
           "threshold_"]


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims: one fused C++ op each
    way. eps=None is the dtype's machine epsilon, as in PyTorch."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return _C.rms_norm(input, tuple(normalized_shape), weight, eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over a window of `size` channels) ** beta; the window is centred
    (size // 2 before, (size - 1) // 2 after) and zero-padded at the ends."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    sq = (input * input).movedim(1, -1)
    padded = pad(sq, (size // 2, (size - 1) // 2))
    # A window sum is `size` shifted slices added: size is small, each slice a whole-tensor op.
    window = padded[..., 0:channels]
    for shift in range(1, size):
        window = window + padded[..., shift:shift + channels]
    div = (window.movedim(-1, 1) * (alpha / size) + k) ** beta
    return input / div


def _check_rrelu_bounds(lower, upper):
    if lower > upper:
        raise ValueError(f"Lower bound should be less than or equal to the upper bound (got lower={lower}, "
                         f"upper={upper})")


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training, and is
    (lower + upper) / 2 in evaluation."""
    _check_rrelu_bounds(lower, upper)
    if training:
        slope = ember.empty_like(input).uniform_(lower, upper)
    else:
        slope = (lower + upper) / 2
    return _act._inplace_result(input, ember.where(input > 0, input, input * slope), inplace)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)


def relu_(input):
    return input.relu_()


def elu_(input, alpha=1.0):
    return _act.elu(input, alpha, inplace=True)


def celu_(input, alpha=1.0):
    return _act.celu(input, alpha, inplace=True)


def selu_(input):
    return _act.selu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return _act.leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _act.hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    return _act.threshold(input, threshold, value, inplace=True)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole (D, H, W) volumes per (sample, channel); a 4-D input is one unbatched sample."""
    if input.dim() not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.dim()}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release.", stacklevel=2)
    if input.dim() == 4:
        out = _feature_dropout(input.unsqueeze(0), p, training, inplace, 3)
        return input if inplace else out.squeeze(0)
    return _feature_dropout(input, p, training, inplace, 3)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout with one draw per (sample, channel), broadcast over the remaining dims."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    noise_shape = list(input.shape[:2]) + [1] * (input.dim() - 2)
    return _alpha_dropout_noise(input, p, inplace, noise_shape)


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + Gumbel noise) / tau); hard=True returns the one-hot argmax in the forward pass
    with the soft sample's gradient (straight-through)."""
    gumbels = -ember.empty_like(logits).exponential_().log()
    y_soft = ember.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = ember.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) over dim, after broadcasting x1 and x2 (PyTorch's
    formula: each normalised first, which stays accurate for large norms)."""
    x1, x2 = ember.broadcast_tensors(x1, x2)
    n1 = ember.clamp(ember.norm(x1, 2, dim, keepdim=True), min=eps)
    n2 = ember.clamp(ember.norm(x2, 2, dim, keepdim=True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


_BAG_MODES = ("sum", "mean", "max")


def _bag_layout(input, offsets, include_last_offset):
    """(flat indices, bag id of each index, number of bags, starts of bags) for 1-D input + offsets or
    2-D input (one bag per row)."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch "
                             "of fixed length sequences. However, found offsets of type "
                             f"{type(offsets).__name__}")
        bags, length = input.shape
        offsets = ember.arange(bags, dtype=ember.int64) * length
        return input.reshape(-1), ember.arange(bags).repeat_interleave(length), bags, offsets
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    if offsets.is_floating_point():
        raise RuntimeError(f"embedding_bag: expected offsets to be an integer tensor, got {offsets.dtype}")
    offsets = offsets.long()
    n = input.shape[0]
    if offsets.numel() and int(offsets[0].item()) != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                           f"from position 0. However, got {int(offsets[0].item())}")
    if offsets.numel() and int(offsets[-1].item()) > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n}, but got "
                           f"{int(offsets[-1].item())}")
    starts = offsets[:-1] if include_last_offset else offsets
    ends = ember.cat([starts[1:], ember.tensor([n if not include_last_offset else int(offsets[-1].item())])]) \
        if starts.numel() else starts
    counts = ends - starts
    if starts.numel() and bool((counts < 0).any()):
        raise RuntimeError("embedding_bag: offsets must be non-decreasing")
    bag_of = ember.arange(starts.numel()).repeat_interleave(counts)
    used = int(counts.sum().item()) if starts.numel() else 0
    return input[:used], bag_of, starts.numel(), starts


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, averages or takes the max of the embedding rows of each bag; an empty bag gives zeros and
    indices equal to padding_idx are left out of their bag."""
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.is_floating_point():
        raise RuntimeError(f"embedding_bag: expected indices to be an integer tensor, got {input.dtype}")
    if mode not in _BAG_MODES:
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      "on the Pytorch GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not "
                             f"None, then it must have the same shape as the input ({tuple(input.shape)})")
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise AssertionError("padding_idx must be within the number of embeddings")
        padding_idx %= weight.shape[0]
    flat, bag_of, bags, starts = _bag_layout(input, offsets, include_last_offset)
    if flat.numel() and (int(flat.min().item()) < 0 or int(flat.max().item()) >= weight.shape[0]):
        raise IndexError(f"embedding_bag: index out of range in self (indices must be in [0, {weight.shape[0]}))")
    if scale_grad_by_freq and mode == "max":
        raise RuntimeError("max mode does not support scaling the gradient by the frequency")
    rows = embedding(flat, weight, max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq)
    keep = None if padding_idx is None else (flat != padding_idx)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[:flat.numel()].unsqueeze(-1)
    dim = weight.shape[1]
    if mode == "max":
        return _bag_max(rows, flat, bag_of, bags, starts, keep, dim)
    if keep is not None:
        rows = rows * keep.unsqueeze(-1).to(rows.dtype)
    out = ember.zeros((bags, dim), dtype=weight.dtype).index_add(0, bag_of, rows)
    if mode == "mean":
        ones = ember.ones(flat.shape, dtype=weight.dtype) if keep is None else keep.to(weight.dtype)
        counts = ember.zeros(bags, dtype=weight.dtype).index_add(0, bag_of, ones)
        out = out / ember.clamp(counts, min=1).unsqueeze(-1)
    return out


def _bag_max(rows, flat, bag_of, bags, starts, keep, dim):
    """Per-bag max: the rows laid out densely as (bags, longest bag, dim), empty slots -inf."""
    position = ember.arange(flat.numel()) - starts[bag_of] if flat.numel() else bag_of
    longest = int(position.max().item()) + 1 if flat.numel() else 1
    slot = bag_of * longest + position
    dense = ember.zeros((bags * longest, dim), dtype=rows.dtype).index_add(0, slot, rows)
    filled = ember.zeros(bags * longest, dtype=ember.bool)
    filled[slot] = True if keep is None else keep
    dense = ember.where(filled.unsqueeze(-1), dense, ember.full_like(dense, float("-inf")))
    out = dense.reshape(bags, longest, dim).amax(1)
    empty = filled.reshape(bags, longest).any(1).logical_not().unsqueeze(-1)
    return ember.where(empty, ember.zeros_like(out), out)
