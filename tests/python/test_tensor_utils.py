"""Predicates, small views and conversions (is_nonzero, sum_to_size, adjoint/mH/H, range, ...),
window functions, and the deterministic/default-device switches, against PyTorch."""
import warnings

import pytest

import ember
from ember.testing import assert_close, gradcheck
from conftest import torch


def test_predicates_match_torch():
    for values in ([0.0], [3], [True], [[0]]):
        assert ember.is_nonzero(ember.tensor(values)) == torch.is_nonzero(torch.tensor(values))
    for bad, message in (([], "no values"), ([1, 2], "more than one value")):
        with pytest.raises(RuntimeError, match=message):
            ember.is_nonzero(ember.tensor(bad))
    assert ember.is_same_size(ember.ones(2, 3), ember.zeros(2, 3)) and not ember.ones(2).is_same_size(ember.ones(3))
    for dtype in ("float32", "int64", "uint8", "bool"):
        assert ember.is_signed(ember.ones(1, dtype=getattr(ember, dtype))) == \
            torch.is_signed(torch.ones(1, dtype=getattr(torch, dtype)))
    assert ember.is_complex(ember.ones(1)) is False and ember.ones(1).is_complex() is False


def test_views_and_conversions_match_torch(rng):
    a = rng.standard_normal((2, 3, 4))
    e, t = ember.from_numpy(a), torch.from_numpy(a)
    assert_close(ember.ravel(e.transpose(0, 2)), torch.ravel(t.transpose(0, 2)))
    assert_close(e.adjoint(), t.adjoint())
    assert_close(e.mH, t.mH)
    assert_close(e[0].H, t[0].H)
    assert_close(e.sum_to_size(3, 1), t.sum_to_size(3, 1))
    assert_close(e.sum_to_size((1, 1, 4)), t.sum_to_size((1, 1, 4)))
    assert_close(ember.clone(e), e) and ember.clone(e).data_ptr() != e.data_ptr()
    assert ember.scalar_tensor(3).dtype == ember.float32 and ember.scalar_tensor(3).item() == 3.0
    assert_close(ember.rsub(ember.ones(2), 5, alpha=2), torch.rsub(torch.ones(2), 5, alpha=2))
    assert_close(ember.rsub(ember.ones(2), ember.full((2,), 4.0)), torch.rsub(torch.ones(2), torch.full((2,), 4.0)))
    assert_close(ember.fill(ember.ones(2), 3), torch.fill(torch.ones(2), 3))
    z = ember.ones(2)
    assert ember.zero_(z) is z and z.tolist() == [0.0, 0.0]
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        assert_close(ember.range(0, 1, 0.25), torch.arange(0, 1.01, 0.25))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.range(1, 4).tolist() == [1.0, 2.0, 3.0, 4.0]
        assert ember.range(5, 1, -2).tolist() == [5.0, 3.0, 1.0]


def test_differentiable_views():
    x = ember.ones(3, 4, dtype=ember.float64).t().requires_grad_()
    assert gradcheck(lambda v: v.sum_to_size(1, 3), [x])
    assert gradcheck(lambda v: v.mH.ravel(), [x])


def test_errors():
    with pytest.raises(RuntimeError, match="only supported on matrices or batches of matrices. Got 1-D"):
        ember.ones(3).adjoint()
    with pytest.raises(RuntimeError, match="tensor.mH is only supported"):
        ember.ones(3).mH
    with pytest.raises(RuntimeError, match="consider using tensor.mH"):
        ember.ones(2, 3, 4).H
    with pytest.raises(RuntimeError, match=r"size \{\[3\]\} is not expandable to size \{\[2\]\}"):
        ember.ones(2).sum_to_size(3)


def test_legacy_constructors_and_python_maps():
    x = ember.ones(2, dtype=ember.float64)
    assert x.new(3).shape == (3,) and x.new(3).dtype == ember.float64
    assert x.new([1, 2]).tolist() == [1.0, 2.0]
    s = x.new_empty_strided((2, 3), (1, 2))
    assert s.stride() == (1, 2) and s.dtype == ember.float64
    assert ember.ones(3).apply_(lambda v: v * 2).tolist() == [2.0, 2.0, 2.0]
    assert ember.ones(3).map_(ember.full((3,), 2.0), lambda a, b: a + b).tolist() == [3.0, 3.0, 3.0]
    y = ember.arange(3.0)
    y.map2_(ember.ones(3), ember.full((1,), 10.0), lambda a, b, c: a * c + b)
    assert y.tolist() == [1.0, 11.0, 21.0]


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
@pytest.mark.parametrize("length", [0, 1, 2, 7, 16])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name, length, periodic):
    ours = getattr(ember, name)(length, periodic, dtype=ember.float64)
    theirs = getattr(torch, name)(length, periodic, dtype=torch.float64)
    assert_close(ours, theirs, atol=1e-12, rtol=1e-10)
    assert getattr(ember, name)(4).dtype == ember.float32


def test_window_errors():
    with pytest.raises(RuntimeError, match="requires non-negative window length"):
        ember.hann_window(-1)
    with pytest.raises(RuntimeError, match="expects floating point dtypes"):
        ember.hamming_window(4, dtype=ember.int64)


def test_deterministic_switches_round_trip_like_torch():
    assert not ember.are_deterministic_algorithms_enabled() and ember.get_deterministic_debug_mode() == 0
    try:
        ember.use_deterministic_algorithms(True, warn_only=True)
        assert ember.are_deterministic_algorithms_enabled() and ember.is_deterministic_algorithms_warn_only_enabled()
        assert ember.get_deterministic_debug_mode() == 1
        ember.set_deterministic_debug_mode("error")
        assert ember.get_deterministic_debug_mode() == 2 and not ember.is_deterministic_algorithms_warn_only_enabled()
        with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
            ember.set_deterministic_debug_mode("loud")
    finally:
        ember.set_deterministic_debug_mode(0)
    assert not ember.are_deterministic_algorithms_enabled()


def test_default_device():
    assert ember.get_default_device() == ember.device("cpu")
    ember.set_default_device("cpu")
    ember.set_default_device(None)
    with pytest.raises(RuntimeError, match="built without a cuda backend"):
        ember.set_default_device("cuda")


def test_detach_module_level_and_module_load():
    x = ember.ones(2, requires_grad=True) * 2
    assert not ember.detach(x).requires_grad
    y = ember.ones(2, requires_grad=True) * 3
    assert ember.detach_(y) is y and not y.requires_grad
    p = ember.zeros(2)
    loaded = p.module_load(ember.full((2,), 4.0))
    assert p.tolist() == [4.0, 4.0] and loaded is not p
    fresh = ember.full((2,), 5.0, requires_grad=True)
    assigned = p.module_load(fresh, assign=True)
    assert assigned.tolist() == [5.0, 5.0] and not assigned.requires_grad and p.tolist() == [4.0, 4.0]
    assert ember.ones(3).broadcast_to((2, 3)).shape == (2, 3)


def test_set_default_tensor_type():
    try:
        ember.set_default_tensor_type(ember.DoubleTensor)
        assert ember.get_default_dtype() == ember.float64 and ember.tensor([1.5]).dtype == ember.float64
        ember.set_default_tensor_type("torch.FloatTensor")
        assert ember.get_default_dtype() == ember.float32
        with pytest.raises(TypeError, match="only floating-point types"):
            ember.set_default_tensor_type(ember.LongTensor)
    finally:
        ember.set_default_dtype(ember.float32)


def test_functional_pdist_is_torch_pdist(rng):
    a = rng.standard_normal((4, 3))
    assert_close(ember.nn.functional.pdist(ember.from_numpy(a)), torch.nn.functional.pdist(torch.from_numpy(a)))
