"""Loss functions (ember.nn.functional), with reduction='none'|'mean'|'sum' and the old
size_average/reduce spellings."""
import math
import warnings

import ember
from ember.autograd import Function
from ember.nn.functional.activation import logsigmoid


def legacy_reduction(size_average, reduce, default="mean"):
    """Maps the deprecated size_average/reduce flags to a reduction string, as PyTorch does."""
    if size_average is None and reduce is None:
        return default
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _resolve(size_average, reduce, reduction):
    return legacy_reduction(size_average, reduce) if (size_average is not None or reduce is not None) else reduction


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _check_same_size(input, target, name):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                      f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same_size(input, target, "l1_loss")
    loss = ember.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _check_same_size(input, target, "mse_loss")
    diff = input - target
    loss = diff * diff
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    diff = ember.abs(input - target)
    loss = diff - 0.5 * beta if beta == 0 else ember.where(diff < beta, 0.5 * diff * diff / beta, diff - 0.5 * beta)
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    diff = ember.abs(input - target)
    loss = ember.where(diff < delta, 0.5 * diff * diff, delta * (diff - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    # One fused C++ op (csrc/ops/loss.cpp): gather, weights, ignore_index and reduction in one pass.
    return ember._C._nll_loss_nd(input, target, weight, _resolve(size_average, reduce, reduction), ignore_index)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    # Class indices: one fused C++ op (log-sum-exp, smoothing and reduction per row, fused backward);
    # class probabilities (target shaped like input): log_softmax and a weighted sum, as PyTorch.
    return ember._C._cross_entropy_loss(input, target, weight, _resolve(size_average, reduce, reduction),
                                        ignore_index, label_smoothing)


class _BinaryCrossEntropy(Function):
    """Elementwise -(y log x + (1 - y) log(1 - x)) with each log clamped at -100 so that a saturated
    sigmoid gives a finite loss, and PyTorch's gradients: (x - y) / max(x (1 - x), 1e-12) for x
    (autograd through the clamp would give 0 * inf = nan at x = 0 or 1) and the unclamped
    log(1 - x) - log(x) for y."""

    @staticmethod
    def forward(ctx, input, target):
        ctx.save_for_backward(input, target)
        log_p = ember.clamp(ember.log(input), min=-100)
        log_q = ember.clamp(ember.log(1 - input), min=-100)
        return -(target * log_p + (1 - target) * log_q)

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.saved_tensors
        grad_input = grad_target = None
        if ctx.needs_input_grad[0]:
            grad_input = grad * (input - target) / ember.clamp((1 - input) * input, min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_target = grad * (ember.log(1 - input) - ember.log(input))
        return grad_input, grad_target


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _resolve(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    with ember.no_grad():
        if ((input < 0) | (input > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _resolve(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    # softplus(-x) = -log(sigmoid(x)) is one stable op (linear above its threshold) whose gradient is
    # right everywhere, x = 0 included, unlike log1p(exp(-|x|)) + max(-x, 0) under autograd.
    neg_log_sigmoid = ember.softplus(-input)
    if pos_weight is None:
        loss = (1 - target) * input + neg_log_sigmoid
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * neg_log_sigmoid
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _resolve(size_average, reduce, reduction)
    if log_target:
        loss = ember.exp(target) * (target - input)
    else:
        positive = target > 0
        safe = ember.where(positive, target, ember.ones_like(target))
        loss = ember.where(positive, target * (ember.log(safe) - input), ember.zeros_like(input * target))
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.dim() else 1)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return _reduce(ember.softplus(-target * input), _resolve(size_average, reduce, reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got "
                           f"sizes: input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    loss = ember.clamp(-target * (input1 - input2) + margin, min=0)
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    zero = ember.zeros_like(input)
    margin_part = ember.where(target != 1, ember.clamp(margin - input, min=0), zero)
    self_part = ember.where(target != -1, input, zero)
    return _reduce(margin_part + self_part, _resolve(size_average, reduce, reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    eps = 1e-12
    dim = input1.dim() - 1
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / ember.sqrt(mag1 * mag2)
    zero = ember.zeros_like(cos)
    pos = ember.where(target == 1, 1 - cos, zero)
    neg = ember.where(target == -1, ember.clamp(cos - margin, min=0), zero)
    return _reduce(pos + neg, _resolve(size_average, reduce, reduction))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input if input.dim() > 1 else input.unsqueeze(0)
    y = target.reshape(-1)
    n_classes = x.shape[1]
    target_score = x.gather(1, y.unsqueeze(1))
    margins = ember.clamp(margin - target_score + x, min=0)
    if p == 2:
        margins = margins * margins
    if weight is not None:
        margins = margins * weight[y].unsqueeze(1)
    not_target = ember.ones_like(x).scatter(1, y.unsqueeze(1), 0.0)
    loss = (margins * not_target).sum(1) / n_classes
    if input.dim() <= 1:
        loss = loss.squeeze(0)
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    x = input if input.dim() > 1 else input.unsqueeze(0)
    y = target if target.dim() > 1 else target.unsqueeze(0)
    n, c = x.shape
    # Targets are the leading non-negative entries of each row, up to the first -1.
    valid = ember.cumprod((y >= 0).long(), 1).bool()
    safe = ember.where(valid, y, ember.zeros_like(y))
    is_target = ((safe.unsqueeze(2) == ember.arange(c).reshape(1, 1, c)) & valid.unsqueeze(2)).any(1)
    target_scores = x.gather(1, safe)  # (n, c): score of the j-th target
    hinge = ember.clamp(1 - (target_scores.unsqueeze(2) - x.unsqueeze(1)), min=0)  # (n, j, i)
    mask = valid.unsqueeze(2) & (~is_target).unsqueeze(1)
    loss = (hinge * mask.to(x.dtype)).sum((1, 2)) / c
    if input.dim() <= 1:
        loss = loss.squeeze(0)
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.mean(input.dim() - 1)
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    diff = x1 - x2 + eps
    dim = max(x1.dim(), x2.dim()) - 1
    return ember.norm(diff, p, dim, keepdim=keepdim)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    d_ap = pairwise_distance(anchor, positive, p, eps)
    d_an = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_an = ember.minimum(d_an, pairwise_distance(positive, negative, p, eps))
    loss = ember.clamp(margin + d_ap - d_an, min=0)
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    if log_input:
        loss = ember.exp(input) - target * input
    else:
        loss = input - target * ember.log(input + eps)
    if full:
        safe = ember.where(target > 1, target, ember.ones_like(target))
        stirling = safe * ember.log(safe) - safe + 0.5 * ember.log(2 * math.pi * safe)
        loss = loss + ember.where(target > 1, stirling, ember.zeros_like(stirling))
    return _reduce(loss, _resolve(size_average, reduce, reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    if isinstance(var, (int, float)):
        var = ember.full_like(input, float(var))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)  # one variance per sample
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if (var < 0).any():
        raise ValueError("var has negative entry/entries")
    # Clamp for stability without stopping the gradient, as PyTorch does.
    var = var.clone()
    with ember.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (ember.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with any distance d (pairwise_distance by default)."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.dim() == positive.dim() == negative.dim():
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.dim()}D, positive {positive.dim()}D, and negative "
                           f"{negative.dim()}D inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = ember.minimum(d_neg, distance(positive, negative))
    return _reduce(ember.clamp(margin + d_pos - d_neg, min=0), reduction)


def _length_list(lengths, name):
    if isinstance(lengths, ember.Tensor):
        if lengths.is_floating_point():
            raise RuntimeError(f"ctc_loss: expected {name} to be an integer tensor, got {lengths.dtype}")
        return [int(v) for v in lengths.reshape(-1).tolist()]
    if isinstance(lengths, int):
        return [lengths]
    return [int(v) for v in lengths]


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """Connectionist temporal classification: log_probs (T, N, C) (log_softmax outputs) or unbatched (T, C);
    targets (N, S) padded or the 1-D concatenation of all targets. The alpha recursion and its
    gradient are one C++ kernel each. mean divides each loss by its target length, then averages."""
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.dim() == 1 and not isinstance(target_lengths, (list, tuple)) and \
                (not isinstance(target_lengths, ember.Tensor) or target_lengths.dim() == 0):
            targets = targets.unsqueeze(0)
    in_lengths = _length_list(input_lengths, "input_lengths")
    tg_lengths = _length_list(target_lengths, "target_lengths")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    nll = ember._C._ctc_loss_nll(log_probs, targets, in_lengths, tg_lengths, blank, zero_infinity)
    if reduction == "none":
        return nll.squeeze(0) if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    divisor = ember.tensor([max(v, 1) for v in tg_lengths], dtype=nll.dtype)
    return (nll / divisor).mean()
