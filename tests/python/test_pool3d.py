"""3-d max/average/adaptive pooling, max unpooling and LP pooling: values, indices and gradients
vs PyTorch (ceil_mode, dilation, padding, count_include_pad, divisor_override, unbatched and
non-contiguous inputs), the modules, float64 gradchecks (double backward included) and errors."""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.testing import assert_close, gradcheck

from conftest import requires_torch
from nn_compare import compare

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

WINDOWS = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
           dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), ceil_mode=True),
           dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)]


def _noncontiguous(a):
    return ember.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", WINDOWS + [dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), dilation=(2, 1, 2))])
def test_max_pool3d_vs_torch(kw, dtype, rng):
    x = rng.standard_normal((2, 3, 6, 7, 8)).astype(dtype)
    compare(lambda x: F.max_pool3d(x, return_indices=True, **kw), lambda x: TF.max_pool3d(x, return_indices=True, **kw),
            [x], dtype)
    out, idx = F.max_pool3d(_noncontiguous(x[0]), return_indices=True, **kw)  # unbatched, transposed
    ref, ref_idx = TF.max_pool3d(torch.tensor(x[0]), return_indices=True, **kw)
    assert_close(out, ref)
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    assert idx.dtype == ember.int64


@requires_torch
def test_max_pool3d_ties_and_nan_pick_like_torch():
    x = np.zeros((1, 1, 4, 4, 4))
    x[0, 0, 1, 2, 3] = np.nan
    x[0, 0, 3, 3, 3] = np.nan
    out, idx = F.max_pool3d(ember.tensor(x), 2, return_indices=True)
    ref, ref_idx = TF.max_pool3d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), ref_idx.numpy())
    np.testing.assert_array_equal(np.isnan(out.numpy()), np.isnan(ref.numpy()))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", WINDOWS)
@pytest.mark.parametrize("cip", [True, False])
@pytest.mark.parametrize("divisor", [None, 5])
def test_avg_pool3d_vs_torch(kw, cip, divisor, dtype, rng):
    x = rng.standard_normal((2, 3, 6, 7, 8)).astype(dtype)
    compare(lambda x: F.avg_pool3d(x, count_include_pad=cip, divisor_override=divisor, **kw),
            lambda x: TF.avg_pool3d(x, count_include_pad=cip, divisor_override=divisor, **kw), [x], dtype)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("size", [2, (3, None, 5), (4, 5, 3), (1, 1, 1), (6, 7, 8)])
def test_adaptive_pool3d_vs_torch(size, dtype, rng):
    x = rng.standard_normal((2, 3, 6, 7, 8)).astype(dtype)
    compare(lambda x: F.adaptive_avg_pool3d(x, size), lambda x: TF.adaptive_avg_pool3d(x, size), [x], dtype)
    compare(lambda x: F.adaptive_max_pool3d(x, size, return_indices=True),
            lambda x: TF.adaptive_max_pool3d(x, size, return_indices=True), [x], dtype)
    compare(lambda x: F.adaptive_avg_pool3d(x[0], size), lambda x: TF.adaptive_avg_pool3d(x[0], size), [x], dtype)


def test_torch_level_pool3d_names(rng):
    x = ember.tensor(rng.standard_normal((1, 2, 4, 4, 4)))
    assert_close(ember.max_pool3d(x, 2), F.max_pool3d(x, 2))
    assert_close(ember.avg_pool3d(x, 2), F.avg_pool3d(x, 2))
    assert_close(ember.adaptive_avg_pool3d(x, 2), F.adaptive_avg_pool3d(x, 2))
    out, idx = ember.adaptive_max_pool3d(x, 2)
    assert idx.dtype == ember.int64


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool3d(x, 2, stride=1, padding=1),
    lambda x: F.avg_pool3d(x, 2, stride=1, padding=1, count_include_pad=False),
    lambda x: F.avg_pool3d(x, (2, 1, 2), divisor_override=3, ceil_mode=True),
    lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)),
    lambda x: F.adaptive_max_pool3d(x, (2, 3, 2)),
    lambda x: F.lp_pool3d(x.abs() + 0.5, 2, 2, stride=1),
])
def test_pool3d_gradcheck(fn, rng):
    # Distinct values keep the max's argmax stable under the finite differences.
    x = ember.tensor(rng.permutation(60).reshape(1, 1, 3, 4, 5) * 0.1 + rng.random((1, 1, 3, 4, 5)) * 0.01)
    x = x.transpose(3, 4).requires_grad_(True)
    assert gradcheck(fn, [x])


def test_avg_pool3d_double_backward_gradcheck(rng):
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4, 4)), requires_grad=True)
    g = ember.tensor(rng.standard_normal((1, 2, 2, 3, 3)), requires_grad=True)

    def grads(x, g):
        with ember.enable_grad():
            out = F.avg_pool3d(x, 2, stride=1)
            return ember.autograd.grad([out * out], [x], [g], create_graph=True)[0]

    assert gradcheck(grads, [x, g])


@requires_torch
@pytest.mark.parametrize("n", [1, 2, 3])
def test_max_unpool_vs_torch(n, rng):
    shape = (2, 3) + (8, 6, 4)[:n]
    x = rng.standard_normal(shape)
    pool = getattr(TF, f"max_pool{n}d")
    out, idx = pool(torch.tensor(x), 2, stride=2, return_indices=True)
    unpool, ref_unpool = getattr(F, f"max_unpool{n}d"), getattr(TF, f"max_unpool{n}d")
    compare(lambda v: unpool(v, ember.tensor(idx.numpy()), 2), lambda v: ref_unpool(v, idx, 2),
            [out.detach().numpy()], "float64")
    size = [s + 1 for s in shape[2:]]
    compare(lambda v: unpool(v, ember.tensor(idx.numpy()), 2, output_size=size),
            lambda v: ref_unpool(v, idx, 2, output_size=size), [out.detach().numpy()], "float64")
    module = getattr(nn, f"MaxUnpool{n}d")(2)
    assert repr(module) == repr(getattr(torch.nn, f"MaxUnpool{n}d")(2))
    assert_close(module(ember.tensor(out.detach().numpy()[0]), ember.tensor(idx.numpy()[0])),
                 ref_unpool(out[0], idx[0], 2))


def test_max_unpool_roundtrip_and_gradcheck(rng):
    x = ember.tensor(rng.random((1, 2, 4, 4)) + 0.1)  # positive: the zeros never win the max again
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    back = F.max_unpool2d(out, idx, 2)
    assert_close(F.max_pool2d(back, 2), out)
    v = out.detach().requires_grad_(True)
    assert gradcheck(lambda v: F.max_unpool2d(v, idx, 2), [v])


@requires_torch
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("p", [1.0, 2, 3.5])
def test_lp_pool_vs_torch(n, p, rng):
    x = rng.random((2, 3) + (6, 5, 4)[:n]) + 0.1
    kernel = (3, 2, 2)[:n] if n > 1 else 3
    for kw in (dict(), dict(stride=1), dict(ceil_mode=True, stride=2)):
        compare(lambda x: getattr(F, f"lp_pool{n}d")(x, p, kernel, **kw),
                lambda x: getattr(TF, f"lp_pool{n}d")(x, p, kernel, **kw), [x], "float64")
    ours, theirs = getattr(nn, f"LPPool{n}d")(p, kernel), getattr(torch.nn, f"LPPool{n}d")(p, kernel)
    assert repr(ours) == repr(theirs)
    compare(ours, theirs, [x], "float64")


@requires_torch
def test_pool3d_modules(rng):
    x = rng.standard_normal((2, 3, 6, 6, 6))
    pairs = [(nn.MaxPool3d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool3d(3, 2, 1, ceil_mode=True)),
             (nn.MaxPool3d(2, return_indices=True), torch.nn.MaxPool3d(2, return_indices=True)),
             (nn.AvgPool3d(2, 1, 1, count_include_pad=False), torch.nn.AvgPool3d(2, 1, 1, count_include_pad=False)),
             (nn.AdaptiveAvgPool3d((2, None, 3)), torch.nn.AdaptiveAvgPool3d((2, None, 3))),
             (nn.AdaptiveMaxPool3d(2, return_indices=True), torch.nn.AdaptiveMaxPool3d(2, return_indices=True))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        compare(ours, theirs, [x], "float64")


ERRORS = [
    (lambda: F.max_pool3d(ember.zeros((4, 4)), 2), "non-empty 4D or 5D"),
    (lambda: F.max_pool3d(ember.zeros((1, 2, 4, 4, 4)), 5),
     r"Given input size: \(2x4x4x4\). Calculated output size: \(2x0x0x0\). Output size is too small"),
    (lambda: F.max_pool3d(ember.zeros((1, 2, 4, 4, 4)), 2, padding=2), "pad should be at most half"),
    (lambda: F.max_pool3d(ember.zeros((1, 2, 4, 4, 4)), 2, stride=0), "stride should be greater than zero"),
    (lambda: F.max_pool3d(ember.zeros((1, 2, 4, 4, 4)), (2, 2)), "kernel_size must either be a single int"),
    (lambda: F.avg_pool3d(ember.zeros((4, 4)), 2), "non-empty 4D or 5D"),
    (lambda: F.avg_pool3d(ember.zeros((1, 2, 4, 4, 4)), 2, divisor_override=0), "divisor must be not zero"),
    (lambda: F.avg_pool3d(ember.zeros((1, 1, 1, 4, 4)), 2), "Output size is too small"),
    (lambda: F.adaptive_avg_pool3d(ember.zeros((4, 4)), 2), r"adaptive_avg_pool3d\(\): Expected 4D or 5D tensor"),
    (lambda: F.adaptive_max_pool3d(ember.zeros((4, 4)), 2), r"adaptive_max_pool3d\(\): Expected 4D or 5D tensor"),
    (lambda: F.adaptive_avg_pool3d(ember.zeros((1, 2, 4, 4, 4)), (2, 2)), "output_size must be 3"),
    (lambda: F.adaptive_avg_pool3d(ember.zeros((1, 2, 4, 4, 4)), (2, -2, 2)),
     "elements of output_size must be greater than or equal to 0"),
    (lambda: F.max_unpool2d(ember.zeros((1, 1, 2, 2)), ember.tensor([[[[0, 1], [2, 100]]]]), 2),
     r"Found an invalid max index: 100 \(output volumes are of size 4x4\)"),
    (lambda: F.max_unpool2d(ember.zeros((1, 1, 2, 2)), ember.zeros((1, 1, 2, 2)), 2),
     "elements in indices should be type int64"),
    (lambda: F.max_unpool2d(ember.zeros((2, 2)), ember.zeros((2, 2), dtype=ember.int64), 2),
     "Expected 3D or 4D"),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


def test_unpool_output_size_errors():
    x, idx = ember.zeros((1, 1, 2, 2)), ember.zeros((1, 1, 2, 2), dtype=ember.int64)
    with pytest.raises(ValueError, match=r'invalid output_size "\(9, 9\)" \(dim 0 must be between 2 and 6\)'):
        F.max_unpool2d(x, idx, 2, output_size=(9, 9))
    with pytest.raises(ValueError, match="output_size should be a sequence containing 2 or 4 elements"):
        F.max_unpool2d(x, idx, 2, output_size=(9, 9, 9))


def test_zero_batch():
    assert tuple(F.max_pool3d(ember.zeros((0, 2, 4, 4, 4)), 2).shape) == (0, 2, 2, 2, 2)
    assert tuple(F.avg_pool3d(ember.zeros((0, 2, 4, 4, 4)), 2).shape) == (0, 2, 2, 2, 2)
