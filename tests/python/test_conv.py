"""Convolution, pooling, F.pad, F.unfold and F.fold: forward and gradients vs PyTorch over many
configurations (stride/padding/dilation/groups/ceil_mode, unbatched and non-contiguous inputs,
float32/float64), float64 gradcheck of every op (double backward of conv and pooling included),
error paths, and the nn modules (repr, init, forward) when ember.nn is present."""
import math

import numpy as np
import pytest

import ember
from ember.nn.functional import conv as F
from ember.testing import assert_close, gradcheck

from conftest import requires_torch

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover - depends on the machine
    torch = None


def randn(*shape):
    """A float32 tensor of normal samples (the last argument may be a NumPy dtype)."""
    dtype = shape[-1] if shape and not isinstance(shape[-1], int) else np.float32
    shape = shape[:-1] if shape and not isinstance(shape[-1], int) else shape
    return ember.tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype))


def noncontiguous(a):
    """An ember tensor with the values of `a` whose last two dims are a transposed view."""
    t = ember.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)))
    return t.transpose(-1, -2)


def compare_with_torch(ember_fn, torch_fn, arrays, dtype, grad=True, noncontig=False, tol=None):
    """Runs both functions on the same arrays; compares outputs and (if grad) input gradients."""
    arrays = [a.astype(dtype) if a is not None else None for a in arrays]
    ex = [None if a is None else (noncontiguous(a) if noncontig and i == 0 and a.ndim >= 2 else ember.tensor(a))
          for i, a in enumerate(arrays)]
    tx = [None if a is None else torch.tensor(a) for a in arrays]
    if grad:
        for e, t in zip(ex, tx):
            if e is not None:
                e.requires_grad_(True)
                t.requires_grad_(True)
    eo, to = ember_fn(*ex), torch_fn(*tx)
    eo = eo if isinstance(eo, (tuple, list)) else (eo,)
    to = to if isinstance(to, (tuple, list)) else (to,)
    rtol = atol = tol or (1e-4 if dtype == np.float32 else 1e-10)
    for e, t in zip(eo, to):
        assert tuple(e.shape) == tuple(t.shape)
        assert_close(e, t, rtol=rtol, atol=atol)
    if not grad:
        return
    seed = np.random.default_rng(1).standard_normal(tuple(to[0].shape)).astype(dtype)
    (eo[0] * ember.tensor(seed)).sum().backward()
    (to[0] * torch.tensor(seed)).sum().backward()
    for e, t in zip(ex, tx):
        if e is not None:
            assert_close(e.grad, t.grad, rtol=rtol, atol=atol)


# ---- convolution ---------------------------------------------------------------------------------

# input shape, weight shape, bias, kwargs
CONV2D = [
    ((2, 3, 7, 7), (4, 3, 3, 3), True, {}),
    ((2, 3, 7, 6), (4, 3, 3, 2), False, dict(stride=2)),
    ((1, 3, 8, 8), (5, 3, 3, 3), True, dict(stride=(2, 1), padding=(1, 2))),
    ((2, 4, 9, 9), (6, 2, 3, 3), True, dict(groups=2, padding=1)),
    ((2, 4, 9, 9), (4, 1, 3, 3), True, dict(groups=4, dilation=2)),
    ((1, 2, 10, 9), (3, 2, 3, 2), True, dict(dilation=(2, 3), padding=2, stride=(1, 2))),
    ((2, 3, 6, 6), (4, 3, 1, 1), True, {}),
    ((2, 3, 6, 6), (4, 3, 1, 1), False, dict(stride=2)),
    ((2, 3, 6, 6), (4, 3, 1, 1), True, dict(padding=1)),
    ((2, 3, 7, 7), (4, 3, 4, 4), True, dict(padding="same")),
    ((2, 3, 7, 6), (4, 3, 2, 3), True, dict(padding="same", dilation=(1, 2))),
    ((2, 3, 7, 7), (4, 3, 3, 3), True, dict(padding="valid")),
    ((3, 7, 7), (4, 3, 3, 3), True, dict(padding=1)),
    ((0, 3, 5, 5), (4, 3, 3, 3), True, {}),
    ((2, 1, 28, 28), (6, 1, 5, 5), True, {}),
]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("xs,ws,bias,kw", CONV2D)
def test_conv2d_vs_torch(xs, ws, bias, kw, noncontig, dtype, rng):
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0]) if bias else None]
    compare_with_torch(lambda x, w, b: F.conv2d(x, w, b, **kw), lambda x, w, b: TF.conv2d(x, w, b, **kw),
                       arrays, dtype, noncontig=noncontig)


CONV1D = [
    ((2, 3, 9), (4, 3, 3), True, {}),
    ((2, 4, 11), (6, 2, 3), False, dict(stride=2, padding=1, groups=2)),
    ((1, 2, 12), (3, 2, 3), True, dict(dilation=3, padding=(2,))),
    ((2, 3, 8), (4, 3, 4), True, dict(padding="same")),
    ((3, 8), (4, 3, 2), True, dict(padding="valid")),
    ((2, 3, 8), (4, 3, 1), True, {}),
]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("xs,ws,bias,kw", CONV1D)
def test_conv1d_vs_torch(xs, ws, bias, kw, noncontig, dtype, rng):
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0]) if bias else None]
    compare_with_torch(lambda x, w, b: F.conv1d(x, w, b, **kw), lambda x, w, b: TF.conv1d(x, w, b, **kw),
                       arrays, dtype, noncontig=noncontig)


def test_conv2d_against_direct_sum(rng):
    """A torch-free reference: the definition of a strided, padded, dilated, grouped convolution."""
    x = rng.standard_normal((2, 4, 6, 7))
    w = rng.standard_normal((6, 2, 2, 3))
    b = rng.standard_normal(6)
    s, p, d, g = (2, 1), (1, 2), (2, 1), 2
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (6 + 2 * p[0] - d[0] * 1 - 1) // s[0] + 1
    ow = (7 + 2 * p[1] - d[1] * 2 - 1) // s[1] + 1
    ref = np.zeros((2, 6, oh, ow))
    for o in range(6):
        grp = o // 3
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, grp * 2:(grp + 1) * 2, i * s[0]:i * s[0] + d[0] * 2:d[0], j * s[1]:j * s[1] + d[1] * 3:d[1]]
                ref[:, o, i, j] = (patch * w[o]).sum(axis=(1, 2, 3)) + b[o]
    out = F.conv2d(ember.tensor(x), ember.tensor(w), ember.tensor(b), stride=s, padding=p, dilation=d, groups=g)
    assert_close(out, ref)


def test_conv2d_integer_input():
    x = np.arange(2 * 2 * 4 * 4).reshape(2, 2, 4, 4) % 7
    w = np.arange(3 * 2 * 2 * 2).reshape(3, 2, 2, 2) % 5 - 2
    out = F.conv2d(ember.tensor(x), ember.tensor(w))
    ref = F.conv2d(ember.tensor(x.astype(np.float64)), ember.tensor(w.astype(np.float64)))
    assert out.dtype == ember.int64
    np.testing.assert_array_equal(out.numpy(), ref.numpy().astype(np.int64))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(groups=2, dilation=2, padding=2),
                                dict(padding="same")])
def test_conv2d_gradcheck(kw, rng):
    x = ember.tensor(rng.standard_normal((2, 4, 5, 5))).transpose(2, 3).requires_grad_(True)
    w = ember.tensor(rng.standard_normal((2, 4 // kw.get("groups", 1), 2, 2)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b])


def test_conv1d_gradcheck(rng):
    x = ember.tensor(rng.standard_normal((2, 2, 7)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((3, 2, 3)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2), [x, w, b])


@pytest.mark.parametrize("kw", [dict(stride=2, padding=1), dict(groups=2, padding="same")])
def test_conv2d_double_backward_gradcheck(kw, rng):
    """The backward ops are differentiable: gradcheck the gradients themselves (create_graph)."""
    x = ember.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 2 // kw.get("groups", 1), 2, 2)), requires_grad=True)
    g = ember.tensor(rng.standard_normal(tuple(F.conv2d(x, w, **kw).shape)), requires_grad=True)

    def grads(x, w, g):
        with ember.enable_grad():  # gradcheck's finite differences run under no_grad
            out = F.conv2d(x, w, **kw)
            return ember.autograd.grad([out], [x, w], [g], create_graph=True)

    assert gradcheck(grads, [x, w, g])


@requires_torch
def test_conv2d_double_backward_vs_torch(rng):
    xa, wa = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    res = []
    for lib, conv in ((ember, F.conv2d), (torch, TF.conv2d)):
        x = lib.tensor(xa, requires_grad=True)
        w = lib.tensor(wa, requires_grad=True)
        out = conv(x, w, stride=2, padding=1)
        (gx,) = lib.autograd.grad([(out * out).sum()], [x], create_graph=True)
        (gx * gx).sum().backward()
        res.append((x.grad, w.grad))
    assert_close(res[0][0], res[1][0], rtol=1e-9, atol=1e-9)
    assert_close(res[0][1], res[1][1], rtol=1e-9, atol=1e-9)


def test_conv2d_bias_only_grad_skips_other_grads(rng):
    x = ember.tensor(rng.standard_normal((2, 3, 5, 5)))
    w = ember.tensor(rng.standard_normal((4, 3, 3, 3)))
    b = ember.tensor(rng.standard_normal(4), requires_grad=True)
    F.conv2d(x, w, b).sum().backward()
    assert_close(b.grad, np.full(4, 2 * 9.0))
    assert x.grad is None and w.grad is None


CONV_ERRORS = [
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(8, 3, 3, 3)), RuntimeError,
     r"Given groups=1, weight of size \[8, 3, 3, 3\], expected input\[1, 4, 5, 5\] to have 3 channels, "
     r"but got 4 channels instead"),
    (lambda: F.conv2d(randn(4, 5, 5), randn(8, 3, 3, 3)), RuntimeError,
     r"expected input\[1, 4, 5, 5\] to have 3 channels"),
    (lambda: F.conv2d(randn(1, 3, 2, 2), randn(8, 3, 3, 3)), RuntimeError,
     r"Calculated padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\). Kernel size can't be "
     r"greater than actual input size"),
    (lambda: F.conv1d(randn(1, 3, 2), randn(8, 3, 3)), RuntimeError,
     r"Calculated padded input size per channel: \(2\). Kernel size: \(3\)"),
    (lambda: F.conv2d(randn(5, 5), randn(8, 3, 3, 3)), RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[5, 5\]"),
    (lambda: F.conv1d(randn(5), randn(8, 3, 3)), RuntimeError,
     r"Expected 2D \(unbatched\) or 3D \(batched\) input to conv1d"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 2, 3, 3), groups=4), RuntimeError,
     r"Given groups=4, expected weight to be divisible by 4 at dimension 0"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 2, 3, 3), groups=0), RuntimeError,
     "non-positive groups is not supported"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3, 3), stride=0), RuntimeError,
     "non-positive stride is not supported"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3, 3), padding=-1), RuntimeError,
     "negative padding is not supported"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3, 3), dilation=0), RuntimeError,
     r"dilation should be greater than zero"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3, 3), stride=2, padding="same"), RuntimeError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3, 3), padding="foo"), RuntimeError,
     "Invalid padding string: 'foo'"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3, 3), randn(5)), RuntimeError,
     r"expected bias to be 1-dimensional with 6 elements, but got bias of size \[5\]"),
    (lambda: F.conv2d(randn(1, 4, 5, 5, np.float64), randn(6, 4, 3, 3)), RuntimeError,
     "expected scalar type Double but found Float"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3, 3), stride=(1, 1, 1)), RuntimeError,
     r"expected stride to be a single integer value or a list of 2 values to match the convolution "
     r"dimensions, but got stride=\[1, 1, 1\]"),
    (lambda: F.conv2d(randn(1, 4, 5, 5), randn(6, 4, 3)), RuntimeError, r"expected a 4-d weight"),
]


@pytest.mark.parametrize("fn,exc,match", CONV_ERRORS)
def test_conv_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


# ---- pooling -------------------------------------------------------------------------------------

MAX_POOL2D = [
    ((2, 3, 7, 7), dict(kernel_size=2)),
    ((2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 8, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))),
    ((2, 3, 7, 7), dict(kernel_size=2, ceil_mode=True)),
    ((1, 2, 6, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 10, 10), dict(kernel_size=3, stride=3, dilation=2, ceil_mode=True)),
    ((3, 7, 7), dict(kernel_size=2, stride=1)),
    ((0, 3, 4, 4), dict(kernel_size=2)),
]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("xs,kw", MAX_POOL2D)
def test_max_pool2d_vs_torch(xs, kw, noncontig, dtype, rng):
    compare_with_torch(lambda x: F.max_pool2d(x, return_indices=True, **kw),
                       lambda x: TF.max_pool2d(x, return_indices=True, **kw), [rng.standard_normal(xs)], dtype,
                       noncontig=noncontig)


@requires_torch
@pytest.mark.parametrize("xs,kw", [((2, 3, 9), dict(kernel_size=3)), ((2, 3, 9), dict(kernel_size=2, stride=1,
                                   padding=1, dilation=2, ceil_mode=True)), ((3, 8), dict(kernel_size=3, stride=2,
                                   ceil_mode=True))])
def test_max_pool1d_vs_torch(xs, kw, rng):
    compare_with_torch(lambda x: F.max_pool1d(x, return_indices=True, **kw),
                       lambda x: TF.max_pool1d(x, return_indices=True, **kw), [rng.standard_normal(xs)], np.float64)


def test_max_pool2d_nan_and_int():
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]]]])
    out, idx = F.max_pool2d(ember.tensor(x), 2, return_indices=True)
    assert np.isnan(out.item()) and idx.item() == 1
    xi = np.arange(16).reshape(1, 1, 4, 4)[..., ::-1].copy()
    np.testing.assert_array_equal(F.max_pool2d(ember.tensor(xi), 2).numpy(), [[[[7, 5], [15, 13]]]])


AVG_POOL2D = [
    ((2, 3, 7, 7), dict(kernel_size=2)),
    ((2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 7, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((2, 3, 8, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True)),
    ((1, 2, 6, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, divisor_override=4)),
    ((3, 7, 7), dict(kernel_size=2, stride=1)),
]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("xs,kw", AVG_POOL2D)
def test_avg_pool2d_vs_torch(xs, kw, noncontig, dtype, rng):
    compare_with_torch(lambda x: F.avg_pool2d(x, **kw), lambda x: TF.avg_pool2d(x, **kw), [rng.standard_normal(xs)],
                       dtype, noncontig=noncontig)


@requires_torch
@pytest.mark.parametrize("xs,kw", [((2, 3, 9), dict(kernel_size=3)), ((2, 3, 9), dict(kernel_size=4, stride=2,
                                   padding=2, ceil_mode=True, count_include_pad=False)), ((3, 8), dict(kernel_size=2))])
def test_avg_pool1d_vs_torch(xs, kw, rng):
    compare_with_torch(lambda x: F.avg_pool1d(x, **kw), lambda x: TF.avg_pool1d(x, **kw), [rng.standard_normal(xs)],
                       np.float64)


ADAPTIVE2D = [((2, 3, 7, 7), (3, 3)), ((2, 3, 7, 5), (4, 2)), ((2, 3, 7, 5), 1), ((2, 3, 6, 6), (None, 4)),
              ((3, 5, 9), (9, 4)), ((1, 2, 3, 3), (5, 7))]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("xs,size", ADAPTIVE2D)
def test_adaptive_pool2d_vs_torch(xs, size, noncontig, dtype, rng):
    x = [rng.standard_normal(xs)]
    compare_with_torch(lambda x: F.adaptive_avg_pool2d(x, size), lambda x: TF.adaptive_avg_pool2d(x, size), x, dtype,
                       noncontig=noncontig)
    compare_with_torch(lambda x: F.adaptive_max_pool2d(x, size, return_indices=True),
                       lambda x: TF.adaptive_max_pool2d(x, size, return_indices=True), x, dtype, noncontig=noncontig)


@requires_torch
@pytest.mark.parametrize("xs,size", [((2, 3, 9), 4), ((3, 7), (3,)), ((2, 3, 4), 6)])
def test_adaptive_pool1d_vs_torch(xs, size, rng):
    x = [rng.standard_normal(xs)]
    compare_with_torch(lambda x: F.adaptive_avg_pool1d(x, size), lambda x: TF.adaptive_avg_pool1d(x, size), x,
                       np.float64)
    compare_with_torch(lambda x: F.adaptive_max_pool1d(x, size, return_indices=True),
                       lambda x: TF.adaptive_max_pool1d(x, size, return_indices=True), x, np.float64)


POOL_GRADCHECK = [
    ("max_pool2d", lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d_dil", lambda x: F.max_pool2d(x, 2, stride=1, dilation=2)),
    ("max_pool1d", lambda x: F.max_pool1d(x.flatten(2), 3, stride=2)),
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d_div", lambda x: F.avg_pool2d(x, 2, divisor_override=3)),
    ("avg_pool1d", lambda x: F.avg_pool1d(x.flatten(2), 3, stride=2, padding=1)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
    ("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x.flatten(2), 4)),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3))),
    ("adaptive_max_pool1d", lambda x: F.adaptive_max_pool1d(x.flatten(2), 4)),
]


def distinct_input(rng, shape=(2, 2, 5, 5)):
    """Well-separated values, so finite differences never flip a max."""
    vals = rng.permutation(np.prod(shape)).reshape(shape) * 0.1
    return ember.tensor(np.ascontiguousarray(np.swapaxes(vals, 2, 3))).transpose(2, 3).requires_grad_(True)


@pytest.mark.parametrize("name,fn", POOL_GRADCHECK)
def test_pool_gradcheck(name, fn, rng):
    assert gradcheck(fn, [distinct_input(rng)])


@pytest.mark.parametrize("name,fn", POOL_GRADCHECK)
def test_pool_double_backward_gradcheck(name, fn, rng):
    x = distinct_input(rng, (1, 2, 4, 4))
    g = ember.tensor(rng.standard_normal(tuple(fn(x).shape)), requires_grad=True)

    def grad_x(g):
        with ember.enable_grad():  # gradcheck's finite differences run under no_grad
            return ember.autograd.grad([fn(x)], [x], [g], create_graph=True)[0]

    assert gradcheck(grad_x, [g])


POOL_ERRORS = [
    (lambda: F.max_pool2d(randn(1, 4, 5, 5), 3, padding=2), RuntimeError,
     r"pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    (lambda: F.max_pool2d(randn(1, 4, 2, 2), 3), RuntimeError,
     r"Given input size: \(4x2x2\). Calculated output size: \(4x0x0\). Output size is too small"),
    (lambda: F.max_pool2d(randn(4, 5), 3), RuntimeError, r"Expected 3D or 4D \(batch mode\) tensor"),
    (lambda: F.max_pool2d(randn(1, 4, 5, 5), 0), RuntimeError, "stride should not be zero"),
    (lambda: F.max_pool2d(randn(1, 4, 5, 5), 2, dilation=0), RuntimeError,
     "dilation should be greater than zero, but got dilationH: 0 dilationW: 0"),
    (lambda: F.max_pool2d(randn(1, 4, 5, 5), (2, 2, 2)), RuntimeError,
     "max_pool2d: kernel_size must either be a single int, or a tuple of two ints"),
    (lambda: F.avg_pool2d(randn(1, 4, 5, 5), 3, padding=2), RuntimeError,
     r"pad should be at most half of effective kernel size"),
    (lambda: F.avg_pool2d(randn(1, 4, 5, 5), 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda: F.avg_pool2d(ember.tensor(np.ones((1, 1, 4, 4), dtype=np.int64)), 2), TypeError,
     "expected a floating point tensor"),
    (lambda: F.avg_pool1d(randn(1, 4, 2), 3), RuntimeError, r"Output size is too small"),
    (lambda: F.max_pool1d(randn(4), 3), RuntimeError, r"max_pool1d: Expected 2D or 3D"),
    (lambda: F.adaptive_avg_pool2d(randn(4, 5), 3), RuntimeError, r"Expected 3D or 4D"),
    (lambda: F.adaptive_avg_pool2d(randn(1, 4, 5, 5), (3,)), RuntimeError,
     "adaptive_avg_pool2d: output_size must be 2"),
    (lambda: F.adaptive_avg_pool2d(randn(1, 4, 0, 5), (3, 3)), RuntimeError,
     r"Expected input to have non-zero size for non-batch dimensions, but input has sizes \[1, 4, 0, 5\] with "
     r"dimension 2 being empty"),
    (lambda: F.adaptive_avg_pool1d(randn(1, 4, 5), (2, 2)), RuntimeError,
     r"adaptive_avg_pool1d\(\) argument 'output_size' should contain one int \(got 2\)"),
]


@pytest.mark.parametrize("fn,exc,match", POOL_ERRORS)
def test_pool_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


# ---- pad and unfold --------------------------------------------------------------------------------

PADS = [
    ((2, 3), (1, 2), "constant", 0.5),
    ((2, 3, 4), (1, 0, 2, 1), "constant", None),
    ((2, 3, 4), (-1, 1, 0, -1), "constant", 2.0),
    ((2, 3, 4), (1, 2, 3, 0, 1, 1), "constant", None),
    ((1, 2, 5), (2, 3), "reflect", None),
    ((1, 2, 4, 5), (2, 1, 3, 2), "reflect", None),
    ((2, 4, 5), (1, 2, 3, 0), "replicate", None),
    ((1, 2, 4, 5), (2, 4, 1, 3), "replicate", None),
    ((1, 2, 4, 5), (2, 3, 1, 4), "circular", None),
]


@requires_torch
@pytest.mark.parametrize("xs,pad,mode,value", PADS)
def test_pad_vs_torch(xs, pad, mode, value, rng):
    kw = {} if value is None else dict(value=value)
    compare_with_torch(lambda x: F.pad(x, pad, mode=mode, **kw), lambda x: TF.pad(x, pad, mode=mode, **kw),
                       [rng.standard_normal(xs)], np.float64, noncontig=True)


@pytest.mark.parametrize("pad,mode", [((1, -1, 2, 0), "constant"), ((2, 1), "reflect"), ((1, 2, 2, 1), "replicate"),
                                      ((1, 2), "circular")])
def test_pad_gradcheck(pad, mode, rng):
    shape = (1, 2, 3, 4) if len(pad) == 4 else (2, 3, 4)
    x = ember.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda x: F.pad(x, pad, mode=mode), [x])


@pytest.mark.parametrize("fn,exc,match", [
    (lambda: F.pad(randn(2, 3), (1,)), RuntimeError, "Padding length must be divisible by 2"),
    (lambda: F.pad(randn(2, 3), (1, 1, 1, 1, 1, 1)), RuntimeError, "Padding length should be less than"),
    (lambda: F.pad(randn(1, 2, 3), (3, 3), mode="reflect"), RuntimeError,
     r"Padding size should be less than the corresponding input dimension, but got: padding \(3, 3\) at dimension 2"),
    (lambda: F.pad(randn(1, 2, 3), (1, 1), mode="foo"), NotImplementedError, "Unrecognised padding mode foo"),
    (lambda: F.pad(randn(3), (1, 1), mode="reflect"), NotImplementedError,
     "Padding size 2 is not supported for 1D input tensor"),
])
def test_pad_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


UNFOLDS = [
    ((2, 3, 6, 7), dict(kernel_size=2)),
    ((2, 3, 6, 7), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((3, 5, 5), dict(kernel_size=3)),
    ((1, 2, 5, 4), dict(kernel_size=(3, 1), padding=(2, 0), stride=3)),
    ((0, 2, 5, 4), dict(kernel_size=2)),
]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("xs,kw", UNFOLDS)
def test_unfold_vs_torch(xs, kw, noncontig, dtype, rng):
    compare_with_torch(lambda x: F.unfold(x, **kw), lambda x: TF.unfold(x, **kw), [rng.standard_normal(xs)],
                       dtype, noncontig=noncontig)


FOLDS = [  # (input shape, output_size, kwargs): overlapping, strided, padded, dilated, unbatched
    ((2, 12, 9), (4, 4), dict(kernel_size=2)),
    ((2, 6, 12), (5, 6), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((18, 4), 4, dict(kernel_size=3, padding=1, stride=2)),
    ((1, 3, 3), (7, 2), dict(kernel_size=(3, 1), padding=(2, 0), stride=3)),
    ((0, 4, 9), (4, 4), dict(kernel_size=2)),
]


@requires_torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("noncontig", [False, True])
@pytest.mark.parametrize("xs,size,kw", FOLDS)
def test_fold_vs_torch(xs, size, kw, noncontig, dtype, rng):
    compare_with_torch(lambda x: F.fold(x, size, **kw), lambda x: TF.fold(x, size, **kw), [rng.standard_normal(xs)],
                       dtype, noncontig=noncontig)


def test_unfold_against_definition(rng):
    """A torch-free reference: column (c*kh+i)*kw+j, block (by, bx) holds the padded input there."""
    x = rng.standard_normal((2, 3, 5, 6))
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = (2, 3), (2, 1), (1, 2), (2, 3)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (5 + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (6 + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    ref = np.zeros((2, 3 * kh * kw, oh * ow))
    for c in range(3):
        for i in range(kh):
            for j in range(kw):
                for by in range(oh):
                    for bx in range(ow):
                        ref[:, (c * kh + i) * kw + j, by * ow + bx] = xp[:, c, by * sh + i * dh, bx * sw + j * dw]
    out = F.unfold(ember.tensor(x), (kh, kw), dilation=(dh, dw), padding=(ph, pw), stride=(sh, sw))
    assert_close(out, ref, rtol=0, atol=0)


def test_fold_is_adjoint_of_unfold(rng):
    """<unfold(x), c> == <x, fold(c)>: fold sums exactly the entries unfold copied."""
    kw = dict(kernel_size=(3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1))
    x = rng.standard_normal((2, 3, 7, 6))
    cols = F.unfold(ember.tensor(x), **kw)
    c = rng.standard_normal(tuple(cols.shape))
    folded = F.fold(ember.tensor(c), (7, 6), **kw)
    assert math.isclose(float((cols.numpy() * c).sum()), float((x * folded.numpy()).sum()), rel_tol=1e-12)
    # Non-overlapping blocks that cover the plane: fold undoes unfold exactly.
    x = rng.standard_normal((2, 3, 6, 4))
    back = F.fold(F.unfold(ember.tensor(x), 2, stride=2), (6, 4), 2, stride=2)
    np.testing.assert_array_equal(back.numpy(), x)


def test_unfold_fold_integer_and_bool():
    x = np.arange(2 * 2 * 4 * 4).reshape(2, 2, 4, 4)
    out = F.unfold(ember.tensor(x), 2, stride=2)
    assert out.dtype == ember.int64
    np.testing.assert_array_equal(out.numpy(), F.unfold(ember.tensor(x.astype(np.float64)), 2, stride=2).numpy())
    back = F.fold(out, (4, 4), 2, stride=2)
    assert back.dtype == ember.int64
    np.testing.assert_array_equal(back.numpy(), x)
    mask = F.unfold(ember.tensor(x > 20), 2)
    assert mask.dtype == ember.bool
    np.testing.assert_array_equal(mask.numpy(), F.unfold(ember.tensor(x), 2).numpy() > 20)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=2)])
def test_unfold_fold_gradcheck(kw, rng):
    x = ember.tensor(rng.standard_normal((2, 2, 5, 6))).transpose(2, 3).requires_grad_(True)
    assert gradcheck(lambda x: F.unfold(x, **kw), [x])
    cols = F.unfold(ember.tensor(rng.standard_normal((2, 2, 6, 5))), **kw)
    c = ember.tensor(rng.standard_normal(tuple(cols.shape)), requires_grad=True)
    assert gradcheck(lambda c: F.fold(c, (6, 5), **kw), [c])
    u = ember.tensor(rng.standard_normal((3, 5, 4)), requires_grad=True)  # unbatched
    assert gradcheck(lambda u: F.unfold(u, 2, padding=1), [u])
    assert gradcheck(lambda c: F.fold(c, (4, 3), 2), [ember.tensor(rng.standard_normal((8, 6)), requires_grad=True)])


def test_unfold_fold_double_backward_gradcheck(rng):
    """Each op's backward is the other op, so gradients of gradients work (create_graph)."""
    x = ember.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    g = ember.tensor(rng.standard_normal((1, 8, 12)), requires_grad=True)

    def grads(x, g):
        with ember.enable_grad():
            out = F.unfold(x * x, 2)
            return ember.autograd.grad([out], [x], [g], create_graph=True)

    assert gradcheck(grads, [x, g])


FOLD_ERRORS = [
    (lambda: F.unfold(randn(2, 3, 4, 4, 5), 2), RuntimeError,
     r"Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size and other non-zero dimensions for "
     r"input, but got: \[2, 3, 4, 4, 5\]"),
    (lambda: F.unfold(randn(1, 0, 4, 4), 2), RuntimeError, r"other non-zero dimensions for input, but got: \[1, 0"),
    (lambda: F.unfold(randn(1, 3, 4, 6), 5), RuntimeError,
     r"Given input with spatial size \(4, 6\), kernel_size=\(5, 5\), dilation=\(1, 1\), padding=\(0, 0\), "
     r"calculated shape of the array of sliding blocks as \(0, 2\), but its components must be at least one\."),
    (lambda: F.unfold(randn(1, 3, 4, 4), 0), RuntimeError,
     "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0"),
    (lambda: F.unfold(randn(1, 3, 4, 4), 2, stride=(1, 0)), RuntimeError,
     "stride should be greater than zero, but got stride_height: 1 stride_width: 0"),
    (lambda: F.unfold(randn(1, 3, 4, 4), 2, dilation=0), RuntimeError,
     "dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0"),
    (lambda: F.unfold(randn(1, 3, 4, 4), 2, padding=(-1, 0)), RuntimeError,
     "padding should be non-negative, but got pad_height: -1 pad_width: 0"),
    (lambda: F.unfold(randn(1, 3, 4, 4), (2, 2, 2)), RuntimeError,
     "It is expected kernel_size equals to 2, but got size 3"),
    (lambda: F.fold(randn(1, 13, 9), (4, 4), 2), RuntimeError,
     r"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
     r"input.size\(1\)=13 and kernel_size=\(2, 2\)\."),
    (lambda: F.fold(randn(13, 9), (4, 4), 2), RuntimeError,  # unbatched: still counted as batched
     r"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
     r"input.size\(1\)=13 and kernel_size=\(2, 2\)\."),
    (lambda: F.fold(randn(1, 12, 8), (4, 4), 2), RuntimeError,
     r"Given output_size=\(4, 4\), kernel_size=\(2, 2\), dilation=\(1, 1\), padding=\(0, 0\), stride=\(1, 1\), "
     r"expected size of input's dimension 2 to match the calculated number of sliding blocks 3 \* 3 = 9, but got "
     r"input.size\(2\)=8\."),
    (lambda: F.fold(randn(1, 12, 9), (0, 4), 2), RuntimeError,
     r"sliding blocks -1 \* 3 = -3, but got input.size\(2\)=9"),
    (lambda: F.fold(randn(2, 1, 12, 9), (4, 4), 2), RuntimeError,
     r"Expected 2D or 3D \(batch mode\) tensor for input with possibly 0 batch size and non-zero dimensions for "
     r"input, but got: \[2, 1, 12, 9\]"),
    (lambda: F.fold(randn(1, 12, 0), (4, 4), 2), RuntimeError, r"non-zero dimensions for input, but got: \[1, 12, 0\]"),
    (lambda: F.fold(randn(1, 12, 9), (4, 4), 0), RuntimeError, "kernel size should be greater than zero"),
    (lambda: F.fold(randn(1, 12, 9), (4, 4), 2, stride=0), RuntimeError,
     "stride should be greater than zero, but got stride_height: 0 stride_width: 0"),
    (lambda: F.fold(randn(1, 12, 9), (4, 4), 2, dilation=(0, 1)), RuntimeError,
     "dilation should be greater than zero, but got dilation_height: 0 dilation_width: 1"),
    (lambda: F.fold(randn(1, 12, 9), (4, 4), 2, padding=-1), RuntimeError, "padding should be non-negative"),
    (lambda: F.fold(randn(1, 12, 9), (4, 4, 4), 2), RuntimeError,
     "It is expected output_size equals to 2, but got size 3"),
]


@pytest.mark.parametrize("fn,exc,match", FOLD_ERRORS)
def test_fold_unfold_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


@requires_torch
@pytest.mark.parametrize("fn,exc,match", FOLD_ERRORS)
def test_fold_unfold_errors_match_torch(fn, exc, match, monkeypatch):
    """The same calls fail the same way in PyTorch (guards the messages against drift)."""
    monkeypatch.setattr(F, "unfold", TF.unfold)
    monkeypatch.setattr(F, "fold", TF.fold)
    monkeypatch.setitem(globals(), "randn", lambda *s: torch.randn(*s))
    with pytest.raises(exc, match=match):
        fn()


# ---- conv kernels: sample blocks and thread counts ------------------------------------------------


@requires_torch
def test_conv2d_many_sample_blocks_vs_torch(rng):
    """Large images split the batch into several blocks of columns (the weight gradient sums over
    blocks); groups and strides exercise the per-group products inside each block."""
    compare_with_torch(lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=2),
                       lambda x, w, b: TF.conv2d(x, w, b, padding=1, groups=2),
                       [rng.standard_normal((9, 16, 64, 64)), rng.standard_normal((4, 8, 3, 3)),
                        rng.standard_normal(4)], np.float64)


@pytest.mark.parametrize("kw", [dict(padding=2), dict(stride=2, groups=3), dict(kernel=1)])
def test_conv2d_same_bits_for_any_thread_count(kw, rng):
    kw = dict(kw)
    k = kw.pop("kernel", 5)
    x = rng.standard_normal((16, 6, 14, 14)).astype(np.float32)
    w = rng.standard_normal((12, 6 // kw.get("groups", 1), k, k)).astype(np.float32)
    results = []
    old = ember.get_num_threads()
    try:
        for threads in (1, 2, 3):
            ember.set_num_threads(threads)
            xe, we = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
            out = F.conv2d(xe, we, **kw)
            (out * out).sum().backward()
            results.append([out.detach().numpy(), xe.grad.numpy(), we.grad.numpy()])
    finally:
        ember.set_num_threads(old)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


# ---- modules (need ember.nn from the nn branch) --------------------------------------------------------


@pytest.fixture
def nn_modules():
    pytest.importorskip("ember.nn.modules.module")
    from ember.nn.modules import conv, pooling
    return conv, pooling


@requires_torch
def test_module_reprs(nn_modules):
    conv, pooling = nn_modules
    cases = [
        (conv.Conv2d(1, 6, 5), torch.nn.Conv2d(1, 6, 5)),
        (conv.Conv2d(2, 4, (3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False, padding_mode="reflect"),
         torch.nn.Conv2d(2, 4, (3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False, padding_mode="reflect")),
        (conv.Conv1d(2, 4, 3, padding="same"), torch.nn.Conv1d(2, 4, 3, padding="same")),
        (pooling.MaxPool2d(2), torch.nn.MaxPool2d(2)),
        (pooling.MaxPool1d(3, 2), torch.nn.MaxPool1d(3, 2)),
        (pooling.AvgPool2d(2), torch.nn.AvgPool2d(2)),
        (pooling.AvgPool1d(3), torch.nn.AvgPool1d(3)),
        (pooling.AdaptiveAvgPool2d((None, 7)), torch.nn.AdaptiveAvgPool2d((None, 7))),
        (pooling.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3)),
        (pooling.AdaptiveMaxPool2d(3), torch.nn.AdaptiveMaxPool2d(3)),
    ]
    for e, t in cases:
        assert repr(e) == repr(t)


def test_conv_module_init_and_shapes(nn_modules):
    conv, _ = nn_modules
    m = conv.Conv2d(4, 6, (3, 2), groups=2)
    assert tuple(m.weight.shape) == (6, 2, 3, 2) and tuple(m.bias.shape) == (6,)
    bound = 1 / math.sqrt(2 * 3 * 2)
    assert np.abs(m.weight.detach().numpy()).max() <= bound and np.abs(m.bias.detach().numpy()).max() <= bound
    assert np.abs(m.weight.detach().numpy()).max() > bound / 2  # really uniform over the range, not zeros
    assert conv.Conv1d(3, 5, 4, bias=False).bias is None
    assert len(list(m.parameters())) == 2


@pytest.mark.parametrize("args,exc,match", [
    (dict(padding_mode="foo"), ValueError, "padding_mode must be one of"),
    (dict(groups=0), ValueError, "groups must be a positive integer"),
    (dict(groups=4), ValueError, "in_channels must be divisible by groups"),
    (dict(padding="foo"), ValueError, "Invalid padding string 'foo'"),
    (dict(padding="same", stride=2), ValueError, "padding='same' is not supported for strided convolutions"),
])
def test_conv_module_errors(nn_modules, args, exc, match):
    conv, _ = nn_modules
    with pytest.raises(exc, match=match):
        conv.Conv2d(2, 4, 3, **args)


@requires_torch
@pytest.mark.parametrize("kw", [dict(), dict(padding=2, padding_mode="reflect"), dict(padding=1,
                                padding_mode="replicate", stride=2), dict(padding=(1, 2), padding_mode="circular"),
                                dict(padding="same", padding_mode="reflect"), dict(padding="same", dilation=2)])
def test_conv_module_forward_vs_torch(nn_modules, kw, rng):
    conv, _ = nn_modules
    e, t = conv.Conv2d(3, 4, (3, 4), **kw), torch.nn.Conv2d(3, 4, (3, 4), **kw)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(e.weight.detach().numpy()))
        t.bias.copy_(torch.tensor(e.bias.detach().numpy()))
    x = rng.standard_normal((2, 3, 7, 8)).astype(np.float32)
    assert_close(e(ember.tensor(x)), t(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    e1, t1 = conv.Conv1d(3, 4, 3, padding=1, padding_mode="circular"), torch.nn.Conv1d(3, 4, 3, padding=1,
                                                                                         padding_mode="circular")
    with torch.no_grad():
        t1.weight.copy_(torch.tensor(e1.weight.detach().numpy()))
        t1.bias.copy_(torch.tensor(e1.bias.detach().numpy()))
    x1 = rng.standard_normal((2, 3, 6)).astype(np.float32)
    assert_close(e1(ember.tensor(x1)), t1(torch.tensor(x1)), rtol=1e-4, atol=1e-5)


@requires_torch
def test_pool_modules_forward_vs_torch(nn_modules, rng):
    _, pooling = nn_modules
    x = rng.standard_normal((2, 3, 7, 7)).astype(np.float32)
    x1 = x[:, :, 0]
    pairs = [
        (pooling.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True), x),
        (pooling.MaxPool1d(2), torch.nn.MaxPool1d(2), x1),
        (pooling.AvgPool2d(3, 2, 1, count_include_pad=False), torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False), x),
        (pooling.AvgPool1d(3, 2), torch.nn.AvgPool1d(3, 2), x1),
        (pooling.AdaptiveAvgPool2d((2, None)), torch.nn.AdaptiveAvgPool2d((2, None)), x),
        (pooling.AdaptiveAvgPool1d(3), torch.nn.AdaptiveAvgPool1d(3), x1),
        (pooling.AdaptiveMaxPool2d(3), torch.nn.AdaptiveMaxPool2d(3), x),
        (pooling.AdaptiveMaxPool1d(4), torch.nn.AdaptiveMaxPool1d(4), x1),
    ]
    for e, t, a in pairs:
        assert_close(e(ember.tensor(a)), t(torch.tensor(a)))
    out, idx = pooling.MaxPool2d(2, return_indices=True)(ember.tensor(x))
    tout, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x))
    assert_close(idx, tidx)


@requires_torch
def test_fold_unfold_modules_vs_torch(rng):
    e_mods = [ember.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), ember.nn.Fold((5, 6), 2, padding=1)]
    t_mods = [torch.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), torch.nn.Fold((5, 6), 2, padding=1)]
    inputs = [rng.standard_normal((2, 3, 5, 7)), rng.standard_normal((2, 12, 42))]
    for e, t, x in zip(e_mods, t_mods, inputs):
        assert repr(e) == repr(t)
        assert_close(e(ember.tensor(x)), t(torch.tensor(x)), rtol=1e-12, atol=1e-12)
    assert repr(ember.nn.Fold(4, 2)) == repr(torch.nn.Fold(4, 2))
    assert list(ember.nn.Unfold(2).parameters()) == []
