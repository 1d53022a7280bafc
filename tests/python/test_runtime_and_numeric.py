"""Process-wide switches (matmul precision, inter-op threads, warn_always), inspection helpers
(typename, get_device, frombuffer) and the numeric helpers gradient and unravel_index, against
PyTorch and NumPy."""
import warnings

import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck
from conftest import torch


def test_float32_matmul_precision_round_trip_and_bad_value_warns():
    assert ember.get_float32_matmul_precision() == "highest"
    ember.set_float32_matmul_precision("medium")
    try:
        assert ember.get_float32_matmul_precision() == "medium"
        with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
            ember.set_float32_matmul_precision("fast")
        assert ember.get_float32_matmul_precision() == "medium"
    finally:
        ember.set_float32_matmul_precision("highest")


def test_interop_threads():
    assert ember.get_num_interop_threads() >= 1
    ember.set_num_interop_threads(3)
    assert ember.get_num_interop_threads() == 3
    for bad in (0, -2, 1.5, True):
        with pytest.raises(RuntimeError, match="expects a positive integer"):
            ember.set_num_interop_threads(bad)


def test_warn_always_repeats_ember_warnings():
    def warn_from_ember():
        warnings.warn_explicit("repeated", UserWarning, "x.py", 1, module="ember.nn")

    assert not ember.is_warn_always_enabled()
    ember.set_warn_always(True)
    try:
        assert ember.is_warn_always_enabled()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            ember.set_warn_always(True)
            warn_from_ember()
            warn_from_ember()
        assert len(caught) == 2
    finally:
        ember.set_warn_always(False)
    assert not ember.is_warn_always_enabled()


def test_typename_and_get_device():
    assert ember.typename(ember.ones(2)) == ember.ones(2).type() == "ember.FloatTensor"
    assert ember.typename(ember.ones(2, dtype=ember.int64)) == "ember.LongTensor"
    assert ember.typename(3) == "int"
    assert ember.typename(np.zeros(1)) == "numpy.ndarray"
    assert ember.get_device(ember.ones(1)) == -1


def test_frombuffer_shares_memory_and_checks_lengths():
    buf = bytearray(np.arange(6, dtype=np.float32).tobytes())
    t = ember.frombuffer(buf, dtype=ember.float32, count=3, offset=8)
    assert t.tolist() == [2.0, 3.0, 4.0]
    t[0] = 10.0
    assert np.frombuffer(buf, dtype=np.float32)[2] == 10.0
    assert ember.frombuffer(buf, dtype=ember.int64).shape == (3,)
    assert ember.frombuffer(buf, dtype=ember.float32, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match=r"must be a multiple of element size \(4\)"):
        ember.frombuffer(b"abc", dtype=ember.float32)
    with pytest.raises(ValueError, match="must not be greater than actual buffer length"):
        ember.frombuffer(buf, dtype=ember.float32, count=7)
    with pytest.raises(ValueError, match="offset"):
        ember.frombuffer(buf, dtype=ember.float32, offset=-4)
    with pytest.warns(UserWarning, match="not writable"):
        assert ember.frombuffer(b"\x01\x00\x00\x00", dtype=ember.int32).tolist() == [1]


GRADIENT_CASES = [
    ({}, None),
    ({"edge_order": 2}, None),
    ({"dim": 1}, None),
    ({"dim": (1, 0), "spacing": [2.0, 0.5]}, None),
    ({"spacing": 0.25}, None),
    ({"dim": 0}, [0.0, 1.0, 3.0, 3.5]),
    ({"dim": 0, "edge_order": 2}, [0.0, 1.0, 3.0, 3.5]),
]


@pytest.mark.parametrize("kwargs,coordinates", GRADIENT_CASES)
def test_gradient_matches_numpy_and_torch(rng, kwargs, coordinates):
    values = rng.standard_normal((4, 5))
    kwargs = dict(kwargs)
    if coordinates is not None:
        kwargs["spacing"] = (ember.tensor(coordinates, dtype=ember.float64),)
    result = ember.gradient(ember.from_numpy(values), **kwargs)
    dims = kwargs.get("dim", (0, 1))
    dims = (dims,) if isinstance(dims, int) else dims
    spacing = kwargs.get("spacing", 1.0)
    if coordinates is not None:
        np_spacing = [np.array(coordinates)]
    elif isinstance(spacing, list):
        np_spacing = spacing
    else:
        np_spacing = [spacing] * len(dims)
    expected = np.gradient(values, *np_spacing, axis=dims, edge_order=kwargs.get("edge_order", 1))
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    assert len(result) == len(dims)
    for r, e in zip(result, expected):
        assert_close(r, e)
    t_kwargs = dict(kwargs)
    if coordinates is not None:
        t_kwargs["spacing"] = (torch.tensor(coordinates, dtype=torch.float64),)
    for r, t in zip(result, torch.gradient(torch.from_numpy(values), **t_kwargs)):
        assert_close(r, t)


def test_gradient_of_integers_is_float_and_differentiable(rng):
    assert ember.gradient(ember.tensor([1, 4, 9, 16]))[0].tolist() == [3.0, 4.0, 6.0, 7.0]
    assert ember.gradient(ember.tensor([1, 4, 9, 16]))[0].dtype == ember.float32
    x = ember.from_numpy(rng.standard_normal((5, 4))).t().requires_grad_()
    coords = ember.tensor([0.0, 0.5, 2.0, 2.5, 4.0], dtype=ember.float64)
    assert gradcheck(lambda a: ember.gradient(a, spacing=(coords,), dim=1, edge_order=2), [x])
    assert gradcheck(lambda a: ember.gradient(a, edge_order=1), [x])


def test_gradient_errors():
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        ember.gradient(ember.ones(2), edge_order=2)
    with pytest.raises(RuntimeError, match="only supports edge_order=1 and edge_order=2"):
        ember.gradient(ember.ones(4), edge_order=3)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
        ember.gradient(ember.ones(3, 4), dim=(0, 0))
    with pytest.raises(RuntimeError, match="a spacing argument of length 2 and a dim argument of length 1"):
        ember.gradient(ember.ones(3, 4), spacing=[1.0, 2.0], dim=1)
    with pytest.raises(RuntimeError, match="since dim argument was not given"):
        ember.gradient(ember.ones(3, 4), spacing=[2.0])
    with pytest.raises(RuntimeError, match=r"input.size\(1\) = 4, got 3"):
        ember.gradient(ember.ones(3, 4), spacing=(ember.arange(3.0),), dim=1)
    with pytest.raises(TypeError, match="spacing"):
        ember.gradient(ember.ones(3, 4), spacing=ember.tensor(2.0))


def test_unravel_index_matches_torch():
    for indices, shape in [([5, 7, 0], (2, 4)), ([[3, 11], [-1, 9]], (3, 4)), (7, (2, 2, 2)), ([4], 6), (3, ())]:
        ours = ember.unravel_index(ember.tensor(indices) if not isinstance(indices, int) else indices, shape)
        theirs = torch.unravel_index(torch.tensor(indices), shape)
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert o.dtype == ember.int64
            assert o.tolist() == t.tolist()
    with pytest.raises(TypeError, match="integer dtype, but got ember.float32"):
        ember.unravel_index(ember.tensor([1.0]), (2, 2))
    with pytest.raises(ValueError, match="negative"):
        ember.unravel_index(ember.tensor([1]), (2, -2))
    with pytest.raises(RuntimeError, match="zero-size dim"):
        ember.unravel_index(ember.tensor([1]), (2, 0))


@pytest.mark.parametrize("size,layout", [((2, 3, 5), (2, 0, 1)), ((4, 6), (1, 0)), ((3,), (0,)), ((), ())])
def test_empty_permuted_strides_match_torch(size, layout):
    ours = ember.empty_permuted(size, layout, dtype=ember.float64, requires_grad=True)
    theirs = torch.empty_permuted(size, layout)
    assert ours.shape == tuple(theirs.shape) and ours.stride() == theirs.stride()
    assert ours.dtype == ember.float64 and ours.requires_grad and ours.is_leaf


def test_empty_permuted_errors():
    with pytest.raises(RuntimeError, match="Duplicate dim not allowed"):
        ember.empty_permuted((2, 3), (0, 0))
    with pytest.raises(RuntimeError, match=r"len\(size\) = 2 is not equal to len\(physical_layout\) = 1"):
        ember.empty_permuted((2, 3), (0,))
    with pytest.raises(IndexError, match="not a permutation"):
        ember.empty_permuted((2, 3), (0, 2))


def test_set_flush_denormal_zeroes_subnormals_on_this_thread():
    subnormal32 = np.array([1e-39], dtype=np.float32)
    try:
        assert ember.set_flush_denormal(True) is True
        assert (ember.from_numpy(subnormal32) * 1.0).item() == 0.0
        assert (ember.tensor([1e-320], dtype=ember.float64) * 1).item() == 0.0
    finally:
        assert ember.set_flush_denormal(False) is True
    assert (ember.from_numpy(subnormal32) * 1.0).item() == pytest.approx(1e-39, rel=1e-6)
