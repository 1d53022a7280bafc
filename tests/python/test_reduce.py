"""Reductions, scans and softmax: forward vs NumPy and PyTorch on contiguous, transposed, sliced and
0-d inputs across dtypes; float64 gradcheck on non-contiguous inputs; error paths."""
import math

import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck
from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

ALL = ["bool", "uint8", "int32", "int64", "float32", "float64"]
NUMERIC = ALL[1:]
FLOATS = ["float32", "float64"]
MULTI_DIMS = [None, 0, -1, (0, 2), (1,)]
SINGLE_DIMS = [None, 0, -1, 1]


def make_array(layout, dtype, rng, low=-3, high=3):
    """A (2, 3, 4) array (or 0-d) with the layout's strides."""
    shape = {"contiguous": (2, 3, 4), "transposed": (4, 3, 2), "sliced": (2, 3, 8), "0d": ()}[layout]
    if dtype == "bool":
        base = rng.random(shape) > 0.4
    elif dtype in ("uint8",):
        base = rng.integers(0, high + 2, size=shape).astype(dtype)
    elif dtype.startswith("int"):
        base = rng.integers(low, high + 1, size=shape).astype(dtype)
    else:
        base = rng.uniform(low, high, size=shape).astype(dtype)
    base = np.asarray(base)
    if layout == "transposed":
        return base.transpose(2, 1, 0)
    if layout == "sliced":
        return base[..., ::2]
    return base


LAYOUTS = ["contiguous", "transposed", "sliced", "0d"]


def dims_for(layout, dims):
    """0-d inputs only accept dims None, 0 and -1."""
    if layout != "0d":
        return dims
    return [d for d in dims if d in (None, 0, -1, (0,), (-1,))]


def call(name, **extra):
    """fn(module, x, dim, keepdim) calling module.name the way both ember and torch accept."""
    def f(m, x, dim, keepdim):
        kw = dict(extra)
        if dim is not None:
            kw["dim"] = dim
            kw["keepdim"] = keepdim
        return getattr(m, name)(x, **kw)
    return f


def scan(name):
    return lambda m, x, dim, keepdim: getattr(m, name)(x, dim)


def np_axis(dim):
    return dim if dim is None or isinstance(dim, int) else tuple(dim)


def np_reduce(fn):
    """NumPy has no axis on 0-d arrays, where PyTorch's dim 0/-1 reduce nothing."""
    return lambda a, dim, kd: fn(a, axis=np_axis(dim) if a.ndim else None, keepdims=kd if dim is not None else False)


def np_arg(fn):
    def f(a, dim, kd):
        if dim is None:
            return np.asarray(fn(a.reshape(-1)))
        return fn(a, axis=dim, keepdims=kd) if a.ndim else np.asarray(0)
    return f


def np_softmax(a, dim, log):
    if a.ndim == 0:
        return np.zeros_like(a) if log else np.ones_like(a)
    m = a.max(axis=dim, keepdims=True)
    e = np.exp(a - m)
    s = e.sum(axis=dim, keepdims=True)
    return (a - m - np.log(s)) if log else e / s


def np_lse(a, dim, kd):
    d = np_axis(dim) if a.ndim else None
    m = np.max(a, axis=d, keepdims=True)
    r = np.log(np.exp(a - m).sum(axis=d, keepdims=True)) + m
    return r if (kd or a.ndim == 0) else np.squeeze(r, axis=d)


def np_norm(p):
    def f(a, dim, kd):
        d = np_axis(dim) if a.ndim else None
        x = np.abs(a.astype(np.float64))
        if p == math.inf:
            r = x.max(axis=d, keepdims=kd)
        elif p == 1:
            r = x.sum(axis=d, keepdims=kd)
        else:
            r = (x ** p).sum(axis=d, keepdims=kd) ** (1 / p)
        return r
    return f


def np_scan(fn):
    return lambda a, dim, kd: fn(a, axis=dim) if a.ndim else a


# name -> (ember/torch call, numpy reference or None, dtypes, dims)
OPS = {
    "sum": (call("sum"), np_reduce(np.sum), ALL, MULTI_DIMS),
    "mean": (call("mean"), np_reduce(np.mean), FLOATS, MULTI_DIMS),
    "prod": (call("prod"), np_reduce(np.prod), ALL, SINGLE_DIMS),
    "amax": (call("amax"), np_reduce(np.max), ALL, MULTI_DIMS),
    "amin": (call("amin"), np_reduce(np.min), ALL, MULTI_DIMS),
    "max": (call("max"), None, ALL, SINGLE_DIMS),
    "min": (call("min"), None, ALL, SINGLE_DIMS),
    "argmax": (call("argmax"), np_arg(np.argmax), NUMERIC, SINGLE_DIMS),
    "argmin": (call("argmin"), np_arg(np.argmin), NUMERIC, SINGLE_DIMS),
    "var": (call("var"), np_reduce(lambda a, axis, keepdims: np.var(a, axis=axis, keepdims=keepdims, ddof=1)),
            FLOATS, MULTI_DIMS),
    "var_biased": (call("var", correction=0), np_reduce(np.var), FLOATS, MULTI_DIMS),
    "std": (call("std"), np_reduce(lambda a, axis, keepdims: np.std(a, axis=axis, keepdims=keepdims, ddof=1)),
            FLOATS, MULTI_DIMS),
    "var_mean": (call("var_mean"), None, FLOATS, MULTI_DIMS),
    "std_mean": (call("std_mean"), None, FLOATS, MULTI_DIMS),
    "norm": (call("norm"), np_norm(2), FLOATS, MULTI_DIMS),
    "norm_p1": (call("norm", p=1), np_norm(1), FLOATS, MULTI_DIMS),
    "norm_p3": (call("norm", p=3), np_norm(3), FLOATS, MULTI_DIMS),
    "norm_inf": (call("norm", p=math.inf), np_norm(math.inf), FLOATS, MULTI_DIMS),
    "logsumexp": (lambda m, x, dim, kd: m.logsumexp(x, dim=(0, 1, 2)[:x.dim()] if dim is None else dim, keepdim=kd),
                  lambda a, dim, kd: np_lse(a, tuple(range(a.ndim)) if dim is None else dim, kd), FLOATS, MULTI_DIMS),
    "all": (call("all"), np_reduce(np.all), ALL, MULTI_DIMS),
    "any": (call("any"), np_reduce(np.any), ALL, MULTI_DIMS),
    "count_nonzero": (lambda m, x, dim, kd: m.count_nonzero(x, dim=dim),
                      lambda a, dim, kd: np.asarray(np.count_nonzero(a, axis=np_axis(dim))), ALL, MULTI_DIMS),
    "cumsum": (scan("cumsum"), np_scan(np.cumsum), ALL, [0, -1, 1]),
    "cumprod": (scan("cumprod"), np_scan(np.cumprod), ALL, [0, -1, 1]),
    "softmax": (scan("softmax"), lambda a, dim, kd: np_softmax(a, dim, False), FLOATS, [0, -1, 1]),
    "log_softmax": (scan("log_softmax"), lambda a, dim, kd: np_softmax(a, dim, True), FLOATS, [0, -1, 1]),
}

CASES = [(name, layout, dtype, dim, kd)
         for name, (_, _, dtypes, dims) in OPS.items()
         for layout in LAYOUTS
         for dtype in dtypes
         for dim in dims_for(layout, dims)
         for kd in ([False, True] if dim is not None else [False])]


def outputs(r):
    return list(r) if isinstance(r, tuple) else [r]


def rtol_for(dtype):
    return 1e-4 if dtype == "float32" else 1e-7


@pytest.mark.parametrize("name,layout,dtype,dim,kd", CASES)
def test_forward_numpy(name, layout, dtype, dim, kd, rng):
    fn, ref, _, _ = OPS[name]
    if ref is None:
        pytest.skip("compared with torch only")
    a = make_array(layout, dtype, rng)
    if layout == "0d" and dim is not None and name in ("count_nonzero",):
        pytest.skip("NumPy has no axis on 0-d arrays")
    out = fn(ember, ember.from_numpy(a), dim, kd)
    expected = ref(a, dim, kd)
    got = out.numpy()
    assert got.shape == np.shape(expected)
    tol = rtol_for(dtype)
    np.testing.assert_allclose(got.astype(np.float64), np.asarray(expected).astype(np.float64), rtol=tol, atol=tol)


@requires_torch
@pytest.mark.parametrize("name,layout,dtype,dim,kd", CASES)
def test_forward_torch(name, layout, dtype, dim, kd, rng):
    fn = OPS[name][0]
    a = make_array(layout, dtype, rng)
    got = outputs(fn(ember, ember.from_numpy(a), dim, kd))
    expected = outputs(fn(torch, torch.from_numpy(a), dim, kd))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.numpy().dtype == e.numpy().dtype, (g.numpy().dtype, e.numpy().dtype)
        assert_close(g, e, rtol=rtol_for(dtype), atol=rtol_for(dtype))


@requires_torch
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_dim_named_result(name, rng):
    a = make_array("transposed", "float32", rng)
    r = getattr(ember, name)(ember.from_numpy(a), 1, keepdim=True)
    t = getattr(torch, name)(torch.from_numpy(a), 1, keepdim=True)
    assert type(r).__name__ == name and type(r).__module__ == "ember.return_types"
    assert_close(r.values, t.values)
    assert_close(r.indices, t.indices, check_dtype=True)
    values, indices = r
    assert_close(values, t.values)


@pytest.mark.parametrize("name,ref", [("max", np.maximum), ("min", np.minimum)])
def test_binary_form_is_elementwise(name, ref, rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    assert_close(getattr(ember, name)(ember.from_numpy(a), ember.from_numpy(b)), ref(a, b))
    assert_close(getattr(ember.from_numpy(a), name)(ember.from_numpy(b)), ref(a, b))


# ---- dtype rules and special values ------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("expr", [
    "m.sum(xb)", "m.sum(xu)", "m.sum(x, dtype=m.int32)", "m.prod(xi)",
    "m.cumsum(xu, 0)", "m.cumprod(xb, 0)", "m.all(xu)", "m.any(xu, 0)", "m.any(xb, (0, 1), True)",
    "m.all(x, ())", "m.mean(x, dtype=m.float64)", "m.softmax(x, 1, dtype=m.float64)",
    "m.cumsum(x, 0, dtype=m.float64)", "m.norm(x, 2, 0, True, dtype=m.float64)",
    "m.var(x, 0, False, True)", "m.std(x, (0, 1), correction=0)", "m.var(x, False)", "m.var(x, 1, keepdim=True, correction=1.5)",
    "m.norm(x, 'fro', (0,))", "m.norm(x, p=0)", "m.norm(x, p=-1)", "m.norm(x, p=2.5)", "m.norm(x, p=-math.inf)",
    "m.linalg.vector_norm(x, 0.5)", "m.linalg.vector_norm(x, ord=2, dim=None, keepdim=True, dtype=m.float64)",
    "m.sum(x, ())", "m.amax(x, ())", "m.count_nonzero(x, ())", "m.argmax(x, keepdim=True)",
])
def test_dtype_rules_match_torch(expr, rng):
    a = rng.integers(-2, 3, size=(3, 4)).astype(np.float32)
    arrays = {"x": a, "xb": a > 0, "xu": np.abs(a).astype(np.uint8), "xi": a.astype(np.int32)}
    got = eval(expr, {"m": ember, "math": math, **{k: ember.from_numpy(v) for k, v in arrays.items()}})
    exp = eval(expr, {"m": torch, "math": math, **{k: torch.from_numpy(v) for k, v in arrays.items()}})
    assert got.numpy().dtype == exp.numpy().dtype
    assert_close(got, exp, rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("expr", [
    "m.sum(e, 0)", "m.prod(e)", "m.mean(e)", "m.all(e)", "m.any(e)", "m.amax(e, 1)", "m.argmax(e, 1)",
    "m.logsumexp(e, 0)", "m.var(e, 0)", "m.norm(e)", "m.softmax(e, 0)", "m.cumsum(e, 0)", "m.max(e, 1).values",
])
def test_empty_inputs_match_torch(expr):
    got = eval(expr, {"m": ember, "e": ember.empty(0, 3)})
    exp = eval(expr, {"m": torch, "e": torch.empty(0, 3)})
    assert_close(got, exp)


@requires_torch
@pytest.mark.parametrize("expr", [
    "m.max(x)", "m.amax(x, 0)", "m.argmax(x)", "m.argmin(x, 0)", "m.max(x, 0).indices", "m.min(x, 0).values",
    "m.logsumexp(x, 0)", "m.softmax(x, 0)", "m.log_softmax(x, 0)", "m.norm(x, math.inf)",
])
@pytest.mark.parametrize("vals", [[1.0, math.nan, math.nan, 2.0], [-math.inf, -math.inf, 1.0, 1.0],
                                  [math.inf, 1.0, math.inf, -1.0], [-math.inf] * 4])
def test_special_values_match_torch(expr, vals):
    a = np.array(vals, dtype=np.float32)
    got = eval(expr, {"m": ember, "x": ember.from_numpy(a), "math": math})
    exp = eval(expr, {"m": torch, "x": torch.from_numpy(a), "math": math})
    assert_close(got, exp)


def test_float32_sum_is_accurate():
    a = np.full(10_000_000, 0.1, dtype=np.float32)
    expected = a.astype(np.float64).sum()
    got = ember.from_numpy(a).sum().item()
    assert abs(got - expected) / expected < 1e-5
    assert abs(ember.from_numpy(a).mean().item() - expected / a.size) / (expected / a.size) < 1e-5


@pytest.mark.parametrize("shape,dims", [((300, 1000), (0,)), ((300, 1000), (1,)), ((200_001,), (0,)),
                                         ((64, 50, 40), (0, 2)), ((40, 3000), (0, 1))])
def test_large_reductions_use_all_paths(shape, dims, rng):
    """Big enough for the threaded inner, vertical and single-output loops."""
    a = rng.standard_normal(shape)
    x = ember.from_numpy(a)
    assert_close(x.sum(dims), a.sum(axis=dims))
    assert_close(x.amax(dims), a.max(axis=dims))
    assert_close(x.var(dims), a.var(axis=dims, ddof=1))
    if len(dims) == 1:
        assert_close(x.argmax(dims[0]), a.argmax(axis=dims[0]))
        assert_close(x.cumsum(dims[0]), np.cumsum(a, axis=dims[0]))
        assert_close(x.softmax(dims[0]), np_softmax(a, dims[0], False))
        assert_close(x.log_softmax(dims[0]), np_softmax(a, dims[0], True))


@pytest.mark.parametrize("n", [1, 7, 8, 9, 1000, 1027])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_float32_rows(n, dim, rng):
    """The SIMD exp path: every tail length, large and tiny logits."""
    a = (rng.standard_normal((3, n)) * 30).astype(np.float32)
    a = a if dim == 1 else np.ascontiguousarray(a.T)
    x = ember.from_numpy(a)
    assert_close(x.softmax(dim), np_softmax(a.astype(np.float64), dim, False), rtol=1e-5, atol=1e-7)
    assert_close(x.log_softmax(dim), np_softmax(a.astype(np.float64), dim, True), rtol=1e-5, atol=1e-4)


# ---- gradients --------------------------------------------------------------------------------------

def noncontig(a):
    """A float64 leaf with a's values and non-contiguous (transposed) strides."""
    t = ember.from_numpy(np.ascontiguousarray(a.T)).transpose(0, a.ndim - 1) if a.ndim > 1 else ember.from_numpy(a.copy())
    t = t.detach()
    t.requires_grad_(True)
    return t


GRAD_OPS = {
    "sum": [lambda x: x.sum(), lambda x: x.sum((0, 2)), lambda x: x.sum(-1, keepdim=True)],
    "mean": [lambda x: x.mean(), lambda x: x.mean((0, 2), keepdim=True)],
    "prod": [lambda x: x.prod(), lambda x: x.prod(1), lambda x: x.prod(-1, keepdim=True)],
    "amax": [lambda x: x.amax(), lambda x: x.amax((0, 2))],
    "amin": [lambda x: x.amin(1, keepdim=True)],
    "max": [lambda x: x.max(), lambda x: x.max(1).values, lambda x: x.max(-1, keepdim=True)[0]],
    "min": [lambda x: x.min(), lambda x: x.min(0).values],
    "var": [lambda x: x.var(), lambda x: x.var((0, 2)), lambda x: x.var(1, correction=0, keepdim=True)],
    "std": [lambda x: x.std(), lambda x: x.std(1)],
    "var_mean": [lambda x: x.var_mean(1)],
    "norm": [lambda x: x.norm(), lambda x: x.norm(dim=1), lambda x: x.norm(p=1, dim=(0, 2)),
             lambda x: x.norm(p=3, dim=-1), lambda x: x.norm(p=math.inf, dim=0), lambda x: x.norm(p=0.5)],
    "logsumexp": [lambda x: x.logsumexp((0, 1, 2)), lambda x: x.logsumexp(1, keepdim=True)],
    "cumsum": [lambda x: x.cumsum(0), lambda x: x.cumsum(-1)],
    "cumprod": [lambda x: x.cumprod(0), lambda x: x.cumprod(-1)],
    "softmax": [lambda x: x.softmax(-1), lambda x: x.softmax(0)],
    "log_softmax": [lambda x: x.log_softmax(-1), lambda x: x.log_softmax(1)],
}
GRAD_CASES = [(name, i) for name, fns in GRAD_OPS.items() for i in range(len(fns))]


@pytest.mark.parametrize("name,i", GRAD_CASES)
def test_gradcheck(name, i, rng):
    a = rng.uniform(0.5, 2.0, size=(2, 3, 4)) * rng.choice([-1, 1], size=(2, 3, 4))
    assert gradcheck(GRAD_OPS[name][i], [noncontig(a)])


@pytest.mark.parametrize("fn", [lambda x: x.prod(), lambda x: x.prod(1), lambda x: x.cumprod(1), lambda x: x.cumprod(0)])
@pytest.mark.parametrize("zeros", [[(0, 1, 2)], [(0, 1, 2), (1, 1, 0)], [(0, 0, 1), (0, 2, 1)], [(1, 0, 3), (1, 1, 3), (1, 2, 3)]])
def test_gradcheck_prod_with_zeros(fn, zeros, rng):
    a = rng.uniform(0.5, 2.0, size=(2, 3, 4))
    for z in zeros:
        a[z] = 0.0
    assert gradcheck(fn, [noncontig(a)])


@requires_torch
@pytest.mark.parametrize("expr", ["x.amax()", "x.amax(1)", "x.max()", "x.max(1).values", "x.norm(p=math.inf)",
                                  "x.norm()", "x.std(1)"])
def test_tied_and_zero_gradients_match_torch(expr):
    a = np.array([[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]])
    xe = ember.from_numpy(a.copy()).requires_grad_(True)
    xt = torch.from_numpy(a.copy()).requires_grad_(True)
    eval(expr, {"x": xe, "math": math}).sum().backward()
    eval(expr, {"x": xt, "math": math}).sum().backward()
    assert_close(xe.grad, xt.grad)


@pytest.mark.parametrize("fn", [lambda x: x.softmax(1), lambda x: x.log_softmax(0), lambda x: x.logsumexp(1),
                                lambda x: x.var(1), lambda x: x.prod(1), lambda x: x.cumprod(1), lambda x: x.norm(dim=1),
                                lambda x: x.std(0)])
def test_double_backward(fn, rng):
    """create_graph: the gradient is itself differentiable (checked by gradcheck of the gradient)."""
    def grad_of(x):
        with ember.enable_grad():  # gradcheck evaluates under no_grad; the inner graph must exist
            y = fn(x)
            weights = ember.from_numpy(np.linspace(0.5, 1.5, num=y.numel()).reshape(tuple(y.shape)))
            (g,) = ember.autograd.grad([(y * weights).sum()], [x], create_graph=True)
        return g
    assert gradcheck(grad_of, [noncontig(rng.uniform(0.5, 2.0, size=(2, 3)))])


# ---- errors -----------------------------------------------------------------------------------------

X = ember.from_numpy(np.ones((2, 3), dtype=np.float32))
XI = ember.from_numpy(np.ones((2, 3), dtype=np.int64))
E = ember.empty(0, 3)


@pytest.mark.parametrize("fn,exc,match", [
    (lambda: X.sum(2), IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"),
    (lambda: X.amax(-3), IndexError, "Dimension out of range"),
    (lambda: X.max(5), IndexError, "Dimension out of range"),
    (lambda: X.cumsum(2), IndexError, "Dimension out of range"),
    (lambda: X.softmax(-3), IndexError, "Dimension out of range"),
    (lambda: ember.tensor(3.0).sum(1), IndexError, r"range of \[-1, 0\]"),
    (lambda: X.sum((0, 0)), RuntimeError, "dim 0 appears multiple times in the list of dims"),
    (lambda: X.mean((1, -1)), RuntimeError, "dim 1 appears multiple times"),
    (lambda: E.argmax(), IndexError, r"argmax\(\): Expected reduction dim to be specified for input.numel\(\) == 0"),
    (lambda: E.argmin(0), IndexError, r"argmin\(\): Expected reduction dim 0 to have non-zero size"),
    (lambda: E.max(), RuntimeError, r"max\(\): Expected reduction dim to be specified for input.numel\(\) == 0"),
    (lambda: E.max(0), IndexError, r"max\(\): Expected reduction dim 0 to have non-zero size"),
    (lambda: E.amax(), RuntimeError, r"amax\(\): Expected reduction dim to be specified"),
    (lambda: E.amin(0), IndexError, r"amin\(\): Expected reduction dim 0 to have non-zero size"),
    (lambda: XI.mean(), RuntimeError, "mean\\(\\): could not infer output dtype. Input dtype must be either a floating point"),
    (lambda: X.mean(dtype=ember.int64), RuntimeError, "Optional dtype must be either a floating point"),
    (lambda: XI.var(), RuntimeError, "std and var only support floating point and complex dtypes"),
    (lambda: XI.std(0), RuntimeError, "std and var only support floating point"),
    (lambda: XI.norm(), RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as input"),
    (lambda: X.norm(dtype=ember.int64), RuntimeError, "dtype should be floating point"),
    (lambda: X.norm(p="nuc"), RuntimeError, "Order nuc not supported"),
    (lambda: E.norm(math.inf), RuntimeError, "cannot compute the inf norm on an empty tensor"),
    (lambda: XI.softmax(0), RuntimeError, "softmax.*not implemented for 'int64'"),
    (lambda: ember.from_numpy(np.ones(3, dtype=bool)).argmax(), RuntimeError, r"argmax\(\): does not support bool input"),
    (lambda: X.argmax((0, 1)), TypeError, ""),
    (lambda: X.prod((0, 1)), TypeError, ""),
    (lambda: X.max((0, 1)), TypeError, r"max\(\) received an invalid combination of arguments"),
    (lambda: X.var(0, True, correction=0), RuntimeError, "cannot specify both unbiased and correction"),
])
def test_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()
