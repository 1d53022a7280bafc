"""Transposed convolutions (1d/2d/3d) and conv3d: values and gradients vs PyTorch over strides,
paddings, output paddings, dilations and groups (float32/float64, unbatched and non-contiguous
inputs), the modules with copied weights (output_size in forward, padding modes of Conv3d),
float64 gradchecks (double backward of conv_transpose2d included) and PyTorch's errors."""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.testing import assert_close, gradcheck

from conftest import requires_torch
from nn_compare import compare, module_pair

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

CONFIGS = [dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=(2, 3), padding=(0, 1),
           output_padding=(1, 2), dilation=(2, 1)), dict(groups=2, stride=2, dilation=2, output_padding=1),
           dict(padding=2, stride=3)]


def _pick(kw, n):
    """kw with tuple parameters cut to n spatial dims (scalars kept)."""
    return {k: (v[:n] if isinstance(v, tuple) else v) for k, v in kw.items()}


def _extend(kw, n):
    return {k: (v + v[-1:] * (n - len(v)) if isinstance(v, tuple) else v) for k, v in kw.items()}


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CONFIGS)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_transpose_vs_torch(n, kw, dtype, rng):
    kw = _pick(kw, n) if n < 3 else _extend(kw, 3)
    groups = kw.get("groups", 1)
    dt = np.float32 if dtype == "float32" else np.float64
    x = rng.standard_normal((2, 4) + (5, 4, 3)[:n]).astype(dt)
    w = rng.standard_normal((4, 6 // groups) + (3, 2, 2)[:n]).astype(dt)
    b = rng.standard_normal(6).astype(dt)
    ours = getattr(F, f"conv_transpose{n}d")
    theirs = getattr(TF, f"conv_transpose{n}d")
    compare(lambda x, w, b: ours(x, w, b, **kw), lambda x, w, b: theirs(x, w, b, **kw), [x, w, b], dtype)


@requires_torch
@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_transpose_unbatched_noncontiguous(n, rng):
    x = rng.standard_normal((4,) + (3, 5, 4)[:n])
    w = rng.standard_normal((4, 3) + (2,) * n)
    ex = ember.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2) if n > 1 else ember.tensor(x)
    out = getattr(F, f"conv_transpose{n}d")(ex, ember.tensor(w), stride=2)
    ref = getattr(TF, f"conv_transpose{n}d")(torch.tensor(x), torch.tensor(w), stride=2)
    assert tuple(out.shape) == tuple(ref.shape)
    assert_close(out, ref, rtol=1e-10, atol=1e-10)


def test_conv_transpose_torch_level_names():
    assert ember.conv_transpose2d is F.conv_transpose2d and ember.conv_transpose1d is F.conv_transpose1d
    assert ember.conv_transpose3d is F.conv_transpose3d and ember.conv3d is F.conv3d


@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_transpose_gradcheck(n, rng):
    x = ember.tensor(rng.standard_normal((2, 4) + (3, 3, 2)[:n])).transpose(0, 1).contiguous().transpose(0, 1)
    x.requires_grad_(True)
    w = ember.tensor(rng.standard_normal((4, 1) + (2,) * n), requires_grad=True)
    b = ember.tensor(rng.standard_normal(2), requires_grad=True)
    fn = getattr(F, f"conv_transpose{n}d")
    assert gradcheck(lambda x, w, b: fn(x, w, b, stride=2, padding=1, output_padding=1, groups=2), [x, w, b])


def test_conv_transpose2d_double_backward_gradcheck(rng):
    x = ember.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 2, 2, 2)), requires_grad=True)
    g = ember.tensor(rng.standard_normal((1, 2, 7, 7)), requires_grad=True)

    def grads(x, w, g):
        with ember.enable_grad():
            out = F.conv_transpose2d(x, w, stride=2, padding=0, output_padding=1)
            return ember.autograd.grad([out], [x, w], [g], create_graph=True)

    assert gradcheck(grads, [x, w, g])


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(stride=(2, 1, 3), padding=(0, 1, 2),
                                dilation=(2, 1, 2)), dict(groups=2), dict(padding="same", dilation=(1, 2, 1)),
                                dict(padding="valid")])
def test_conv3d_vs_torch(kw, dtype, rng):
    dt = np.float32 if dtype == "float32" else np.float64
    x = rng.standard_normal((2, 4, 5, 6, 7)).astype(dt)
    w = rng.standard_normal((6, 4 // kw.get("groups", 1), 3, 2, 3)).astype(dt)
    b = rng.standard_normal(6).astype(dt)
    compare(lambda x, w, b: F.conv3d(x, w, b, **kw), lambda x, w, b: TF.conv3d(x, w, b, **kw), [x, w, b], dtype)


def test_conv3d_gradcheck(rng):
    x = ember.tensor(rng.standard_normal((1, 2, 4, 3, 3))).transpose(3, 4).requires_grad_(True)
    w = ember.tensor(rng.standard_normal((2, 2, 2, 2, 2)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 1), padding=1, dilation=(1, 2, 1)), [x, w, b])
    assert gradcheck(lambda x, w, b: F.conv3d(x, w, b, padding="same"), [x, w, b])


@requires_torch
@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv3d_module_padding_modes(mode, rng):
    ours, theirs = module_pair(nn.Conv3d, torch.nn.Conv3d, 2, 3, (3, 2, 3), padding=(1, 1, 2), padding_mode=mode,
                               dtype="float64")
    x = rng.standard_normal((2, 2, 4, 5, 6))
    compare(ours, theirs, [x], "float64", ours_module=ours, theirs_module=theirs)
    assert repr(ours) == repr(theirs)


@requires_torch
@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_transpose_modules(n, rng):
    cls = f"ConvTranspose{n}d"
    ours, theirs = module_pair(getattr(nn, cls), getattr(torch.nn, cls), 4, 6, 3, stride=2, padding=1,
                               output_padding=1, groups=2, dtype="float64")
    assert repr(ours) == repr(theirs)
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape)
    x = rng.standard_normal((2, 4) + (3, 4, 2)[:n])
    compare(ours, theirs, [x], "float64", ours_module=ours, theirs_module=theirs)
    # output_size picks the output padding (with or without the batch and channel dims).
    size = [2 * s for s in x.shape[2:]]
    compare(lambda x: ours(x, output_size=size), lambda x: theirs(x, output_size=size), [x], "float64")
    compare(lambda x: ours(x[0], output_size=[6] + size), lambda x: theirs(x[0], output_size=[6] + size), [x],
            "float64")


@requires_torch
def test_conv_transpose_module_default_init_matches_torch_bounds():
    m = nn.ConvTranspose2d(4, 6, 3, groups=2)
    fan_in = 3 * 3 * 3  # weight (4, 3, 3, 3): dim 1 times the kernel, as in PyTorch
    bound = 1 / np.sqrt(fan_in)
    assert abs(m.weight.detach().numpy()).max() <= bound + 1e-7
    assert abs(m.bias.detach().numpy()).max() <= bound + 1e-7


def test_conv_transpose_module_errors():
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        nn.ConvTranspose2d(4, 3, 3, padding_mode="reflect")
    m = nn.ConvTranspose2d(4, 3, 3, stride=2)
    x = ember.zeros((1, 4, 5, 5))
    with pytest.raises(ValueError, match=r"requested an output size of \[20, 20\], but valid sizes range from "
                                         r"\[11, 11\] to \[12, 12\]"):
        m(x, output_size=(20, 20))
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        m(x, output_size=(11,))


ERRORS = [
    (lambda: F.conv_transpose2d(ember.zeros((1, 4, 5, 5)), ember.zeros((4, 3, 3, 3)), stride=2, output_padding=2),
     "output padding must be smaller than either stride or dilation"),
    (lambda: F.conv_transpose2d(ember.zeros((1, 5, 5, 5)), ember.zeros((4, 3, 3, 3))),
     r"Given transposed=1, weight of size \[4, 3, 3, 3\], expected input\[1, 5, 5, 5\] to have 4 channels"),
    (lambda: F.conv_transpose2d(ember.zeros((5, 5)), ember.zeros((4, 3, 3, 3))),
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv_transpose2d"),
    (lambda: F.conv_transpose2d(ember.zeros((1, 4, 5, 5)), ember.zeros((4, 3, 3, 3)), ember.zeros(4)),
     "expected bias to be 1-dimensional with 3 elements"),
    (lambda: F.conv_transpose2d(ember.zeros((1, 4, 5, 5)), ember.zeros((4, 3, 3, 3)), groups=3),
     "expected weight to be divisible by 3 at dimension 0"),
    (lambda: F.conv_transpose2d(ember.zeros((1, 4, 1, 1)), ember.zeros((4, 3, 3, 3)), padding=3),
     r"Calculated output size per channel: \(-3 x -3\). Output size is too small"),
    (lambda: F.conv_transpose2d(ember.zeros((1, 4, 5, 5)), ember.zeros((4, 3, 3, 3)), stride=0),
     "non-positive stride is not supported"),
    (lambda: F.conv_transpose2d(ember.zeros((1, 4, 5, 5)), ember.zeros((4, 3, 3, 3)), padding=-1),
     "negative padding is not supported"),
    (lambda: F.conv_transpose2d(ember.zeros((1, 4, 5, 5)), ember.zeros((4, 3, 3, 3), dtype=ember.float64)),
     "expected scalar type Float but found Double"),
    (lambda: F.conv_transpose1d(ember.zeros((4, 5)), ember.zeros((4, 3, 3)), output_padding=(1, 1)),
     "expected output_padding to be a single integer value or a list of 1 values"),
    (lambda: F.conv_transpose3d(ember.zeros((1, 4, 2, 2, 2)), ember.zeros((4, 3, 3, 3, 3)), output_padding=1),
     "output padding must be smaller than either stride or dilation"),
    (lambda: F.conv_transpose3d(ember.zeros((1, 5, 2, 2, 2)), ember.zeros((4, 3, 3, 3, 3))),
     "expected input.* to have 4 channels, but got 5 channels instead"),
    (lambda: F.conv3d(ember.zeros((2, 4, 4)), ember.zeros((3, 2, 2, 2, 2))),
     r"Expected 4D \(unbatched\) or 5D \(batched\) input to conv3d, but got input of size: \[2, 4, 4\]"),
    (lambda: F.conv3d(ember.zeros((1, 2, 4, 4, 4)), ember.zeros((3, 2, 5, 2, 2))),
     r"Calculated padded input size per channel: \(4 x 4 x 4\). Kernel size: \(5 x 2 x 2\). Kernel size can't be "
     "greater than actual input size"),
    (lambda: F.conv3d(ember.zeros((1, 2, 4, 4, 4)), ember.zeros((3, 3, 2, 2, 2))),
     r"expected input\[1, 2, 4, 4, 4\] to have 3 channels, but got 2 channels instead"),
    (lambda: F.conv3d(ember.zeros((1, 2, 4, 4, 4)), ember.zeros((3, 2, 2, 2, 2)), stride=2, padding="same"),
     "padding='same' is not supported for strided convolutions"),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


def test_zero_batch():
    out = F.conv_transpose2d(ember.zeros((0, 4, 3, 3)), ember.zeros((4, 2, 2, 2)), stride=2)
    assert tuple(out.shape) == (0, 2, 6, 6)
    out = F.conv3d(ember.zeros((0, 2, 3, 3, 3)), ember.zeros((4, 2, 2, 2, 2)))
    assert tuple(out.shape) == (0, 4, 2, 2, 2)
