"""isclose / allclose / equal against PyTorch: tolerances, infinities, NaN, integer and bool
inputs, broadcasting, non-contiguous inputs, and the error paths."""
import math

import numpy as np
import pytest

import ember
from conftest import torch

INF, NAN = math.inf, math.nan
CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.00001, 3.1], {}),
    ([1.0, 2.0, 3.0], [1.0, 2.00001, 3.1], {"rtol": 0.05}),
    ([INF, -INF, NAN, 1e10], [INF, INF, NAN, 1.00001e10], {}),
    ([INF, -INF, NAN, 1e10], [INF, INF, NAN, 1.00001e10], {"equal_nan": True}),
    ([0.0, 1e-9], [1e-8, 0.0], {"rtol": 0.0}),
    ([0.0, 1e-9], [1e-8, 0.0], {"rtol": 0.0, "atol": 0.0}),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("a,b,kwargs", CASES)
def test_isclose_and_allclose_match_torch(a, b, kwargs, dtype):
    ea, eb = ember.tensor(a, dtype=getattr(ember, dtype)), ember.tensor(b, dtype=getattr(ember, dtype))
    ta, tb = torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(b, dtype=getattr(torch, dtype))
    result = ember.isclose(ea, eb, **kwargs)
    assert result.dtype == ember.bool
    assert result.tolist() == torch.isclose(ta, tb, **kwargs).tolist()
    assert ea.isclose(eb, **kwargs).tolist() == result.tolist()
    assert ember.allclose(ea, eb, **kwargs) == torch.allclose(ta, tb, **kwargs)
    assert ea.allclose(eb, **kwargs) == torch.allclose(ta, tb, **kwargs)


@pytest.mark.parametrize("a,b,kwargs", [([5, 7], [6, 7], {"atol": 1.5}), ([5, 7], [6, 9], {}),
                                        ([100, 7], [101, 7], {"rtol": 0.01}), ([True, False], [True, True], {})])
def test_isclose_integers_and_bools_match_torch(a, b, kwargs):
    assert ember.isclose(ember.tensor(a), ember.tensor(b), **kwargs).tolist() == \
        torch.isclose(torch.tensor(a), torch.tensor(b), **kwargs).tolist()


def test_isclose_broadcasts_and_takes_strided_inputs(rng):
    base = rng.standard_normal((4, 6))
    a = ember.from_numpy(base).t()[::2]
    b = ember.from_numpy(base.T[::2, :1] + 1e-9)
    expected = torch.isclose(torch.from_numpy(base).t()[::2], torch.from_numpy(base.T[::2, :1] + 1e-9))
    assert ember.isclose(a, b).tolist() == expected.tolist()
    assert ember.allclose(ember.ones(2, 1), ember.ones(1, 2))


def test_equal_matches_torch():
    pairs = [([1, 2], [1.0, 2.0]), ([1.0, NAN], [1.0, NAN]), ([[1, 2]], [1, 2]), ([1, 2], [1, 3]),
             ([True], [1]), ([], [])]
    for a, b in pairs:
        assert ember.equal(ember.tensor(a), ember.tensor(b)) == torch.equal(torch.tensor(a), torch.tensor(b)), (a, b)
    x = ember.from_numpy(np.arange(12.0).reshape(3, 4))
    assert ember.equal(x.t(), x.t().contiguous()) and x.t().equal(x.t().clone())
    assert not ember.equal(ember.ones(2), ember.ones(3))


def test_errors():
    with pytest.raises(RuntimeError, match="Float did not match Double"):
        ember.isclose(ember.ones(1), ember.ones(1, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero, but got -1"):
        ember.isclose(ember.ones(2), ember.ones(2), rtol=-1)
    with pytest.raises(RuntimeError, match="atol must be greater than or equal to zero"):
        ember.allclose(ember.ones(2), ember.ones(2), atol=-0.5)
    with pytest.raises(RuntimeError, match=r"shapes \[2\] and \[3\] cannot be broadcast"):
        ember.allclose(ember.ones(2), ember.ones(3))
    with pytest.raises(TypeError, match="argument 'other' \\(position 2\\) must be Tensor, not float"):
        ember.isclose(ember.ones(2), 1.0)
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.equal([1], ember.ones(1))
