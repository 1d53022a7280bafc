"""Elementwise ops: forward vs NumPy on every layout, vs PyTorch (values and dtypes), float64
gradcheck on broadcast and non-contiguous inputs, in-place forms, operators and error paths."""
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

F32, F64, I64, I32, U8, B = "float32", "float64", "int64", "int32", "uint8", "bool"
FLOATS = [F32, F64]
NUMERIC = [F32, F64, I64, I32]


def sample(rng, shape, dtype, domain):
    """Values of `dtype` in `domain` ("any", "pos", "unit" = (-1, 1), "int")."""
    if dtype == B:
        return rng.random(shape) > 0.5
    if dtype in (I64, I32, U8):
        lo = 0 if dtype == U8 or domain == "pos" else -5
        v = rng.integers(lo, 6, size=shape)
        if domain == "pos":
            v = np.where(v == 0, 1, v)
        return v.astype(dtype)
    v = {"any": rng.standard_normal(shape) * 2, "pos": rng.random(shape) * 3 + 0.1,
         "unit": rng.uniform(-0.9, 0.9, shape)}[domain]
    return v.astype(dtype)


def layouts(rng, dtype, domain):
    """(name, ember tensor, numpy array) for contiguous, transposed, sliced and 0-d inputs."""
    base = sample(rng, (4, 6), dtype, domain)
    return [("contiguous", ember.from_numpy(base[:3].copy()), base[:3]),
            ("transposed", ember.from_numpy(base).t(), base.T),
            ("sliced", ember.from_numpy(base[:, ::2]), base[:, ::2]),
            ("0-d", ember.from_numpy(np.array(base[0, 0])), np.array(base[0, 0]))]


def leaf(rng, shape, domain, transpose=False):
    x = ember.from_numpy(sample(rng, shape, F64, domain))
    if transpose:  # a non-contiguous leaf
        x = ember.from_numpy(np.ascontiguousarray(sample(rng, shape[::-1], F64, domain)).T)
    x.requires_grad = True
    return x


def erf_np(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def erfinv_np(y):
    """Bisection on math.erf: slow, obviously right, independent of the C++ kernel."""
    lo, hi = np.full_like(y, -6.0), np.full_like(y, 6.0)
    for _ in range(64):
        mid = (lo + hi) / 2
        below = erf_np(mid) < y
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


def gelu_np(x):
    return 0.5 * x * (1 + erf_np(x / math.sqrt(2)))


def to_torch(x):
    return torch.from_numpy(np.array(ember.testing.to_numpy(x)))


# name, ember fn, numpy reference, domain, dtypes, differentiable
UNARY = [
    ("neg", ember.neg, np.negative, "any", NUMERIC, True),
    ("exp", ember.exp, np.exp, "any", NUMERIC + [B], True),
    ("exp2", ember.exp2, np.exp2, "any", FLOATS, True),
    ("log", ember.log, np.log, "pos", NUMERIC, True),
    ("log2", ember.log2, np.log2, "pos", FLOATS, True),
    ("log10", ember.log10, np.log10, "pos", FLOATS, True),
    ("log1p", ember.log1p, np.log1p, "pos", FLOATS, True),
    ("expm1", ember.expm1, np.expm1, "any", FLOATS, True),
    ("sqrt", ember.sqrt, np.sqrt, "pos", NUMERIC, True),
    ("rsqrt", ember.rsqrt, lambda x: 1 / np.sqrt(x), "pos", FLOATS, True),
    ("abs", ember.abs, np.abs, "any", NUMERIC, True),
    ("sign", ember.sign, np.sign, "any", NUMERIC, True),
    ("sin", ember.sin, np.sin, "any", FLOATS, True),
    ("cos", ember.cos, np.cos, "any", FLOATS, True),
    ("tan", ember.tan, np.tan, "unit", FLOATS, True),
    ("asin", ember.asin, np.arcsin, "unit", FLOATS, True),
    ("acos", ember.acos, np.arccos, "unit", FLOATS, True),
    ("atan", ember.atan, np.arctan, "any", FLOATS, True),
    ("sinh", ember.sinh, np.sinh, "any", FLOATS, True),
    ("cosh", ember.cosh, np.cosh, "any", FLOATS, True),
    ("tanh", ember.tanh, np.tanh, "any", NUMERIC, True),
    ("sigmoid", ember.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "any", NUMERIC, True),
    ("relu", ember.relu, lambda x: np.maximum(x, 0), "any", NUMERIC, True),
    ("gelu", ember.gelu, gelu_np, "any", FLOATS, True),
    ("gelu_tanh", lambda x: ember.gelu(x, approximate="tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))), "any", FLOATS, True),
    ("silu", ember.silu, lambda x: x / (1 + np.exp(-x)), "any", FLOATS, True),
    ("softplus", lambda x: ember.softplus(x, beta=2, threshold=3),
     lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2), "any", FLOATS, True),
    ("erf", ember.erf, erf_np, "any", FLOATS, True),
    ("erfc", ember.erfc, lambda x: 1 - erf_np(x), "any", FLOATS, True),
    ("erfinv", ember.erfinv, erfinv_np, "unit", FLOATS, True),
    ("floor", ember.floor, np.floor, "any", NUMERIC, True),
    ("ceil", ember.ceil, np.ceil, "any", NUMERIC, True),
    ("round", ember.round, np.round, "any", NUMERIC, True),
    ("round_decimals", lambda x: ember.round(x, decimals=1), lambda x: np.round(x, 1), "any", FLOATS, True),
    ("trunc", ember.trunc, np.trunc, "any", NUMERIC, True),
    ("frac", ember.frac, lambda x: x - np.trunc(x), "any", FLOATS, True),
    ("reciprocal", ember.reciprocal, lambda x: 1 / x, "pos", FLOATS, True),
    ("square", ember.square, np.square, "any", NUMERIC, True),
    ("nan_to_num", ember.nan_to_num, np.nan_to_num, "any", FLOATS, True),
    ("bitwise_not", ember.bitwise_not, np.invert, "any", [I64, I32, U8, B], False),
    ("logical_not", ember.logical_not, np.logical_not, "any", NUMERIC + [B], False),
    ("isnan", ember.isnan, np.isnan, "any", NUMERIC, False),
    ("isinf", ember.isinf, np.isinf, "any", NUMERIC, False),
    ("isfinite", ember.isfinite, np.isfinite, "any", NUMERIC, False),
    ("asinh", ember.asinh, np.arcsinh, "any", NUMERIC, True),
    ("arcsinh", ember.arcsinh, np.arcsinh, "any", FLOATS, True),
    ("acosh", lambda x: ember.acosh(x + 1), lambda x: np.arccosh(x + 1), "pos", NUMERIC, True),
    ("atanh", ember.atanh, np.arctanh, "unit", FLOATS, True),
    ("arctanh", ember.arctanh, np.arctanh, "unit", FLOATS, True),
    ("deg2rad", ember.deg2rad, np.deg2rad, "any", NUMERIC, True),
    ("rad2deg", ember.rad2deg, np.rad2deg, "any", NUMERIC, True),
    ("lgamma", ember.lgamma, np.vectorize(math.lgamma, otypes=[np.float64]), "pos", NUMERIC, True),
    ("i0", ember.i0, np.i0, "any", NUMERIC, True),
    ("sinc", ember.sinc, np.sinc, "any", NUMERIC, True),
    ("logit", lambda x: ember.logit(x * 0.5 + 0.5), lambda x: np.log((x * 0.5 + 0.5) / (0.5 - x * 0.5)), "unit", FLOATS, True),
    ("logit_eps", lambda x: ember.logit(x, eps=0.2), lambda x: np.log(np.clip(x, 0.2, 0.8) / (1 - np.clip(x, 0.2, 0.8))),
     "unit", FLOATS, True),
    ("sgn", ember.sgn, np.sign, "any", NUMERIC, True),
    ("positive", ember.positive, np.positive, "any", NUMERIC, False),  # x itself, as in PyTorch
    ("angle", ember.angle, np.angle, "any", NUMERIC, True),
    ("signbit", ember.signbit, np.signbit, "any", NUMERIC, False),
    ("isposinf", ember.isposinf, np.isposinf, "any", NUMERIC, False),
    ("isneginf", ember.isneginf, np.isneginf, "any", NUMERIC, False),
    ("isreal", ember.isreal, np.isreal, "any", NUMERIC + [B], False),
]
# Ops whose derivative is undefined on a set of measure zero near our samples: skip none, but keep
# rounding ops away from integers/halves by sampling continuous values (probability zero).
TORCH_UNARY = {"gelu": lambda x: torch.nn.functional.gelu(x), "gelu_tanh": lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
               "silu": torch.nn.functional.silu, "softplus": lambda x: torch.nn.functional.softplus(x, beta=2, threshold=3),
               "round_decimals": lambda x: torch.round(x, decimals=1), "acosh": lambda x: torch.acosh(x + 1),
               "logit": lambda x: torch.logit(x * 0.5 + 0.5), "logit_eps": lambda x: torch.logit(x, eps=0.2)}


def expected_dtype(fn_np, x):
    return np.asarray(fn_np(x)).dtype


@pytest.mark.parametrize("row", UNARY, ids=[r[0] for r in UNARY])
def test_unary_forward_vs_numpy(row, rng):
    name, fn, ref, domain, dtypes, _ = row
    for dtype in dtypes:
        for layout, x, xn in layouts(rng, dtype, domain):
            out = fn(x)
            floating = out.dtype in (ember.float32, ember.float64)
            want = ref(xn.astype(np.float64) if floating else xn)
            assert out.shape == tuple(xn.shape), (name, dtype, layout)
            tol = 1e-5 if dtype != F64 else 1e-7
            assert_close(out, np.asarray(want).astype(out.numpy().dtype) if out.dtype != ember.bool else want,
                         rtol=tol, atol=tol)


@requires_torch
@pytest.mark.parametrize("row", UNARY, ids=[r[0] for r in UNARY])
def test_unary_vs_torch(row, rng):
    name, fn, _, domain, dtypes, _ = row
    tfn = TORCH_UNARY.get(name) or getattr(torch, name)
    for dtype in dtypes:
        xn = sample(rng, (5, 3), dtype, domain)
        out, want = fn(ember.from_numpy(xn)), tfn(torch.from_numpy(xn))
        assert str(out.dtype) == str(want.dtype).replace("torch.", "ember."), (name, dtype)
        assert_close(out, want)


@pytest.mark.parametrize("row", [r for r in UNARY if r[5]], ids=[r[0] for r in UNARY if r[5]])
def test_unary_gradcheck(row, rng):
    name, fn, _, domain, _, _ = row
    for transpose in (False, True):
        x = leaf(rng, (3, 4), domain, transpose)
        if name in ("abs", "relu"):  # keep away from the kink where finite differences disagree
            with ember.no_grad():
                x.detach().numpy()[np.abs(x.detach().numpy()) < 1e-2] = 0.5
        gradcheck(fn, [x])


# The float32 fast paths (exp/log/tanh/sigmoid/gelu/silu) on values spanning their whole range,
# including the special values, against float64 NumPy.
@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "gelu", "gelu_tanh", "silu"])
def test_float32_fast_paths(name):
    row = next(r for r in UNARY if r[0] == name)
    x = np.concatenate([np.linspace(-110, 110, 4001), np.linspace(-1, 1, 2001), np.geomspace(1e-40, 1e38, 500),
                        [0.0, -0.0, np.inf, -np.inf, np.nan]]).astype(np.float32)
    if name == "log":
        x = np.abs(x)
    with np.errstate(all="ignore"):
        want = row[2](x.astype(np.float64)).astype(np.float32).astype(np.float64)  # overflow as float32 does
    for t in (ember.from_numpy(x), ember.from_numpy(np.stack([x, x], 1)).select(1, 0)):  # dense and strided
        got = row[1](t).numpy().astype(np.float64)
        np.testing.assert_allclose(got, want, rtol=3e-6, atol=1e-6 if name.startswith("gelu") else 1e-30)
    if name == "log":
        assert ember.log(ember.tensor([-1.0, 0.0])).numpy()[0] != ember.log(ember.tensor([-1.0, 0.0])).numpy()[0]


@pytest.mark.parametrize("name", ["sin", "cos"])
def test_float32_sin_cos_fast_path(name):
    # The vector formula covers |x| <= 8192; blocks with larger values, inf or NaN go to libm, so a
    # mix of both in one tensor must come out right everywhere.
    rng = np.random.default_rng(0)
    x = np.concatenate([np.linspace(-8192, 8192, 20001), np.linspace(-7, 7, 3001), rng.uniform(-1e6, 1e6, 700),
                        [0.0, -0.0, 1e-30, np.inf, -np.inf, np.nan, 8192.0, 8193.0]]).astype(np.float32)
    with np.errstate(all="ignore"):
        want = getattr(np, name)(x.astype(np.float64))
    got = getattr(ember, name)(ember.from_numpy(x)).numpy().astype(np.float64)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-7)
    assert np.isnan(got[-4:-2]).all() and np.signbit(got[-7]) == (name == "sin")
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(getattr(ember, name)(ember.from_numpy(x64)).numpy(), want, rtol=0, atol=1e-15)


# ---- binary --------------------------------------------------------------------------------------

def floor_div_np(a, b):
    return np.floor_divide(a, b)


# name, ember fn, numpy reference, domain of b, dtypes, differentiable
BINARY = [
    ("add", ember.add, np.add, "any", NUMERIC + [B], True),
    ("sub", ember.sub, np.subtract, "any", NUMERIC, True),
    ("mul", ember.mul, np.multiply, "any", NUMERIC + [B], True),
    ("div", ember.div, np.true_divide, "pos", NUMERIC, True),
    ("div_trunc", lambda a, b: ember.div(a, b, rounding_mode="trunc"),
     lambda a, b: np.trunc(a / b).astype(np.result_type(a, b)), "pos", NUMERIC, True),
    ("div_floor", lambda a, b: ember.div(a, b, rounding_mode="floor"), floor_div_np, "pos", NUMERIC, True),
    ("floor_divide", ember.floor_divide, floor_div_np, "pos", NUMERIC, True),
    ("remainder", ember.remainder, np.remainder, "pos", NUMERIC, True),
    ("fmod", ember.fmod, np.fmod, "pos", NUMERIC, True),
    ("pow", ember.pow, np.power, "pos", FLOATS, True),
    ("maximum", ember.maximum, np.maximum, "any", NUMERIC + [B], True),
    ("minimum", ember.minimum, np.minimum, "any", NUMERIC + [B], True),
    ("fmax", ember.fmax, np.fmax, "any", NUMERIC, True),
    ("fmin", ember.fmin, np.fmin, "any", NUMERIC, True),
    ("atan2", ember.atan2, np.arctan2, "any", FLOATS, True),
    ("eq", ember.eq, np.equal, "any", NUMERIC + [B], False),
    ("ne", ember.ne, np.not_equal, "any", NUMERIC + [B], False),
    ("lt", ember.lt, np.less, "any", NUMERIC + [B], False),
    ("le", ember.le, np.less_equal, "any", NUMERIC, False),
    ("gt", ember.gt, np.greater, "any", NUMERIC, False),
    ("ge", ember.ge, np.greater_equal, "any", NUMERIC, False),
    ("logical_and", ember.logical_and, np.logical_and, "any", NUMERIC + [B], False),
    ("logical_or", ember.logical_or, np.logical_or, "any", NUMERIC + [B], False),
    ("logical_xor", ember.logical_xor, np.logical_xor, "any", NUMERIC + [B], False),
    ("bitwise_and", ember.bitwise_and, np.bitwise_and, "any", [I64, I32, U8, B], False),
    ("bitwise_or", ember.bitwise_or, np.bitwise_or, "any", [I64, I32, U8, B], False),
    ("bitwise_xor", ember.bitwise_xor, np.bitwise_xor, "any", [I64, I32, U8, B], False),
    ("hypot", ember.hypot, np.hypot, "any", FLOATS, True),
    ("logaddexp", ember.logaddexp, np.logaddexp, "any", FLOATS, True),
    ("logaddexp2", ember.logaddexp2, np.logaddexp2, "any", FLOATS, True),
    ("xlogy", ember.xlogy, lambda a, b: a * np.log(b), "pos", NUMERIC, True),
    ("copysign", ember.copysign, np.copysign, "any", NUMERIC, True),
    ("nextafter", ember.nextafter, np.nextafter, "any", FLOATS, False),
    ("ldexp", ember.ldexp, lambda a, b: a * np.exp2(b), "any", FLOATS, True),
    ("float_power", ember.float_power, lambda a, b: np.float_power(a.astype(np.float64), b), "pos", NUMERIC, True),
    ("heaviside", ember.heaviside, np.heaviside, "any", NUMERIC, False),
    ("gcd", ember.gcd, np.gcd, "any", [I64, I32, U8], False),
    ("lcm", ember.lcm, np.lcm, "any", [I64, I32, U8], False),
    ("bitwise_left_shift", ember.bitwise_left_shift, np.left_shift, "pos", [I64, I32, U8], False),
    ("bitwise_right_shift", ember.bitwise_right_shift, np.right_shift, "pos", [I64, I32, U8], False),
]
TORCH_BINARY = {"div_trunc": lambda a, b: torch.div(a, b, rounding_mode="trunc"),
                "div_floor": lambda a, b: torch.div(a, b, rounding_mode="floor")}


def binary_layouts(rng, dtype, domain_b):
    a = sample(rng, (4, 6), dtype, "any")
    b = sample(rng, (4, 6), dtype, domain_b)
    row = sample(rng, (6,), dtype, domain_b)
    return [("contiguous", ember.from_numpy(a), ember.from_numpy(b), a, b),
            ("transposed", ember.from_numpy(a).t(), ember.from_numpy(b.T.copy()), a.T, b.T),
            ("sliced", ember.from_numpy(a[1:, ::2]), ember.from_numpy(b[1:, 1::2]), a[1:, ::2], b[1:, 1::2]),
            ("broadcast", ember.from_numpy(a), ember.from_numpy(row), a, row),
            ("0-d", ember.from_numpy(a), ember.from_numpy(np.array(row[0])), a, np.array(row[0]))]


@pytest.mark.parametrize("row", BINARY, ids=[r[0] for r in BINARY])
def test_binary_forward_vs_numpy(row, rng):
    name, fn, ref, domain, dtypes, _ = row
    for dtype in dtypes:
        for layout, x, y, xn, yn in binary_layouts(rng, dtype, domain):
            out = fn(x, y)
            with np.errstate(all="ignore"):
                want = ref(xn, yn)
            assert_close(out, np.asarray(want).astype(out.numpy().dtype), rtol=1e-5, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("row", BINARY, ids=[r[0] for r in BINARY])
def test_binary_vs_torch(row, rng):
    name, fn, _, domain, dtypes, _ = row
    tfn = TORCH_BINARY.get(name) or getattr(torch, name)
    for dtype in dtypes:
        a, b = sample(rng, (3, 4), dtype, "any"), sample(rng, (4,), dtype, domain)
        out, want = fn(ember.from_numpy(a), ember.from_numpy(b)), tfn(torch.from_numpy(a), torch.from_numpy(b))
        assert str(out.dtype) == str(want.dtype).replace("torch.", "ember."), (name, dtype)
        assert_close(out, want)


@pytest.mark.parametrize("row", [r for r in BINARY if r[5]], ids=[r[0] for r in BINARY if r[5]])
def test_binary_gradcheck(row, rng):
    name, fn, _, domain, _, _ = row
    for transpose in (False, True):
        a = leaf(rng, (3, 4), "pos" if name in ("pow", "float_power") else "any", transpose)
        b = leaf(rng, (4,), domain)  # broadcast along dim 0
        gradcheck(fn, [a, b])


def test_max_min_ties_split_gradient_like_torch():
    a = ember.tensor([1.0, 2.0, 2.0], requires_grad=True)
    b = ember.tensor([2.0, 2.0, 1.0], requires_grad=True)
    ember.maximum(a, b).sum().backward()
    assert_close(a.grad, [0.0, 0.5, 1.0])
    assert_close(b.grad, [1.0, 0.5, 0.0])
    a.grad = None
    b.grad = None
    ember.fmax(a, b).sum().backward()
    assert_close(a.grad, [0.0, 1.0, 1.0])
    assert_close(b.grad, [1.0, 0.0, 0.0])


@pytest.mark.parametrize("fn,x,want", [
    (ember.relu, [0.0, -1.0, 3.0], [0.0, 0.0, 1.0]),
    (ember.abs, [0.0, -1.0, 3.0], [0.0, -1.0, 1.0]),
    (lambda x: ember.clamp(x, min=0, max=3), [0.0, -1.0, 3.0, 4.0], [1.0, 0.0, 1.0, 0.0]),
    (lambda x: x ** 0, [0.0, 2.0], [0.0, 0.0]),
    (ember.sign, [0.0, 2.0], [0.0, 0.0]),
    (ember.floor, [0.5, 2.0], [0.0, 0.0]),
])
def test_gradient_at_kinks(fn, x, want):
    t = ember.tensor(x, requires_grad=True)
    fn(t).sum().backward()
    assert_close(t.grad, want)


def test_pow_gradients_at_zero_like_torch():
    a = ember.tensor([0.0, 1.0, 3.0], requires_grad=True)
    b = ember.tensor([0.0, 1.0, 2.0], requires_grad=True)
    (a ** b).sum().backward()
    assert_close(a.grad, [0.0, 1.0, 6.0])
    assert_close(b.grad, [0.0, 0.0, 9 * math.log(3)], rtol=1e-5)


# ---- promotion -----------------------------------------------------------------------------------

PROMOTION = [
    ("int + float scalar", lambda m: m.tensor([1, 2]) + 2.5),
    ("int * int scalar", lambda m: m.tensor([1, 2]) * 3),
    ("bool + int", lambda m: m.tensor([True, False]) + m.tensor([1, 2])),
    ("bool + bool", lambda m: m.tensor([True, False]) + m.tensor([True, True])),
    ("int32 + int64", lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([1, 2])),
    ("int32 + int64 0-d", lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor(5)),
    ("float32 + float64 0-d", lambda m: m.tensor([1.0, 2.0]) + m.tensor(5.0, dtype=m.float64)),
    ("int + float 0-d", lambda m: m.tensor([1, 2]) + m.tensor(5.0, dtype=m.float64)),
    ("uint8 + int64", lambda m: m.tensor([1, 2], dtype=m.uint8) + m.tensor([1, 2])),
    ("int / int", lambda m: m.tensor([1, 5]) / m.tensor([2, 2])),
    ("int // float", lambda m: m.tensor([1, 5]) // 2.5),
    ("int ** int", lambda m: m.tensor([2, 3]) ** 2),
    ("int ** float", lambda m: m.tensor([2, 3]) ** 2.5),
    ("int ** negative int tensor", lambda m: m.tensor([2, 1, -1]) ** m.tensor([-1, -2, -3])),
    ("scalar ** int", lambda m: 2 ** m.tensor([1, 2])),
    ("float scalar ** int", lambda m: 2.5 ** m.tensor([1, 2])),
    ("bool ** int", lambda m: m.pow(m.tensor([True, False]), 2)),
    ("int % negative", lambda m: m.tensor([5, -5, 7]) % -3),
    ("float % negative", lambda m: m.tensor([5.5, -5.5]) % -3),
    ("scalar % tensor", lambda m: -7 % m.tensor([3, -3])),
    ("fmod", lambda m: m.fmod(m.tensor([5, -5]), 3)),
    ("trunc div", lambda m: m.div(m.tensor([5, -5]), 2, rounding_mode="trunc")),
    ("floor div", lambda m: m.div(m.tensor([5, -5]), 2, rounding_mode="floor")),
    ("float floor div", lambda m: m.tensor([5.0, -5.0, 0.0]) // m.tensor([2.0, 2.0, -3.0])),
    ("rsub", lambda m: 1 - m.tensor([1, 2])),
    ("rtruediv", lambda m: 1 / m.tensor([1, 2])),
    ("rfloordiv", lambda m: 7 // m.tensor([2, -2])),
    ("int & bool", lambda m: m.tensor([3, 4]) & True),
    ("bool | bool", lambda m: m.tensor([True, False]) | m.tensor([False, False])),
    ("int ^ int", lambda m: 6 ^ m.tensor([3, 5])),
    ("~bool", lambda m: ~m.tensor([True, False])),
    ("~int", lambda m: ~m.tensor([1, -2])),
    ("int cmp float", lambda m: m.tensor([1, 2]) < 1.5),
    ("reflected cmp", lambda m: 1.5 < m.tensor([1, 2])),
    ("sqrt int", lambda m: m.sqrt(m.tensor([4, 9]))),
    ("exp bool", lambda m: m.exp(m.tensor([True, False]))),
    ("square bool", lambda m: m.square(m.tensor([True, False]))),
    ("sign bool", lambda m: m.sign(m.tensor([True, False]))),
    ("abs uint8", lambda m: m.abs(m.tensor([1, 255], dtype=m.uint8))),
    ("sign nan", lambda m: m.sign(m.tensor([-0.0, float("nan"), -2.0]))),
    ("maximum nan", lambda m: m.maximum(m.tensor([1.0, float("nan")]), m.tensor([float("nan"), 2.0]))),
    ("fmin nan", lambda m: m.fmin(m.tensor([1.0, float("nan")]), m.tensor([float("nan"), 2.0]))),
    ("maximum int/float", lambda m: m.maximum(m.tensor([1, 4]), m.tensor([2.5, 3.5]))),
    ("clamp int by float", lambda m: m.clamp(m.tensor([1, 2, 3]), min=1.5)),
    ("clamp by tensors", lambda m: m.clamp(m.tensor([1.0, 5.0, 3.0]), min=m.tensor([2.0, 0.0, 0.0]), max=m.tensor([3.0, 4.0, 2.0]))),
    ("clamp min > max", lambda m: m.clamp(m.tensor([1.0, 5.0]), min=3, max=2)),
    ("clamp nan", lambda m: m.clamp(m.tensor([1.0, float("nan")]), min=0.0, max=2.0)),
    ("clamp max only", lambda m: m.tensor([1.0, 5.0]).clamp(max=2)),
    ("clip", lambda m: m.clip(m.tensor([1.0, 5.0]), 2, 3)),
    ("clamp_min", lambda m: m.clamp_min(m.tensor([1.0, 5.0]), 2)),
    ("clamp_max", lambda m: m.tensor([1, 5]).clamp_max(2)),
    ("where scalars", lambda m: m.where(m.tensor([True, False]), 1, 2.5)),
    ("where int scalars", lambda m: m.where(m.tensor([True, False]), 1, 2)),
    ("where mixed", lambda m: m.where(m.tensor([True, False]), m.tensor([1]), 2.5)),
    ("where broadcast", lambda m: m.where(m.tensor([[True], [False]]), m.tensor([1.0, 2.0]), m.tensor(0.0, dtype=m.float64))),
    ("method where", lambda m: m.tensor([1.0, 2.0]).where(m.tensor([True, False]), 0.0)),
    ("lerp scalar", lambda m: m.lerp(m.tensor([1.0, 2.0]), m.tensor([3.0, 6.0]), 0.75)),
    ("lerp tensor", lambda m: m.lerp(m.tensor([1.0, 2.0]), m.tensor([3.0, 6.0]), m.tensor([0.25, 2.0]))),
    ("addcmul", lambda m: m.addcmul(m.tensor([1.0]), m.tensor([2.0]), m.tensor([3.0]), value=2)),
    ("addcdiv", lambda m: m.addcdiv(m.tensor([1.0, 1.0]), m.tensor([2.0, 1.0]), m.tensor([4.0, 2.0]), value=0.5)),
    ("nan_to_num", lambda m: m.nan_to_num(m.tensor([float("nan"), float("inf"), -float("inf"), 1.0]))),
    ("nan_to_num args", lambda m: m.nan_to_num(m.tensor([float("nan"), float("inf"), -float("inf")], dtype=m.float64), nan=1.0, posinf=2.0, neginf=-5)),
    ("nan_to_num int", lambda m: m.nan_to_num(m.tensor([1, 2]))),
    ("round half even", lambda m: m.round(m.tensor([0.5, 1.5, 2.5, -0.5]))),
    ("round negative decimals", lambda m: m.round(m.tensor([1234.5, -55.0]), decimals=-2)),
    ("floor int", lambda m: m.floor(m.tensor([1, -2]))),
    ("sub alpha", lambda m: m.sub(m.tensor([1.0, 2.0]), m.tensor([1.0, 1.0]), alpha=0.5)),
    ("add alpha int", lambda m: m.add(m.tensor([1, 2]), m.tensor([1, 1]), alpha=3)),
    ("true_divide", lambda m: m.true_divide(m.tensor([1]), 2)),
    ("aliases", lambda m: m.greater_equal(m.tensor([1, 2]), 2) ^ m.less(m.tensor([1, 2]), 2)),
    ("isinf", lambda m: m.isinf(m.tensor([1.0, float("inf"), -float("inf"), float("nan")]))),
    ("isfinite", lambda m: m.isfinite(m.tensor([1.0, float("inf"), float("nan")]))),
    ("positive", lambda m: +m.tensor([1.0, -2.0])),
    ("abs()", lambda m: abs(m.tensor([-1, 2]))),
    ("int64 min // -1", lambda m: m.tensor([-9223372036854775808]) // -1),
]


@requires_torch
@pytest.mark.parametrize("fn", [p[1] for p in PROMOTION], ids=[p[0] for p in PROMOTION])
def test_results_and_dtypes_match_torch(fn):
    out, want = fn(ember), fn(torch)
    assert str(out.dtype) == str(want.dtype).replace("torch.", "ember.")
    assert out.shape == tuple(want.shape)
    assert_close(out, want)


def test_ternary_gradcheck(rng):
    x, lo, hi = leaf(rng, (3, 4), "any", True), leaf(rng, (4,), "any"), leaf(rng, (3, 1), "any")
    with ember.no_grad():  # bounds apart from x, hi above lo (finite differences at the kinks disagree)
        lo.detach().numpy()[:] = np.array([-3.0, -0.5, 0.5, -0.2])
        hi.detach().numpy()[:] = np.array([[3.0], [0.7], [1.5]])
        x.detach().numpy()[np.abs(x.detach().numpy() - 0.5) < 0.05] = 0.1
    gradcheck(lambda a, b, c: ember.clamp(a, min=b, max=c), [x, lo, hi])
    gradcheck(lambda a: ember.clamp(a, min=-0.5), [x])
    gradcheck(lambda a, c: ember.clamp(a, max=c), [x, hi])
    cond = ember.from_numpy(rng.random((3, 4)) > 0.5)
    gradcheck(lambda a, b: ember.where(cond, a, b), [x, lo])
    w = leaf(rng, (3, 4), "unit")
    gradcheck(lambda a, b, c: ember.lerp(a, b, c), [x, lo, w])
    gradcheck(lambda a, b: ember.lerp(a, b, 0.3), [x, lo])
    gradcheck(lambda a, b, c: ember.addcmul(a, b, c, value=0.5), [x, lo, w])
    gradcheck(lambda a, b, c: ember.addcdiv(a, b, c + 3, value=2), [x, lo, w])
    gradcheck(lambda a: a ** 3 + 2 ** a + (a * a + 1) ** -1.5 + (a * a + 1) ** 0.5, [x])


def test_gradient_is_cast_to_input_dtype_and_summed_over_broadcast():
    a = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = ember.tensor([0.5], dtype=ember.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == ember.float32 and b.grad.dtype == ember.float64
    assert_close(b.grad, [10.0])
    assert_close(a.grad, np.full((2, 2), 0.5))


# ---- in-place --------------------------------------------------------------------------------------

INPLACE = [
    ("add_", lambda t: t.add_(2, alpha=3)), ("sub_", lambda t: t.sub_(t.new_ones(()) if False else 1.5)),
    ("mul_", lambda t: t.mul_(2)), ("div_", lambda t: t.div_(4)),
    ("div_floor", lambda t: t.div_(0.7, rounding_mode="floor")), ("floor_divide_", lambda t: t.floor_divide_(0.3)),
    ("remainder_", lambda t: t.remainder_(0.4)), ("fmod_", lambda t: t.fmod_(0.4)),
    ("pow_", lambda t: t.pow_(2)), ("pow_tensor", lambda t: t.abs_().pow_(t * 0 + 0.5)),
    ("clamp_", lambda t: t.clamp_(min=-0.5, max=0.5)), ("clamp_min_", lambda t: t.clamp_min_(0)),
    ("clip_", lambda t: t.clip_(max=0.1)), ("lerp_", lambda t: t.lerp_(t * 0 + 1, 0.25)),
    ("addcmul_", lambda t: t.addcmul_(t, t, value=2)), ("atan2_", lambda t: t.atan2_(t * 0 + 1)),
    ("iadd", lambda t: t.__iadd__(1)), ("isub", lambda t: t.__isub__(1)), ("imul", lambda t: t.__imul__(3)),
    ("itruediv", lambda t: t.__itruediv__(3)), ("ifloordiv", lambda t: t.__ifloordiv__(0.5)),
    ("imod", lambda t: t.__imod__(0.5)), ("ipow", lambda t: t.abs_().__ipow__(1.5)),
] + [(n + "_", (lambda n: lambda t: getattr(t, n + "_")())(n)) for n in
     ["neg", "exp", "exp2", "expm1", "abs", "sign", "sin", "cos", "atan", "sinh", "cosh", "tanh", "sigmoid",
      "relu", "erf", "erfc", "floor", "ceil", "round", "trunc", "frac", "square", "nan_to_num"]] + [
    ("log_", lambda t: t.abs_().add_(0.1).log_()), ("sqrt_", lambda t: t.abs_().sqrt_()),
    ("rsqrt_", lambda t: t.abs_().add_(1).rsqrt_()), ("reciprocal_", lambda t: t.abs_().add_(1).reciprocal_()),
    ("asin_", lambda t: t.clamp_(-0.9, 0.9).asin_()), ("erfinv_", lambda t: t.clamp_(-0.9, 0.9).erfinv_()), ("round_decimals", lambda t: t.round_(decimals=1)),
    ("logical_not_", lambda t: t.logical_not_()),
    ("asinh_", lambda t: t.asinh_()), ("arctanh_", lambda t: t.clamp_(-0.9, 0.9).arctanh_()),
    ("acosh_", lambda t: t.abs_().add_(1).acosh_()), ("lgamma_", lambda t: t.lgamma_()),
    ("digamma_", lambda t: t.digamma_()), ("polygamma_", lambda t: t.polygamma_(1)),
    ("mvlgamma_", lambda t: t.abs_().add_(2).mvlgamma_(p=3)), ("i0_", lambda t: t.i0_()), ("sinc_", lambda t: t.sinc_()),
    ("sgn_", lambda t: t.sgn_()), ("deg2rad_", lambda t: t.deg2rad_()), ("rad2deg_", lambda t: t.rad2deg_()),
    ("logit_", lambda t: t.clamp_(0.05, 0.95).logit_()), ("logit_eps_", lambda t: t.logit_(eps=0.25)),
    ("hypot_", lambda t: t.hypot_(t * 0 + 2)), ("xlogy_", lambda t: t.xlogy_(t.abs() + 1)),
    ("copysign_", lambda t: t.copysign_(-1)), ("nextafter_", lambda t: t.nextafter_(t * 0)),
    ("ldexp_", lambda t: t.ldexp_(t * 0 + 3)), ("igamma_", lambda t: t.abs_().igamma_(t.abs() + 1)),
    ("igammac_", lambda t: t.abs_().igammac_(t.abs() + 1)), ("heaviside_", lambda t: t.heaviside_(t * 0 + 0.5)),
    ("eq_", lambda t: t.eq_(t.clamp(min=0))), ("ne_", lambda t: t.ne_(t.clamp(min=0))), ("lt_", lambda t: t.lt_(0.2)),
    ("le_", lambda t: t.le_(t * 0)), ("gt_", lambda t: t.gt_(-0.1)), ("ge_", lambda t: t.ge_(0.3)),
    ("less_", lambda t: t.less_(0.2)), ("less_equal_", lambda t: t.less_equal_(0.2)),
    ("greater_", lambda t: t.greater_(0.2)), ("greater_equal_", lambda t: t.greater_equal_(0.2)),
    ("not_equal_", lambda t: t.not_equal_(t.clamp(max=0))), ("logical_and_", lambda t: t.logical_and_(t.gt(0))),
    ("logical_or_", lambda t: t.clamp_(min=0).logical_or_(t * 0)), ("logical_xor_", lambda t: t.logical_xor_(t.gt(0))),
]


@requires_torch
@pytest.mark.parametrize("fn", [r[1] for r in INPLACE], ids=[r[0] for r in INPLACE])
def test_inplace_matches_torch_and_bumps_version(fn, rng):
    xn = sample(rng, (3, 4), F32, "any")
    x, y = ember.from_numpy(xn.copy()), torch.from_numpy(xn.copy())
    v = x._version
    out = fn(x)
    fn(y)
    assert out is x
    assert x._version > v
    assert_close(x, y)
    # Non-contiguous self: the write goes through the view into the base.
    base = ember.from_numpy(np.ascontiguousarray(xn.T))
    tb = torch.from_numpy(np.ascontiguousarray(xn.T))
    fn(base.t())
    fn(tb.t())
    assert_close(base, tb)


def test_inplace_integer_ops():
    x = ember.tensor([5, -5, 7])
    x //= 2
    assert_close(x, [2, -3, 3])
    x %= 2
    assert_close(x, [0, 1, 1])
    x **= 2
    x |= 4
    x &= 6
    x ^= 1
    assert x.dtype == ember.int64
    assert_close(x, [5, 5, 5])


def test_inplace_autograd_rebases_history(rng):
    x = leaf(rng, (3, 4), "any")

    def f(a):
        y = a * 1
        y.mul_(a).add_(a, alpha=2).sigmoid_()
        y += a
        return y

    gradcheck(f, [x])
    y = x * 1
    y.exp_()
    assert y.grad_fn is not None and y.requires_grad


def test_inplace_errors():
    leaf_ = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf_.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf_.exp_()
    with ember.no_grad():  # allowed without grad mode
        leaf_.mul_(2)
    assert_close(leaf_.detach(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type int64"):
        ember.tensor([1]).add_(2.5)
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([1, 2]).div_(2)
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([1]).exp_()
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([True]).add_(1)
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.tensor([1, 2]).clamp_(min=0.5)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"):
        ember.zeros(3).add_(ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        ember.zeros(1).expand(3).add_(1)
    with pytest.raises(RuntimeError, match="must not be a floating point"):
        ember.tensor([1]).add_(1, alpha=2.5)


def test_version_counter_error_when_saved_input_is_modified():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = y * y
    y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()
    # exp saves its output, not its input: modifying the input is fine.
    y = x * 1
    z = y.exp()
    y.add_(1)
    z.sum().backward()
    assert_close(x.grad, np.exp([1.0, 2.0, 3.0]), rtol=1e-5)
    # x * 3 saves nothing of x (only the other operand's gradient would need it), as in PyTorch.
    x.grad = None
    y = x * 1
    z = y * 3 + y / 2
    y.add_(1)
    z.sum().backward()
    assert_close(x.grad, [3.5, 3.5, 3.5])


# ---- errors --------------------------------------------------------------------------------------

ERRORS = [
    (lambda: ember.tensor([True]) - ember.tensor([False]), RuntimeError, "Subtraction, the `-` operator, with a bool"),
    (lambda: -ember.tensor([True]), RuntimeError, "Negation, the `-` operator, on a bool"),
    (lambda: ember.tensor([1, 2]) // 0, RuntimeError, "ZeroDivisionError"),
    (lambda: ember.tensor([1, 2]) % 0, RuntimeError, "ZeroDivisionError"),
    (lambda: ember.fmod(ember.tensor([1]), ember.tensor([0])), RuntimeError, "ZeroDivisionError"),
    (lambda: ember.div(ember.tensor([1]), ember.tensor([0]), rounding_mode="trunc"), RuntimeError, "ZeroDivisionError"),
    (lambda: ember.div(ember.tensor([1.0]), 2, rounding_mode="bad"), RuntimeError, "rounding_mode to be one of None, 'trunc', or 'floor'"),
    (lambda: ember.tensor([2, 3]) ** -1, RuntimeError, "Integers to negative integer powers are not allowed"),
    (lambda: ember.pow(ember.tensor([True]), ember.tensor([True])), RuntimeError, "\"pow\" not implemented for 'bool'"),
    (lambda: ember.remainder(ember.tensor([True]), ember.tensor([True])), RuntimeError, "not implemented for 'bool'"),
    (lambda: ember.tensor([1.0]) & ember.tensor([1.0]), RuntimeError, "\"bitwise_and\" not implemented for 'float32'"),
    (lambda: ~ember.tensor([1.0]), RuntimeError, "not implemented for 'float32'"),
    (lambda: ember.abs(ember.tensor([True])), RuntimeError, "\"abs\" not implemented for 'bool'"),
    (lambda: ember.relu(ember.tensor([True])), RuntimeError, "Boolean inputs not supported for relu"),
    (lambda: ember.frac(ember.tensor([1])), RuntimeError, "\"frac\" not implemented for 'int64'"),
    (lambda: ember.gelu(ember.tensor([1])), RuntimeError, "not implemented for 'int64'"),
    (lambda: ember.gelu(ember.tensor([1.0]), approximate="sigmoid"), RuntimeError, "approximate argument must be either none or tanh"),
    (lambda: ember.clamp(ember.tensor([1.0])), RuntimeError, "At least one of 'min' or 'max' must not be None"),
    (lambda: ember.where(ember.tensor([1, 0]), 1.0, 2.0), RuntimeError, "where expected condition to be a boolean tensor"),
    (lambda: ember.lerp(ember.tensor([1]), ember.tensor([2]), 0.5), RuntimeError, "\"lerp\" not implemented for 'int64'"),
    (lambda: ember.lerp(ember.tensor([1.0]), ember.tensor([2.0], dtype=ember.float64), 0.5), RuntimeError, "expected dtype float32 for `end`"),
    (lambda: ember.addcdiv(ember.tensor([1]), ember.tensor([1]), ember.tensor([1])), RuntimeError, "Integer division with addcdiv"),
    (lambda: ember.add(ember.tensor([1]), ember.tensor([1]), alpha=0.5), RuntimeError, "alpha must not be a floating point"),
    (lambda: ember.zeros(2, 3) + ember.zeros(4), RuntimeError, r"\[2, 3\].*\[4\]"),
    (lambda: ember.tensor([1.0]).add("x"), TypeError, "must be Tensor or Number"),
    (lambda: ember.tensor([1.0]) + "x", TypeError, "unsupported operand"),
    (lambda: ember.tensor([1.0]).pow("x"), TypeError, "must be Tensor or Number"),
    (lambda: ember.hypot(ember.tensor([1]), ember.tensor([2])), RuntimeError, "\"hypot\" not implemented for 'int64'"),
    (lambda: ember.logaddexp(ember.tensor([1]), ember.tensor([2])), RuntimeError, "\"logaddexp\" not implemented for 'int64'"),
    (lambda: ember.gcd(ember.tensor([1.0]), ember.tensor([2.0])), RuntimeError, "\"gcd\" not implemented for 'float32'"),
    (lambda: ember.lcm(ember.tensor([True]), ember.tensor([True])), RuntimeError, "\"lcm\" not implemented for 'bool'"),
    (lambda: ember.tensor([1.0]) << 1, RuntimeError, "not implemented for 'float32'"),
    (lambda: ember.heaviside(ember.tensor([1.0]), ember.tensor([1])), RuntimeError, "different dtypes"),
    (lambda: ember.polygamma(-1, ember.tensor([1.0])), RuntimeError, "does not support negative n"),
    (lambda: ember.tensor([1.0]).polygamma_(-1), RuntimeError, "does not support negative n"),
    (lambda: ember.mvlgamma(ember.tensor([3.0]), 0), RuntimeError, "p has to be greater than or equal to 1"),
    (lambda: ember.frexp(ember.tensor([1])), RuntimeError, "only supports floating-point dtypes"),
    (lambda: ember.tensor([1.0]).float_power_(2), RuntimeError, "has dtype float32 but the operation's result requires dtype float64"),
    (lambda: ember.tensor([1]).xlogy_(2), RuntimeError, "can't be cast"),
    (lambda: ember.tensor([1]).lgamma_(), RuntimeError, "can't be cast"),
    (lambda: ember.tensor([1]).deg2rad_(), RuntimeError, "can't be cast"),
    (lambda: ember.positive(ember.tensor([True])), RuntimeError, "on a bool tensor is not supported"),
    (lambda: ember.tensor([1.0]).float_power("x"), TypeError, "must be Tensor or Number"),
]


@pytest.mark.parametrize("fn,exc,match", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


def test_eq_with_non_tensor_is_false_not_an_error():
    t = ember.tensor([1.0])
    assert (t == None) is False  # noqa: E711
    assert (t != "x") is True
