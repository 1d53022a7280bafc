"""ember.erfinv / Tensor.erfinv(_) / ember.special.erfinv and Normal.icdf: accuracy (math.erf round
trip, PyTorch), edge values, dtype promotion, float64 gradcheck, errors."""
import math

import numpy as np
import pytest

import ember
from ember.testing import gradcheck
from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

# interior points, points near +-1 where erf is flat, exact edges, outside the domain, nan
INTERIOR = np.concatenate([np.linspace(-0.999, 0.999, 201), [1e-300, -1e-20, 1e-8, 0.4999, 0.5, 0.5001]])
NEAR_ONE = np.array([1 - 1e-6, 1 - 1e-10, 1 - 1e-13, 1 - 2.0 ** -52, 1 - 2.0 ** -53, -(1 - 2.0 ** -53)])


@pytest.mark.parametrize("values", [INTERIOR, NEAR_ONE], ids=["interior", "near_one"])
def test_erf_round_trip_float64(values):
    out = ember.erfinv(ember.tensor(values)).numpy()
    back = np.array([math.erf(v) for v in out])
    # erf is flat near +-1: compare 1 - |y| there (exact), where the float64 rounding of erf hides it
    tail = np.abs(values) > 0.5
    np.testing.assert_allclose(back[~tail], values[~tail], rtol=4e-16, atol=1e-300)
    erfc_back = np.array([math.erfc(abs(v)) for v in out[tail]])
    np.testing.assert_allclose(erfc_back, 1 - np.abs(values[tail]), rtol=1e-14)
    assert np.all(np.sign(out) == np.sign(values))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_vs_torch(dtype):
    values = np.concatenate([INTERIOR, NEAR_ONE if dtype == "float64" else [1 - 2.0 ** -24],
                             [1.0, -1.0, 0.0, 1.5, -3.0, np.inf, np.nan]]).astype(dtype)
    ours = ember.erfinv(ember.tensor(values)).numpy()
    theirs = torch.erfinv(torch.tensor(values)).numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=3e-7 if dtype == "float32" else 1e-14, equal_nan=True)


def test_edges_and_promotion():
    out = ember.erfinv(ember.tensor([1.0, -1.0, 0.0, 1.0000001, -2.0, float("nan")])).numpy()
    assert out[0] == np.inf and out[1] == -np.inf and out[2] == 0
    assert np.isnan(out[3:]).all()
    ints = ember.erfinv(ember.tensor([1, 0, -1]))
    assert ints.dtype == ember.float32
    np.testing.assert_array_equal(ints.numpy(), [np.inf, 0, -np.inf])
    assert ember.erfinv(ember.tensor([True])).dtype == ember.float32
    assert ember.special.erfinv is ember.erfinv


def test_method_inplace_and_noncontiguous(rng):
    a = rng.uniform(-0.99, 0.99, (4, 6))
    t = ember.tensor(a)
    expected = ember.erfinv(ember.tensor(a)).numpy()
    np.testing.assert_array_equal(t.erfinv().numpy(), expected)
    np.testing.assert_array_equal(t.T.erfinv().numpy(), expected.T)
    np.testing.assert_array_equal(t[:, ::2].erfinv().numpy(), expected[:, ::2])
    assert t.erfinv_() is t
    np.testing.assert_array_equal(t.numpy(), expected)
    with pytest.raises(RuntimeError, match="can.t be cast to the desired output type"):
        ember.tensor([0, 1]).erfinv_()


def test_gradcheck(rng):
    x = ember.tensor(rng.uniform(-0.9, 0.9, (3, 8)))[:, ::2].requires_grad_()
    assert gradcheck(ember.erfinv, [x])
    y = ember.tensor(0.3, dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad(ember.erfinv(y), y, create_graph=True)
    np.testing.assert_allclose(g.item(), math.sqrt(math.pi) / 2 * math.exp(ember.erfinv(y).item() ** 2), rtol=1e-14)

    def first_grad(v):
        with ember.enable_grad():  # gradcheck evaluates under no_grad
            return ember.autograd.grad(ember.erfinv(v), v, create_graph=True)[0]
    assert gradcheck(first_grad, [y])


def test_special_aliases():
    x = ember.tensor([0.25, -0.5])
    for name, fn in [("erf", ember.erf), ("erfc", ember.erfc), ("expit", ember.sigmoid), ("exp2", ember.exp2),
                     ("expm1", ember.expm1), ("log1p", ember.log1p)]:
        np.testing.assert_array_equal(getattr(ember.special, name)(x).numpy(), fn(x).numpy())
    np.testing.assert_array_equal(ember.special.softmax(x, 0).numpy(), ember.softmax(x, 0).numpy())


@requires_torch
def test_normal_icdf_vs_torch(rng):
    loc, scale = rng.standard_normal(3), rng.random(3) + 0.5
    p = rng.random((4, 3))
    ours = ember.distributions.Normal(ember.tensor(loc, requires_grad=True), ember.tensor(scale, requires_grad=True))
    theirs = torch.distributions.Normal(torch.tensor(loc, requires_grad=True), torch.tensor(scale, requires_grad=True))
    a, b = ours.icdf(ember.tensor(p)), theirs.icdf(torch.tensor(p))
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(ours.cdf(a).detach().numpy(), p, rtol=1e-13)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(ours.loc.grad.numpy(), theirs.loc.grad.numpy())
    np.testing.assert_allclose(ours.scale.grad.numpy(), theirs.scale.grad.numpy(), rtol=1e-13)
    edge = ember.distributions.Normal(0.0, 1.0).icdf(ember.tensor([0.0, 1.0, 0.5]))
    np.testing.assert_array_equal(edge.numpy(), [-np.inf, np.inf, 0.0])
    p64 = ember.tensor(rng.random(5) * 0.98 + 0.01, requires_grad=True)
    assert gradcheck(lambda q: ember.distributions.Normal(ember.tensor(0.5, dtype=ember.float64),
                                                          ember.tensor(2.0, dtype=ember.float64)).icdf(q), [p64])
