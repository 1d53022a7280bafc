"""The fused nll_loss / cross_entropy ops (csrc/ops/loss.cpp): every combination of rank, weight,
ignore_index, label_smoothing and reduction against a NumPy reference and PyTorch, float64
gradcheck on non-contiguous inputs, double backward, the large (threaded, blocked) paths, errors."""
import itertools

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.testing import gradcheck
from conftest import requires_torch

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

C = 5
# input shapes with the classes along dim 1 (dim 0 when unbatched)
SHAPES = {"unbatched": (C,), "2d": (4, C), "3d": (3, C, 2), "4d": (2, C, 3, 2)}
IGNORE = {"none": -100, "in_range": 1, "negative": -1}
REDUCTIONS = ["none", "mean", "sum"]


def _targets(shape, ignore_index, rng):
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, shape[0 if len(shape) == 1 else 1], tshape)
    if ignore_index == -1 and t.size > 1:
        t.reshape(-1)[::3] = -1
    elif ignore_index == -1:
        t = np.array(-1)
    return t


def _log_softmax(x, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def ref_loss(x, target, weight, ignore_index, reduction, smoothing, log_softmax):
    """NumPy reference of PyTorch's nll_loss_nd (log_softmax=False) and class-index cross_entropy."""
    axis = 0 if x.ndim == 1 else 1
    logp = _log_softmax(x, axis) if log_softmax else x
    lp = np.moveaxis(logp, axis, -1).reshape(-1, x.shape[axis])
    t = np.asarray(target).reshape(-1)
    w = np.ones(x.shape[axis]) if weight is None else weight
    kept = t != ignore_index
    safe = np.where(kept, t, 0)
    w_t = w[safe] * kept
    loss = -lp[np.arange(len(t)), safe] * w_t
    if smoothing > 0:
        loss = (1 - smoothing) * loss + smoothing / x.shape[axis] * (-(lp * w).sum(1) * kept)
    if reduction == "none":
        return loss.reshape(np.shape(target))
    if reduction == "sum":
        return loss.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        return loss.sum() / w_t.sum()


def _strided(a):
    """An ember tensor equal to `a` whose memory is not contiguous (every other element of a
    larger buffer along the last dim)."""
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype) if a.ndim else None
    if big is None:
        return ember.tensor(a)
    big[..., ::2] = a
    t = ember.tensor(big)[..., ::2]
    assert not t.is_contiguous()
    return t


CASES = [(op, shape, w, ig, ls, red)
         for op, shape, w, ig, ls, red in itertools.product(
             ["nll_loss", "cross_entropy"], SHAPES, [False, True], IGNORE, [0.0, 0.2], REDUCTIONS)
         if not (op == "nll_loss" and ls)]


def _case(op, shape, use_weight, ignore, smoothing, rng, dtype=np.float64):
    x = rng.standard_normal(SHAPES[shape]).astype(dtype)
    ignore_index = IGNORE[ignore]
    target = _targets(SHAPES[shape], ignore_index, rng)
    weight = (rng.random(C) + 0.5).astype(dtype) if use_weight else None
    kwargs = {"ignore_index": ignore_index}
    if op == "cross_entropy":
        kwargs["label_smoothing"] = smoothing
    return x, target, weight, kwargs


@pytest.mark.parametrize("op,shape,use_weight,ignore,smoothing,reduction", CASES)
def test_forward_vs_numpy(op, shape, use_weight, ignore, smoothing, reduction, rng):
    x, target, weight, kwargs = _case(op, shape, use_weight, ignore, smoothing, rng)
    expected = ref_loss(x, target, weight, kwargs["ignore_index"], reduction, smoothing, op == "cross_entropy")
    w = None if weight is None else ember.tensor(weight)
    for xe in (ember.tensor(x), _strided(x)):
        out = getattr(F, op)(xe, ember.tensor(target), weight=w, reduction=reduction, **kwargs)
        assert tuple(out.shape) == np.shape(expected)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op,shape,use_weight,ignore,smoothing,reduction", CASES)
def test_forward_backward_vs_torch(op, shape, use_weight, ignore, smoothing, reduction, dtype, rng):
    x, target, weight, kwargs = _case(op, shape, use_weight, ignore, smoothing, rng, dtype)
    xe = _strided(x).requires_grad_()
    xt = torch.tensor(x, requires_grad=True)
    ours = getattr(F, op)(xe, ember.tensor(target), weight=None if weight is None else ember.tensor(weight),
                          reduction=reduction, **kwargs)
    theirs = getattr(TF, op)(xt, torch.tensor(target), weight=None if weight is None else torch.tensor(weight),
                             reduction=reduction, **kwargs)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
    assert ours.dtype == getattr(ember, theirs.dtype.__str__().split(".")[1])
    g = rng.standard_normal(np.shape(theirs.detach().numpy())).astype(dtype)
    if np.isnan(theirs.detach().numpy()).any():
        return  # all targets ignored under 'mean': no gradient to compare
    ours.backward(ember.tensor(g))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=tol)


GRAD_CASES = [c for c in CASES if c[1] in ("2d", "4d", "unbatched") and c[3] != "in_range"]


@pytest.mark.parametrize("op,shape,use_weight,ignore,smoothing,reduction", GRAD_CASES)
def test_gradcheck_noncontiguous(op, shape, use_weight, ignore, smoothing, reduction, rng):
    x, target, weight, kwargs = _case(op, shape, use_weight, ignore, smoothing, rng)
    if ignore != "none" and np.all(np.asarray(target) == kwargs["ignore_index"]) and reduction == "mean":
        return
    xe = _strided(x).requires_grad_()
    t = ember.tensor(target)
    w = None if weight is None else ember.tensor(weight)
    assert gradcheck(lambda a: getattr(F, op)(a, t, weight=w, reduction=reduction, **kwargs), [xe])
    # the backward itself, recorded under create_graph, differentiated again
    g = ember.tensor(rng.standard_normal(np.shape(ref_loss(x, target, weight, kwargs["ignore_index"], reduction,
                                                           smoothing, op == "cross_entropy"))))

    def first_grad(a):
        with ember.enable_grad():  # gradcheck evaluates under no_grad
            loss = getattr(F, op)(a, t, weight=w, reduction=reduction, **kwargs)
            return ember.autograd.grad(loss, a, g, create_graph=True)[0] * (a + 1)
    assert gradcheck(first_grad, [xe])


@requires_torch
@pytest.mark.parametrize("shape", ["2d", "4d"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_double_backward_vs_torch(shape, reduction, smoothing, rng):
    x, target, weight, kwargs = _case("cross_entropy", shape, True, "negative", smoothing, rng)
    v = rng.standard_normal(x.shape)
    xe, xt = _strided(x).requires_grad_(), torch.tensor(x, requires_grad=True)
    ours = F.cross_entropy(xe, ember.tensor(target), weight=ember.tensor(weight), reduction=reduction, **kwargs)
    theirs = TF.cross_entropy(xt, torch.tensor(target), weight=torch.tensor(weight), reduction=reduction, **kwargs)
    gout = rng.standard_normal(np.shape(theirs.detach().numpy()))
    (gx,) = ember.autograd.grad(ours, xe, ember.tensor(gout), create_graph=True)
    (gxt,) = torch.autograd.grad(theirs, xt, torch.tensor(gout), create_graph=True)
    np.testing.assert_allclose(gx.detach().numpy(), gxt.detach().numpy(), rtol=1e-12, atol=1e-12)
    (gx * ember.tensor(v)).sum().backward()
    (gxt * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(600, 300), (3, 40, 50, 30), (2, 7, 130)])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_large_inputs_threads_and_blocks(shape, smoothing, rng):
    """Enough rows for parallel_for, and spatial sizes (1500, 130) that span several blocks with a
    partial last one."""
    x = rng.standard_normal(shape) * 3
    target = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    target.reshape(-1)[::7] = -100
    weight = rng.random(shape[1]) + 0.5
    xe = ember.tensor(x, requires_grad=True)
    for reduction in REDUCTIONS:
        out = F.cross_entropy(xe, ember.tensor(target), weight=ember.tensor(weight), reduction=reduction,
                              label_smoothing=smoothing)
        np.testing.assert_allclose(out.detach().numpy(), ref_loss(x, target, weight, -100, reduction, smoothing, True),
                                   rtol=1e-10, atol=1e-12)
    out.backward()
    # sum reduction: d/dx of sum over kept rows, from the closed form
    p = np.exp(_log_softmax(x, 1))
    t = np.moveaxis(np.eye(shape[1])[np.where(target == -100, 0, target)], -1, 1)
    kept = np.expand_dims(target != -100, 1)
    wb = weight.reshape((1, -1) + (1,) * (len(shape) - 2))
    w_t = (t * wb).sum(1, keepdims=True)
    expected = kept * (p * ((1 - smoothing) * w_t + smoothing / shape[1] * weight.sum())
                       - (1 - smoothing) * t * wb - smoothing / shape[1] * wb)
    np.testing.assert_allclose(xe.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_all_ignored_and_empty_mean_is_nan():
    x = ember.zeros(2, 3)
    assert np.isnan(F.cross_entropy(x, ember.tensor([-100, -100]), label_smoothing=0.2).item())
    assert np.isnan(F.cross_entropy(ember.zeros(3), ember.tensor(-100)).item())
    assert np.isnan(F.cross_entropy(ember.zeros(0, 3), ember.zeros(0, dtype=ember.int64)).item())
    assert np.isnan(F.cross_entropy(ember.zeros(0, 3), ember.zeros(0, 3)).item())
    assert F.nll_loss(ember.zeros(0, 3), ember.zeros(0, dtype=ember.int64), reduction="sum").item() == 0
    assert tuple(F.nll_loss(ember.zeros(0, 3), ember.zeros(0, dtype=ember.int64), reduction="none").shape) == (0,)


def test_uint8_targets_and_extreme_logits():
    x = ember.tensor([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    out = F.cross_entropy(x, ember.tensor([0, 2], dtype=ember.uint8), reduction="none")
    np.testing.assert_allclose(out.numpy(), [0.0, np.log(3)], rtol=1e-6)
    out = F.cross_entropy(x, ember.tensor([2, 2]), reduction="none")
    np.testing.assert_allclose(out.numpy(), [2000.0, np.log(3)], rtol=1e-6)


@requires_torch
@pytest.mark.parametrize("shape", [(4, C), (C,), (2, C, 3)])
@pytest.mark.parametrize("use_weight", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_probability_targets_vs_torch(shape, use_weight, smoothing, reduction, rng):
    x = rng.standard_normal(shape)
    p = rng.random(shape)
    w = rng.random(C) + 0.5 if use_weight else None
    xe, pe = _strided(x).requires_grad_(), ember.tensor(p, requires_grad=True)
    xt, pt = torch.tensor(x, requires_grad=True), torch.tensor(p, requires_grad=True)
    ours = F.cross_entropy(xe, pe, weight=None if w is None else ember.tensor(w), reduction=reduction,
                           label_smoothing=smoothing)
    theirs = TF.cross_entropy(xt, pt, weight=None if w is None else torch.tensor(w), reduction=reduction,
                              label_smoothing=smoothing)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-11, atol=1e-12)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
                     [_strided(x).requires_grad_(), ember.tensor(p, requires_grad=True)])


def test_grad_fn_and_module():
    x = ember.randn(3, 4, requires_grad=True)
    assert F.cross_entropy(x, ember.tensor([0, 1, 2])).grad_fn.name() == "CrossEntropyLossBackward0"
    assert F.nll_loss(x, ember.tensor([0, 1, 2])).grad_fn.name() == "NllLossBackward0"
    loss = ember.nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=1)(x, ember.tensor([0, 1, 2]))
    np.testing.assert_allclose(loss.item(), ref_loss(x.detach().numpy().astype(np.float64), np.array([0, 1, 2]),
                                                     None, 1, "mean", 0.1, True), rtol=1e-6)


ERRORS = [
    (lambda: F.nll_loss(ember.zeros(2, 3), ember.tensor([0, 7])), IndexError, r"^Target 7 is out of bounds\.$"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.tensor([-3, 0])), IndexError, r"Target -3 is out of bounds"),
    (lambda: F.cross_entropy(ember.zeros(2, 3, 2), ember.tensor([[0, 1], [3, 0]])), IndexError,
     "Target 3 is out of bounds"),
    (lambda: F.nll_loss(ember.zeros(2, 3), ember.tensor([0, 1], dtype=ember.int32)), RuntimeError,
     "expected target dtype to be Long or Byte, but got Int"),
    (lambda: F.cross_entropy(ember.zeros(2, 3, dtype=ember.int64), ember.tensor([0, 1])), RuntimeError,
     "\"cross_entropy\" not implemented for 'Long'"),
    (lambda: F.nll_loss(ember.tensor(1.0), ember.tensor(0)), ValueError, r"Expected 1 or more dimensions \(got 0\)"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1, 2])), ValueError,
     r"Expected input batch_size \(2\) to match target batch_size \(3\)\."),
    (lambda: F.nll_loss(ember.zeros(2, 3), ember.zeros(2, 2, dtype=ember.int64)), RuntimeError,
     "0D or 1D target tensor expected, multi-target not supported"),
    (lambda: F.nll_loss(ember.zeros(3), ember.tensor([1, 2])), RuntimeError, "size mismatch"),
    (lambda: F.cross_entropy(ember.zeros(2, 3, 4), ember.zeros(2, 3, dtype=ember.int64)), RuntimeError,
     r"Expected target size \[2, 4\], got \[2, 3\]"),
    (lambda: F.nll_loss(ember.zeros(2, 3), ember.tensor([0, 1]), weight=ember.ones(2)), RuntimeError,
     r"weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: \[2\]"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), weight=ember.ones(3, requires_grad=True)),
     RuntimeError, "not differentiable with respect to argument 'weight'"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.zeros(2, 3, dtype=ember.int64)), RuntimeError,
     "Expected floating point type for target with class probabilities, got Long"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.zeros(2, 3), ignore_index=1), RuntimeError,
     "ignore_index is not supported for floating point target"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.zeros(2, 3), weight=ember.ones(2)), RuntimeError,
     "cross_entropy: weight tensor should be defined either for all 3 classes"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), label_smoothing=1.5), ValueError,
     r"label_smoothing must be between 0\.0 and 1\.0\. Got: 1\.5"),
    (lambda: F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), label_smoothing=-0.1), ValueError,
     "label_smoothing must be between 0.0 and 1.0"),
]


@pytest.mark.parametrize("fn,exc,match", ERRORS)
def test_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


def test_weight_without_grad_mode_is_accepted():
    w = ember.ones(3, requires_grad=True)
    with ember.no_grad():
        out = F.cross_entropy(ember.zeros(2, 3), ember.tensor([0, 1]), weight=w)
    np.testing.assert_allclose(out.item(), np.log(3), rtol=1e-6)
