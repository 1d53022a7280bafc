"""F.interpolate (every mode, size or scale_factor, align_corners, recompute_scale_factor), the
Upsample modules, pixel/channel shuffles, F.grid_sample and F.affine_grid: values vs PyTorch to
1e-6 (float32) / 1e-12 (float64), input (and grid) gradients vs PyTorch, float64 gradchecks
(double backward of interpolate included) and PyTorch's errors."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.testing import assert_close, gradcheck

from conftest import requires_torch

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

TOL = {"float32": 1e-6, "float64": 1e-12}


def _both(x, requires_grad=True):
    e, t = ember.tensor(x), torch.tensor(x)
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def _check(ours_fn, theirs_fn, arrays, dtype, grad=True, scale=1):
    """Outputs and the gradients of every input under the same random upstream gradient."""
    pairs = [_both(a, grad) for a in arrays]
    out, ref = ours_fn(*[p[0] for p in pairs]), theirs_fn(*[p[1] for p in pairs])
    assert tuple(out.shape) == tuple(ref.shape) and out.dtype == getattr(ember, dtype)
    tol = TOL[dtype] * scale
    assert_close(out, ref, rtol=tol, atol=tol)
    if not grad:
        return
    seed = np.random.default_rng(1).standard_normal(tuple(ref.shape)).astype(dtype)
    (out * ember.tensor(seed)).sum().backward()
    (ref * torch.tensor(seed)).sum().backward()
    for e, t in pairs:
        assert_close(e.grad, t.grad, rtol=tol * 10, atol=tol * 10)


MODES = [("nearest", 3), ("nearest", 4), ("nearest", 5), ("nearest-exact", 3), ("nearest-exact", 4),
         ("nearest-exact", 5), ("linear", 3), ("bilinear", 4), ("trilinear", 5), ("bicubic", 4), ("area", 3),
         ("area", 4), ("area", 5)]
SIZES = [dict(size=7), dict(size=3), dict(scale_factor=1.7), dict(scale_factor=0.6),
         dict(scale_factor=2.5, recompute_scale_factor=True), dict(scale_factor=2)]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("how", SIZES)
@pytest.mark.parametrize("mode,rank", MODES)
def test_interpolate_vs_torch(mode, rank, how, dtype, rng):
    x = rng.standard_normal((2, 3, 5, 4, 6)[:rank]).astype(dtype)
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for align_corners in corners:
        # float32 bicubic: PyTorch's kernel rounds in another order; the 4x4 negative-weight sums
        # differ by a few ulps of the intermediate rows (up to ~2e-6 absolute).
        scale = 5 if mode == "bicubic" and dtype == "float32" else 1
        _check(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **how),
               lambda x: TF.interpolate(x, mode=mode, align_corners=align_corners, **how), [x], dtype, scale=scale)


@requires_torch
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_per_dim_sizes_and_scales(mode, rng):
    x = rng.standard_normal((2, 3, 5, 7))
    for how in (dict(size=(9, 4)), dict(scale_factor=(1.5, 0.75)), dict(scale_factor=(3, 1.25))):
        _check(lambda x: F.interpolate(x, mode=mode, **how), lambda x: TF.interpolate(x, mode=mode, **how), [x],
               "float64")


@requires_torch
def test_interpolate_noncontiguous_and_zero_batch(rng):
    x = rng.standard_normal((2, 3, 6, 5))
    ex = ember.tensor(np.ascontiguousarray(np.swapaxes(x, -1, -2))).transpose(-1, -2)
    for mode in ("nearest", "bilinear", "bicubic"):
        assert_close(F.interpolate(ex, size=(4, 9), mode=mode),
                     TF.interpolate(torch.tensor(x), size=(4, 9), mode=mode), rtol=1e-12, atol=1e-12)
    assert tuple(F.interpolate(ember.zeros((0, 3, 4, 4)), scale_factor=2, mode="bilinear").shape) == (0, 3, 8, 8)


@pytest.mark.parametrize("mode,rank", [("nearest", 4), ("nearest-exact", 3), ("linear", 3), ("bilinear", 4),
                                       ("trilinear", 5), ("bicubic", 4), ("area", 4)])
def test_interpolate_gradcheck(mode, rank, rng):
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4, 3)[:rank])).transpose(1, 2).requires_grad_(True)
    kw = {} if mode in ("nearest", "nearest-exact", "area") else {"align_corners": False}
    assert gradcheck(lambda x: F.interpolate(x, size=(5, 3, 4)[:rank - 2], mode=mode, **kw), [x])


def test_interpolate_double_backward_gradcheck(rng):
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    g = ember.tensor(rng.standard_normal((1, 2, 5, 7)), requires_grad=True)

    def grads(x, g):
        with ember.enable_grad():
            out = F.interpolate(x, size=(5, 7), mode="bicubic", align_corners=True)
            return ember.autograd.grad([out * out], [x], [g], create_graph=True)[0]

    assert gradcheck(grads, [x, g])


@requires_torch
def test_upsample_modules_and_deprecated_functions(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    pairs = [(nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(3, 7), mode="bilinear"), torch.nn.Upsample(size=(3, 7), mode="bilinear")),
             (nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True),
              torch.nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True)),
             (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
             (nn.UpsamplingBilinear2d(size=(6, 9)), torch.nn.UpsamplingBilinear2d(size=(6, 9)))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        _check(ours, theirs, [x], "float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kw in [("upsample", dict(scale_factor=2, mode="bilinear")), ("upsample_nearest", dict(size=7)),
                         ("upsample_bilinear", dict(scale_factor=2))]:
            _check(lambda x: getattr(F, name)(x, **kw), lambda x: getattr(TF, name)(x, **kw), [x], "float64")


def test_interpolate_errors():
    x = ember.zeros((1, 2, 4, 4))
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor should be defined"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(ValueError, match="Input and output must have the same number of spatial dimensions"):
        F.interpolate(x, size=(2, 2, 2))
    with pytest.raises(ValueError, match="Input and scale_factor must have the same number of spatial dimensions"):
        F.interpolate(x, scale_factor=(2, 2, 2))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful with an explicit size"):
        F.interpolate(x, size=2, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, size=2, mode="linear")
    with pytest.raises(NotImplementedError, match="Got 4D input, but trilinear mode needs 5D input"):
        F.interpolate(x, size=2, mode="trilinear")
    with pytest.raises(NotImplementedError, match=r"Only 3D, 4D and 5D input Tensors supported \(got 2D\)"):
        F.interpolate(ember.zeros((2, 2)), size=2)
    with pytest.raises(NotImplementedError, match=r"Only 3D, 4D and 5D input Tensors supported \(got 5D\)"):
        F.interpolate(ember.zeros((1, 1, 2, 2, 2)), size=2, mode="bicubic")
    with pytest.raises(RuntimeError, match="Input and output sizes should be greater than 0"):
        F.interpolate(x, size=(0, 3))
    with pytest.raises(NotImplementedError, match="upsample_nearest.* not implemented for"):
        F.interpolate(ember.zeros((1, 2, 4, 4), dtype=ember.int64), size=2)


@requires_torch
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 3), 3), ((2, 1, 4, 1, 1), 1)])
def test_pixel_shuffle_roundtrip_vs_torch(shape, r, rng):
    x = rng.standard_normal(shape)
    _check(lambda x: F.pixel_shuffle(x, r), lambda x: TF.pixel_shuffle(x, r), [x], "float64")
    y = TF.pixel_shuffle(torch.tensor(x), r).numpy()
    _check(lambda y: F.pixel_unshuffle(y, r), lambda y: TF.pixel_unshuffle(y, r), [y], "float64")
    _check(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), [x], "float64")
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))
    assert_close(ember.pixel_shuffle(ember.tensor(x), r), TF.pixel_shuffle(torch.tensor(x), r))
    assert_close(ember.pixel_unshuffle(ember.tensor(y), r), TF.pixel_unshuffle(torch.tensor(y), r))


@requires_torch
def test_channel_shuffle_vs_torch(rng):
    x = rng.standard_normal((2, 6, 3, 2))
    _check(lambda x: F.channel_shuffle(x, 3), lambda x: TF.channel_shuffle(x, 3), [x], "float64")
    _check(nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2), [x], "float64")
    assert repr(nn.ChannelShuffle(2)) == repr(torch.nn.ChannelShuffle(2))
    assert_close(ember.channel_shuffle(ember.tensor(x), 2), torch.channel_shuffle(torch.tensor(x), 2))


SHUFFLE_ERRORS = [
    (lambda: F.pixel_shuffle(ember.zeros((5, 4)), 2), "pixel_shuffle expects input to have at least 3 dimensions"),
    (lambda: F.pixel_shuffle(ember.zeros((1, 5, 4, 4)), 2),
     r"input.size\(-3\)=5 is not divisible by 4"),
    (lambda: F.pixel_shuffle(ember.zeros((1, 4, 4, 4)), 0), "pixel_shuffle expects a positive upscale_factor"),
    (lambda: F.pixel_unshuffle(ember.zeros((1, 4, 5, 4)), 2), r"height .* input.size\(-2\)=5 is not divisible by 2"),
    (lambda: F.pixel_unshuffle(ember.zeros((1, 4, 4, 5)), 2), r"width .* input.size\(-1\)=5 is not divisible by 2"),
    (lambda: F.channel_shuffle(ember.zeros((1, 5, 4, 4)), 2), "Number of channels must be divisible by groups"),
    (lambda: F.channel_shuffle(ember.zeros((1, 4, 4, 4)), 0), "Number of groups to divide channels in must be"),
    (lambda: F.channel_shuffle(ember.zeros((4, 4)), 2), "channel_shuffle expects input with > 2 dims"),
]


@pytest.mark.parametrize("fn,match", SHUFFLE_ERRORS)
def test_shuffle_errors(fn, match):
    with pytest.raises(RuntimeError, match=match):
        fn()


GRID_CASES = [(m, p, a) for m in ("bilinear", "nearest", "bicubic") for p in ("zeros", "border", "reflection")
              for a in (False, True)]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode,padding,align", GRID_CASES)
def test_grid_sample_2d_vs_torch(mode, padding, align, dtype, rng):
    x = rng.standard_normal((2, 3, 5, 6)).astype(dtype)
    grid = rng.uniform(-1.4, 1.4, (2, 4, 7, 2)).astype(dtype)
    tol = TOL[dtype] * (10 if mode == "bicubic" else 1)
    pairs = [_both(x, mode != "nearest" or True), _both(grid, mode != "nearest")]
    out = F.grid_sample(pairs[0][0], pairs[1][0], mode, padding, align)
    ref = TF.grid_sample(pairs[0][1], pairs[1][1], mode, padding, align)
    assert_close(out, ref, rtol=tol, atol=tol)
    seed = np.random.default_rng(1).standard_normal(tuple(ref.shape)).astype(dtype)
    (out * ember.tensor(seed)).sum().backward()
    (ref * torch.tensor(seed)).sum().backward()
    gtol = tol * (100 if dtype == "float32" else 10)
    assert_close(pairs[0][0].grad, pairs[0][1].grad, rtol=gtol, atol=gtol)
    if mode != "nearest":
        assert_close(pairs[1][0].grad, pairs[1][1].grad, rtol=gtol, atol=gtol)


@requires_torch
@pytest.mark.parametrize("mode,padding,align", [c for c in GRID_CASES if c[0] != "bicubic"])
def test_grid_sample_3d_vs_torch(mode, padding, align, rng):
    x = rng.standard_normal((2, 2, 4, 5, 3))
    grid = rng.uniform(-1.3, 1.3, (2, 3, 2, 4, 3))
    _check(lambda x, g: F.grid_sample(x, g, mode, padding, align),
           lambda x, g: TF.grid_sample(x, g, mode, padding, align), [x, grid], "float64",
           grad=True)


@pytest.mark.parametrize("mode,padding,align", [("bilinear", "zeros", False), ("bilinear", "reflection", True),
                                                ("bicubic", "border", False), ("bicubic", "zeros", True)])
def test_grid_sample_gradcheck(mode, padding, align, rng):
    x = ember.tensor(rng.standard_normal((1, 2, 4, 5))).transpose(2, 3).requires_grad_(True)
    # Points kept off the integer lattice and the clip edges, where the interpolation is not smooth.
    grid = ember.tensor(rng.uniform(-0.8, 0.8, (1, 3, 2, 2)), requires_grad=True)
    assert gradcheck(lambda x, g: F.grid_sample(x, g, mode, padding, align), [x, grid])
    x3 = ember.tensor(rng.standard_normal((1, 1, 3, 3, 3)), requires_grad=True)
    grid3 = ember.tensor(rng.uniform(-0.8, 0.8, (1, 2, 2, 1, 3)), requires_grad=True)
    if mode == "bilinear":
        assert gradcheck(lambda x, g: F.grid_sample(x, g, mode, padding, align), [x3, grid3])


@requires_torch
@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_vs_torch(align, rng):
    theta = rng.standard_normal((2, 2, 3))
    _check(lambda t: F.affine_grid(t, (2, 3, 4, 5), align), lambda t: TF.affine_grid(t, (2, 3, 4, 5), align),
           [theta], "float64")
    theta3 = rng.standard_normal((2, 3, 4))
    _check(lambda t: F.affine_grid(t, (2, 3, 4, 1, 6), align), lambda t: TF.affine_grid(t, (2, 3, 4, 1, 6), align),
           [theta3], "float64")
    # The identity transform samples the input back (up to rounding).
    x = rng.standard_normal((2, 3, 4, 5))
    eye = ember.tensor(np.tile(np.eye(2, 3), (2, 1, 1)))
    back = F.grid_sample(ember.tensor(x), F.affine_grid(eye, (2, 3, 4, 5), align), align_corners=align)
    assert_close(back, x, rtol=1e-12, atol=1e-12)


def test_affine_grid_gradcheck(rng):
    theta = ember.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    assert gradcheck(lambda t: F.affine_grid(t, (2, 1, 3, 4), False), [theta])


def test_grid_sample_errors():
    x = ember.zeros((1, 2, 4, 4))
    with pytest.raises(RuntimeError, match="expected grid to have size 2 in last dimension"):
        F.grid_sample(x, ember.zeros((1, 3, 3, 3)), align_corners=False)
    with pytest.raises(RuntimeError, match="expected grid and input to have same batch size"):
        F.grid_sample(x, ember.zeros((2, 3, 3, 2)), align_corners=False)
    with pytest.raises(RuntimeError, match="expected 4D or 5D input and grid with same number of dimensions"):
        F.grid_sample(x, ember.zeros((1, 3, 3, 3, 2)), align_corners=False)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(ember.zeros((1, 2, 4, 4, 4)), ember.zeros((1, 3, 3, 3, 3)), mode="bicubic",
                      align_corners=False)
    with pytest.raises(RuntimeError, match="expected input and grid to have same dtype"):
        F.grid_sample(x, ember.zeros((1, 3, 3, 2), dtype=ember.float64), align_corners=False)
    with pytest.raises(RuntimeError, match="expected input to have non-empty spatial dimensions"):
        F.grid_sample(ember.zeros((1, 2, 0, 4)), ember.zeros((1, 3, 3, 2)), align_corners=False)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'foo'"):
        F.grid_sample(x, ember.zeros((1, 3, 3, 2)), mode="foo")
    with pytest.raises(ValueError, match="expected padding_mode to be 'zeros', 'border', or 'reflection'"):
        F.grid_sample(x, ember.zeros((1, 3, 3, 2)), padding_mode="foo")
    with pytest.raises(ValueError, match="Expected non-zero, positive output size"):
        F.affine_grid(ember.zeros((1, 2, 3)), (1, 1, 0, 4), align_corners=False)
    with pytest.raises(ValueError, match="Expected a batch of 2D affine matrices of shape Nx2x3"):
        F.affine_grid(ember.zeros((1, 3, 3)), (1, 1, 3, 4), align_corners=False)
    with pytest.raises(NotImplementedError, match="affine_grid only supports 4D and 5D sizes"):
        F.affine_grid(ember.zeros((1, 2, 3)), (1, 1, 3), align_corners=False)
    with pytest.raises(ValueError, match="Expected theta to have floating point type"):
        F.affine_grid(ember.zeros((1, 2, 3), dtype=ember.int64), (1, 1, 3, 4), align_corners=False)
