"""Fused normalisation ops (layer_norm, batch_norm, group_norm, instance_norm and their native_*
forms): forward vs NumPy and PyTorch on contiguous and strided inputs of several ranks, gradients
and double backward vs PyTorch, float64 gradcheck, running statistics, modules and error paths."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from ember.testing import assert_close, gradcheck
from conftest import requires_torch

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

TOL = {"float32": {"rtol": 2e-5, "atol": 2e-5}, "float64": {"rtol": 1e-10, "atol": 1e-10}}


def make(rng, shape, layout, dtype):
    """An ember tensor of `shape` that is contiguous, transposed (last two dims) or sliced (every
    other element of the last dim); returns it with the equal NumPy array."""
    if layout == "transposed" and len(shape) >= 2:
        a = rng.standard_normal(shape[:-2] + (shape[-1], shape[-2])).astype(dtype) * 2 + 0.5
        return ember.tensor(a).transpose(-1, -2), np.swapaxes(a, -1, -2)
    if layout == "sliced":
        a = rng.standard_normal(shape[:-1] + (2 * shape[-1],)).astype(dtype) * 2 + 0.5
        return ember.tensor(a)[..., ::2], a[..., ::2]
    a = rng.standard_normal(shape).astype(dtype) * 2 + 0.5
    return ember.tensor(a), a


def np_layer_norm(x, ns, w, b, eps):
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    y = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


def np_batch_norm(x, w, b, eps, mean=None, var=None):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean = x.mean(axes) if mean is None else mean
    var = x.var(axes) if var is None else var
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return y * (1 if w is None else w.reshape(shape)) + (0 if b is None else b.reshape(shape))


def params(rng, shape, affine, dtype):
    """(weight, bias) NumPy arrays or None, as `affine` ("none", "weight", "bias", "both") says."""
    w = rng.standard_normal(shape).astype(dtype) if affine in ("weight", "both") else None
    b = rng.standard_normal(shape).astype(dtype) if affine in ("bias", "both") else None
    return w, b


def et(a, grad=False):
    return None if a is None else ember.tensor(a, requires_grad=grad)


def tt(a, grad=False):
    return None if a is None else torch.tensor(a, requires_grad=grad)


# (input shape, normalized_shape)
LAYER_NORM_SHAPES = [((5,), (5,)), ((3, 7), (7,)), ((4, 3, 6), (6,)), ((2, 3, 4), (3, 4)),
                     ((2, 2, 3, 5), (5,)), ((2, 3, 2, 4), (3, 2, 4)), ((64, 300), (300,)),
                     ((128, 600), (600,))]  # large enough for the threads to split it
LAYOUTS = ["contiguous", "transposed", "sliced"]
AFFINE = ["none", "weight", "bias", "both"]
DTYPES = ["float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,ns", LAYER_NORM_SHAPES, ids=[str(s[0]) for s in LAYER_NORM_SHAPES])
def test_layer_norm_forward_vs_numpy(shape, ns, layout, dtype, rng):
    x, xa = make(rng, shape, layout, dtype)
    for affine in AFFINE:
        w, b = params(rng, ns, affine, dtype)
        out, mean, rstd = ember.native_layer_norm(x, ns, et(w), et(b), 1e-5)
        assert out.dtype == x.dtype and tuple(out.shape) == shape
        assert_close(out, np_layer_norm(xa.astype(np.float64), ns, w, b, 1e-5), **TOL[dtype])
        axes = tuple(range(len(shape) - len(ns), len(shape)))
        assert_close(mean, xa.astype(np.float64).mean(axes, keepdims=True), **TOL[dtype])
        assert_close(rstd, 1 / np.sqrt(xa.astype(np.float64).var(axes, keepdims=True) + 1e-5), **TOL[dtype])
        assert_close(F.layer_norm(x, ns, et(w), et(b)), out, rtol=0, atol=0)


def test_layer_norm_large_mean_is_stable():
    # A one-pass E[x^2] - E[x]^2 in float32 would lose every digit of this variance.
    x = (1e4 + np.arange(1024) % 7).astype(np.float32).reshape(2, 512)
    assert_close(F.layer_norm(ember.tensor(x), (512,)), np_layer_norm(x.astype(np.float64), (512,), None, None, 1e-5),
                 rtol=1e-4, atol=1e-4)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,ns", LAYER_NORM_SHAPES, ids=[str(s[0]) for s in LAYER_NORM_SHAPES])
def test_layer_norm_vs_torch(shape, ns, layout, dtype, rng):
    for affine in AFFINE:
        x, xa = make(rng, shape, layout, dtype)
        x.requires_grad_()
        w, b = params(rng, ns, affine, dtype)
        ew, eb, tw, tb = et(w, True), et(b, True), tt(w, True), tt(b, True)
        tx = torch.tensor(xa, requires_grad=True)
        out = F.layer_norm(x, ns, ew, eb, 1e-3)
        ref = TF.layer_norm(tx, ns, tw, tb, 1e-3)
        assert_close(out, ref, **TOL[dtype])
        g = rng.standard_normal(shape).astype(dtype)
        out.backward(ember.tensor(g))
        ref.backward(torch.tensor(g))
        assert_close(x.grad, tx.grad, **TOL[dtype])
        for e, t in ((ew, tw), (eb, tb)):
            if e is not None:
                assert_close(e.grad, t.grad, rtol=TOL[dtype]["rtol"] * 10, atol=TOL[dtype]["atol"] * 10)
        assert out.grad_fn.name() == "NativeLayerNormBackward0"


# (input shape): (N, C, *) of rank 2 to 5
# (the kernels walk short spatial runs (< 64) in blocks of channels of up to 1024 columns, long ones
# channel by channel: both, and several blocks, are covered)
BATCH_NORM_SHAPES = [(6, 3), (4, 3, 5), (3, 2, 4, 5), (2, 3, 2, 3, 2), (1, 4, 7), (16, 8, 6, 6), (4, 3, 8, 9),
                     (2, 5, 70), (5, 1100), (2, 300, 5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", BATCH_NORM_SHAPES, ids=str)
def test_batch_norm_forward_vs_numpy(shape, layout, dtype, rng):
    x, xa = make(rng, shape, layout, dtype)
    c, x64 = shape[1], xa.astype(np.float64)
    axes = (0,) + tuple(range(2, len(shape)))
    for affine in AFFINE:
        w, b = params(rng, (c,), affine, dtype)
        rm0, rv0 = rng.standard_normal(c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype)
        rm, rv = ember.tensor(rm0), ember.tensor(rv0)
        out, mean, invstd = ember.native_batch_norm(x, et(w), et(b), rm, rv, True, 0.2, 1e-4)
        assert_close(out, np_batch_norm(x64, w, b, 1e-4), **TOL[dtype])
        assert_close(mean, x64.mean(axes), **TOL[dtype])
        assert_close(invstd, 1 / np.sqrt(x64.var(axes) + 1e-4), **TOL[dtype])
        count = x64.size // c
        assert_close(rm, 0.8 * rm0 + 0.2 * x64.mean(axes), **TOL[dtype])
        assert_close(rv, 0.8 * rv0 + 0.2 * x64.var(axes) * count / (count - 1), **TOL[dtype])
        # Eval mode uses the running stats and leaves them alone; its save_* outputs are empty.
        out, mean, invstd = ember.native_batch_norm(x, et(w), et(b), rm, rv, False, 0.2, 1e-4)
        assert_close(out, np_batch_norm(x64, w, b, 1e-4, rm.numpy().astype(np.float64),
                                        rv.numpy().astype(np.float64)), **TOL[dtype])
        assert tuple(mean.shape) == (0,) and tuple(invstd.shape) == (0,)
        assert_close(rm, 0.8 * rm0 + 0.2 * x64.mean(axes), **TOL[dtype])


@requires_torch
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", BATCH_NORM_SHAPES, ids=str)
def test_batch_norm_vs_torch(shape, layout, dtype, training, rng):
    c = shape[1]
    for affine in AFFINE:
        x, xa = make(rng, shape, layout, dtype)
        x.requires_grad_()
        tx = torch.tensor(xa, requires_grad=True)
        w, b = params(rng, (c,), affine, dtype)
        ew, eb, tw, tb = et(w, True), et(b, True), tt(w, True), tt(b, True)
        rm0, rv0 = rng.standard_normal(c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype)
        rm, rv, trm, trv = ember.tensor(rm0), ember.tensor(rv0), torch.tensor(rm0), torch.tensor(rv0)
        out = F.batch_norm(x, rm, rv, ew, eb, training, 0.3, 1e-3)
        ref = TF.batch_norm(tx, trm, trv, tw, tb, training, 0.3, 1e-3)
        assert_close(out, ref, **TOL[dtype])
        assert_close(rm, trm, **TOL[dtype])
        assert_close(rv, trv, **TOL[dtype])
        g = rng.standard_normal(shape).astype(dtype)
        out.backward(ember.tensor(g))
        ref.backward(torch.tensor(g))
        loose = {k: v * 10 for k, v in TOL[dtype].items()}
        assert_close(x.grad, tx.grad, **loose)
        for e, t in ((ew, tw), (eb, tb)):
            if e is not None:
                assert_close(e.grad, t.grad, **loose)
        assert out.grad_fn.name() == "NativeBatchNormBackward0"


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_running_stats_over_steps_vs_torch(dtype, rng):
    for shape, momentum in (((8, 4, 3, 3), 0.1), ((5, 3), 0.5), ((4, 2, 6), 1.0)):
        c = shape[1]
        rm, rv = ember.zeros(c, dtype=getattr(ember, dtype)), ember.ones(c, dtype=getattr(ember, dtype))
        trm, trv = torch.zeros(c, dtype=getattr(torch, dtype)), torch.ones(c, dtype=getattr(torch, dtype))
        for _ in range(4):
            x = rng.standard_normal(shape).astype(dtype) * 3 + 1
            out = F.batch_norm(ember.tensor(x), rm, rv, training=True, momentum=momentum)
            ref = TF.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=momentum)
            assert_close(out, ref, **TOL[dtype])
            assert_close(rm, trm, **TOL[dtype])
            assert_close(rv, trv, **TOL[dtype])
        x = rng.standard_normal(shape).astype(dtype)
        assert_close(F.batch_norm(ember.tensor(x), rm, rv), TF.batch_norm(torch.tensor(x), trm, trv), **TOL[dtype])
    # The in-place update bumps the version counters (autograd sees the running stats change), also
    # when the running stats are non-contiguous views updated through a copy.
    rm, rv = ember.zeros(3, dtype=ember.float64), ember.ones(6, dtype=ember.float64)[::2]
    v0, v1 = rm._version, rv._version
    x = rng.standard_normal((4, 3))
    F.batch_norm(ember.tensor(x), rm, rv, training=True)
    assert rm._version == v0 + 1 and rv._version > v1
    assert_close(rv, 0.9 + 0.1 * x.var(0, ddof=1))


# ---- gradients ----------------------------------------------------------------------------------

NORM_FNS = [
    ("layer_norm", (3, 4), lambda x, w, b: F.layer_norm(x, (4,), w, b), (4,)),
    ("layer_norm_2d", (2, 3, 4), lambda x, w, b: F.layer_norm(x, (3, 4), w, b), (3, 4)),
    ("batch_norm_train", (5, 3, 2), lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (3,)),
    ("batch_norm_train_long", (2, 3, 70), lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (3,)),
    ("batch_norm_train_stats", (4, 3), lambda x, w, b: F.batch_norm(
        x, ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64), w, b, training=True), (3,)),
    ("batch_norm_eval", (4, 3, 2, 2), lambda x, w, b: F.batch_norm(
        x, ember.tensor([0.3, -0.2, 1.0], dtype=ember.float64), ember.tensor([0.5, 2.0, 1.5], dtype=ember.float64), w, b,
        training=False), (3,)),
    ("group_norm", (3, 4, 5), lambda x, w, b: F.group_norm(x, 2, w, b), (4,)),
    ("instance_norm", (2, 3, 5), lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (3,)),
]


@pytest.mark.parametrize("name,shape,fn,pshape", NORM_FNS, ids=[n[0] for n in NORM_FNS])
def test_gradcheck(name, shape, fn, pshape, rng):
    for layout in ("contiguous", "transposed"):
        x, _ = make(rng, shape, layout, "float64")
        x = x.detach().requires_grad_()
        w, b = [ember.tensor(rng.standard_normal(pshape), requires_grad=True) for _ in range(2)]
        assert gradcheck(fn, [x, w, b])
        assert gradcheck(lambda x: fn(x, None, None), [x])


@pytest.mark.parametrize("name,shape,fn,pshape", NORM_FNS, ids=[n[0] for n in NORM_FNS])
def test_gradgradcheck(name, shape, fn, pshape, rng):
    # The first derivatives, taken with create_graph=True, must themselves differentiate correctly.
    x = ember.tensor(rng.standard_normal(shape), requires_grad=True)
    w, b = [ember.tensor(rng.standard_normal(pshape), requires_grad=True) for _ in range(2)]
    g = ember.tensor(rng.standard_normal(shape), requires_grad=True)

    def first_derivatives(x, w, b, g):
        with ember.enable_grad():  # gradcheck evaluates under no_grad
            return ember.autograd.grad(fn(x, w, b), (x, w, b), g, create_graph=True)

    assert gradcheck(first_derivatives, [x, w, b, g])


@requires_torch
@pytest.mark.parametrize("name", ["layer_norm", "batch_norm_train", "batch_norm_eval", "group_norm"])
def test_double_backward_vs_torch(name, rng):
    shape = {"layer_norm": (4, 6), "batch_norm_train": (5, 3, 4), "batch_norm_eval": (5, 3, 4),
             "group_norm": (3, 4, 5)}[name]
    c = shape[-1] if name == "layer_norm" else shape[1]
    rm, rv = rng.standard_normal(c), rng.uniform(0.5, 2, c)

    def run(lib, fn_mod, x, w, b, g, r1, r2):
        if name == "layer_norm":
            out = fn_mod.layer_norm(x, (c,), w, b)
        elif name == "group_norm":
            out = fn_mod.group_norm(x, 2, w, b)
        else:
            out = fn_mod.batch_norm(x, lib.tensor(rm), lib.tensor(rv), w, b, training=name == "batch_norm_train")
        gx, gw, gb = lib.autograd.grad(out, (x, w, b), g, create_graph=True)
        ((gx * r1).sum() + (gw * r2).sum() + (gb * gb).sum()).backward()
        return gx, gw, gb, x.grad, w.grad, b.grad, g.grad

    arrays = [rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c), rng.standard_normal(shape)]
    r1, r2 = rng.standard_normal(shape), rng.standard_normal(c)
    ours = run(ember, F, *[ember.tensor(a, requires_grad=True) for a in arrays], ember.tensor(r1), ember.tensor(r2))
    theirs = run(torch, TF, *[torch.tensor(a, requires_grad=True) for a in arrays], torch.tensor(r1),
                 torch.tensor(r2))
    for o, t in zip(ours, theirs):
        assert (o is None) == (t is None)
        if o is not None:
            assert_close(o, t, rtol=1e-9, atol=1e-9)


def test_no_grad_and_detached_outputs(rng):
    x = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    out, mean, rstd = ember.native_layer_norm(x, (4,), None, None, 1e-5)
    assert out.requires_grad and not mean.requires_grad and not rstd.requires_grad
    with ember.no_grad():
        assert not F.layer_norm(x, (4,)).requires_grad
        assert not F.batch_norm(x, None, None, training=True).requires_grad
    assert F.layer_norm(ember.tensor(rng.standard_normal((3, 4))), (4,)).grad_fn is None


# ---- group_norm and instance_norm ---------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape,groups", [((4, 6), 3), ((2, 4, 5), 2), ((3, 6, 2, 3), 3), ((2, 4, 3, 3), 1),
                                          ((2, 4, 3, 2), 4)], ids=str)
def test_group_norm_vs_torch(shape, groups, layout, dtype, rng):
    for affine in AFFINE:
        x, xa = make(rng, shape, layout, dtype)
        x.requires_grad_()
        tx = torch.tensor(xa, requires_grad=True)
        w, b = params(rng, (shape[1],), affine, dtype)
        ew, eb, tw, tb = et(w, True), et(b, True), tt(w, True), tt(b, True)
        out, ref = F.group_norm(x, groups, ew, eb, 1e-4), TF.group_norm(tx, groups, tw, None, 1e-4)
        if tb is not None:  # torch 2.13's group_norm backward fails with a bias but no weight
            ref = ref + tb.reshape((1, -1) + (1,) * (len(shape) - 2))
        assert_close(out, ref, **TOL[dtype])
        g = rng.standard_normal(shape).astype(dtype)
        out.backward(ember.tensor(g))
        ref.backward(torch.tensor(g))
        loose = {k: v * 10 for k, v in TOL[dtype].items()}
        for e, t in ((x, tx), (ew, tw), (eb, tb)):
            if e is not None:
                assert_close(e.grad, t.grad, **loose)


@requires_torch
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("shape", [(2, 3, 5), (3, 2, 4, 3), (1, 4, 6)], ids=str)
def test_instance_norm_vs_torch(shape, layout, dtype, rng):
    c = shape[1]
    for affine, stats, use_input_stats in (("none", False, True), ("both", True, True), ("weight", True, False)):
        x, xa = make(rng, shape, layout, dtype)
        x.requires_grad_()
        tx = torch.tensor(xa, requires_grad=True)
        w, b = params(rng, (c,), affine, dtype)
        ew, eb, tw, tb = et(w, True), et(b, True), tt(w, True), tt(b, True)
        rm0, rv0 = rng.standard_normal(c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype)
        rm, rv = (ember.tensor(rm0), ember.tensor(rv0)) if stats else (None, None)
        trm, trv = (torch.tensor(rm0), torch.tensor(rv0)) if stats else (None, None)
        out = F.instance_norm(x, rm, rv, ew, eb, use_input_stats, 0.3, 1e-4)
        ref = TF.instance_norm(tx, trm, trv, tw, tb, use_input_stats, 0.3, 1e-4)
        assert_close(out, ref, **TOL[dtype])
        if stats:
            assert_close(rm, trm, **TOL[dtype])
            assert_close(rv, trv, **TOL[dtype])
        g = rng.standard_normal(shape).astype(dtype)
        out.backward(ember.tensor(g))
        ref.backward(torch.tensor(g))
        loose = {k: v * 10 for k, v in TOL[dtype].items()}
        for e, t in ((x, tx), (ew, tw), (eb, tb)):
            if e is not None:
                assert_close(e.grad, t.grad, **loose)


MODULES = [
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (1, 3), {"affine": False, "eps": 1e-3}, (2, 3, 2, 2)),
    ("GroupNorm", (3, 6), {"bias": False}, (2, 6)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True, "momentum": 0.2}, (4, 3, 6)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),  # unbatched
    ("InstanceNorm2d", (2,), {"affine": True, "track_running_stats": True}, (3, 2, 4, 4)),
    ("InstanceNorm2d", (2,), {"track_running_stats": True, "momentum": None}, (2, 3, 3)),  # unbatched
    ("InstanceNorm3d", (2,), {"affine": True}, (2, 2, 3, 2, 3)),
    ("InstanceNorm3d", (2,), {"track_running_stats": True}, (2, 3, 2, 3)),  # unbatched
    ("LayerNorm", ((3, 4),), {}, (2, 3, 4)),
    ("BatchNorm2d", (3,), {"momentum": 0.4}, (4, 3, 2, 3)),
    ("BatchNorm3d", (2,), {"affine": False}, (3, 2, 2, 3, 2)),
]


@requires_torch
@pytest.mark.parametrize("name,args,kwargs,shape", MODULES, ids=[m[0] for m in MODULES])
def test_modules_vs_torch(name, args, kwargs, shape, rng):
    ours, theirs = getattr(nn, name)(*args, **kwargs).double(), getattr(torch.nn, name)(*args, **kwargs).double()
    assert repr(ours) == repr(theirs)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        v = rng.standard_normal(tuple(p.shape))
        with ember.no_grad():
            p.copy_(ember.tensor(v))
        with torch.no_grad():
            q.copy_(torch.tensor(v))
    for training in (True, True, False):
        ours.train(training), theirs.train(training)
        xa = rng.standard_normal(shape) * 2 + 1
        x, tx = ember.tensor(xa, requires_grad=True), torch.tensor(xa, requires_grad=True)
        out, ref = ours(x), theirs(tx)
        assert_close(out, ref, rtol=1e-9, atol=1e-9)
        out.sum().backward()
        ref.sum().backward()
        assert_close(x.grad, tx.grad, rtol=1e-8, atol=1e-8)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for a, t in zip(ours.state_dict().values(), theirs.state_dict().values()):
            assert_close(a, t, rtol=1e-9, atol=1e-9)


# ---- errors -------------------------------------------------------------------------------------

ERRORS = [
    (lambda: F.layer_norm(ember.ones(3, 4), (5,)), RuntimeError,
     r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], but got input of size\[3, 4\]"),
    (lambda: F.layer_norm(ember.ones(3, 4), (2, 2)), RuntimeError,
     r"expected input with shape \[\*, 2, 2\], but got input of size\[3, 4\]"),
    (lambda: F.layer_norm(ember.ones(4), (3, 4)), RuntimeError, r"but got input of size\[4\]"),
    (lambda: F.layer_norm(ember.ones(3, 4), (4,), ember.ones(5)), RuntimeError,
     r"Expected weight to be of same shape as normalized_shape, but got weight of shape \[5\] and "
     r"normalized_shape = \[4\]"),
    (lambda: F.layer_norm(ember.ones(3, 4), (4,), None, ember.ones(1, 4)), RuntimeError,
     r"Expected bias to be of same shape as normalized_shape, but got bias of shape \[1, 4\]"),
    (lambda: F.layer_norm(ember.ones(3, 4), ()), RuntimeError, r"Expected normalized_shape to be at least 1-dimensional"),
    (lambda: F.layer_norm(ember.ones(3, 4, dtype=ember.int64), (4,)), RuntimeError,
     r"\"LayerNormKernelImpl\" not implemented for 'Long'"),
    (lambda: F.layer_norm(ember.ones(3, 4), (4,), ember.ones(4, dtype=ember.float64)), RuntimeError,
     r"mixed dtype \(CPU\): expect parameter to have scalar type of Float"),
    (lambda: F.layer_norm(ember.ones(3, 4, dtype=ember.float64), (4,), ember.ones(4)), RuntimeError,
     r"mixed dtype \(CPU\): all inputs must share same datatype."),
    (lambda: F.batch_norm(ember.ones(4), None, None, training=True), ValueError,
     r"expected 2D or more input \(got 1D input\)"),
    (lambda: F.batch_norm(ember.ones(1, 3, 1), None, None, training=True), ValueError,
     "Expected more than 1 value per channel when training"),
    (lambda: F.batch_norm(ember.ones(4, 3), None, None), RuntimeError, "running_mean must be defined in evaluation mode"),
    (lambda: F.batch_norm(ember.ones(4, 3), ember.zeros(2), ember.ones(3)), RuntimeError,
     "running_mean should contain 3 elements not 2"),
    (lambda: F.batch_norm(ember.ones(4, 3), ember.zeros(3), ember.ones(4), training=True), RuntimeError,
     "running_var should contain 3 elements not 4"),
    (lambda: F.batch_norm(ember.ones(4, 3), None, None, ember.ones(2), training=True), RuntimeError,
     "weight should contain 3 elements not 2"),
    (lambda: F.batch_norm(ember.ones(4, 3), None, None, None, ember.ones(5), training=True), RuntimeError,
     "bias should contain 3 elements not 5"),
    (lambda: F.batch_norm(ember.ones(4, 3, dtype=ember.int32), None, None, training=True), RuntimeError,
     r"\"batch_norm\" not implemented for 'Int'"),
    (lambda: F.batch_norm(ember.ones(4, 3, dtype=ember.float64), ember.zeros(3), ember.ones(3), training=True),
     RuntimeError, r"mixed dtype \(CPU\): all inputs must share same datatype."),
    (lambda: ember.native_batch_norm(ember.ones(0, 3), None, None, None, None, True, 0.1, 1e-5), RuntimeError,
     r"input tensor must have at least one element, but got input_sizes = \[0, 3\]"),
    (lambda: ember.batch_norm(ember.ones(3), None, None, None, None, True, 0.1, 1e-5), RuntimeError,
     r"expected 2D or more input \(got 1D input\)"),
    (lambda: F.group_norm(ember.ones(4), 2), RuntimeError, "Expected at least 2 dimensions for input tensor but received 1"),
    (lambda: F.group_norm(ember.ones(2, 3, 4), 2), RuntimeError,
     r"Expected number of channels in input to be divisible by num_groups, but got input of shape \[2, 3, 4\] and "
     r"num_groups=2"),
    (lambda: F.group_norm(ember.ones(2, 4, 4), 2, ember.ones(3)), RuntimeError,
     r"Expected weight to be a vector of size equal to the number of channels in input, but got weight of shape \[3\]"),
    (lambda: F.group_norm(ember.ones(2, 4, 4), 2, None, ember.ones(4, 1)), RuntimeError,
     r"Expected bias to be a vector of size equal to the number of channels in input"),
    (lambda: F.group_norm(ember.ones(1, 2), 2), ValueError, "Expected more than 1 value per channel when training"),
    (lambda: F.group_norm(ember.ones(2, 4, dtype=ember.int64), 2), RuntimeError,
     r"\"GroupNormKernelImpl\" not implemented for 'Long'"),
    (lambda: F.instance_norm(ember.ones(2, 3, 1)), ValueError, "Expected more than 1 spatial element when training"),
    (lambda: F.instance_norm(ember.ones(2, 3, 4), ember.zeros(2), ember.ones(2)), RuntimeError,
     "running_mean should contain 6 elements not 4"),
    (lambda: F.instance_norm(ember.ones(2, 3, 4), None, None, use_input_stats=False), RuntimeError,
     "Expected running_mean and running_var to be defined when use_input_stats is false"),
    (lambda: nn.GroupNorm(2, 3), ValueError, r"num_channels \(3\) must be divisible by num_groups \(2\)"),
    (lambda: nn.InstanceNorm1d(3)(ember.ones(2, 3, 4, 5)), ValueError, r"expected 2D or 3D input \(got 4D input\)"),
    (lambda: nn.InstanceNorm2d(3)(ember.ones(3, 4)), ValueError, r"expected 3D or 4D input \(got 2D input\)"),
    (lambda: nn.BatchNorm3d(3)(ember.ones(2, 3, 4, 4)), ValueError, r"expected 5D input \(got 4D input\)"),
    (lambda: nn.InstanceNorm1d(3, affine=True)(ember.ones(2, 4, 5)), ValueError,
     r"expected input's size at dim=1 to match num_features \(3\), but got: 4."),
]


@pytest.mark.parametrize("fn,exc,match", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


@requires_torch
def test_empty_inputs_vs_torch():
    for shape, ns in (((0, 4), (4,)), ((3, 0), (0,))):
        out, mean, rstd = ember.native_layer_norm(ember.zeros(shape), ns, None, None, 1e-5)
        ref = torch.native_layer_norm(torch.zeros(shape), ns, None, None, 1e-5)
        for o, t in zip((out, mean, rstd), ref):
            assert_close(o, t)
    w = ember.ones(3, requires_grad=True)
    out = F.batch_norm(ember.zeros(0, 3, 2), ember.zeros(3), ember.ones(3), w, training=True)
    assert tuple(out.shape) == (0, 3, 2)
    out.sum().backward()
    assert_close(w.grad, np.zeros(3, dtype=np.float32))
