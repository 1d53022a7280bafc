"""Creation functions: ember.tensor's dtype inference, constant factories, ranges, legacy types."""
import math

import numpy as np
import pytest

import ember
from conftest import requires_torch
from ember.testing import assert_close

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def both(expr):
    return (eval(expr, {"T": ember, "np": np, "math": math}), eval(expr, {"T": torch, "np": np, "math": math}))


def same(e, t):
    assert str(e.dtype) == str(t.dtype).replace("torch.", "ember."), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    assert_close(e, t.numpy(), rtol=1e-6, atol=1e-6)


TENSOR_CASES = [
    "T.tensor([[True, False]])", "T.tensor([1, 2, 3])", "T.tensor([1.5, 2])", "T.tensor([True, 2])",
    "T.tensor([True, 2.5])", "T.tensor([])", "T.tensor([[]])", "T.tensor(3)", "T.tensor(3.5)", "T.tensor(False)",
    "T.tensor([[1, 2], [3, 4]], dtype=T.float64)", "T.tensor([1.7, -1.7], dtype=T.int64)",
    "T.tensor((1, 2.0))", "T.tensor(np.float64(2.5))", "T.tensor(np.int32(3))",
    "T.tensor([np.float64(1.0), 2])", "T.tensor([np.float32(1.0), 2.5])", "T.tensor([np.int32(1), 2])",
    "T.tensor(np.arange(4, dtype=np.float32))", "T.tensor(np.arange(4, dtype=np.float64))",
    "T.tensor(np.arange(4, dtype=np.int32))", "T.tensor(np.arange(4, dtype=np.uint8))",
    "T.tensor(np.array([True, False]))", "T.tensor(np.arange(6.).reshape(2, 3).T)",
    "T.tensor([T.tensor(1.5), T.tensor(2.5)])", "T.tensor([T.tensor(1, dtype=T.int32), T.tensor(2, dtype=T.int32)])",
    "T.tensor([T.tensor(1.0, dtype=T.float64), 2])", "T.tensor([[1, 2]], dtype=T.bool)",
    "T.tensor(T.arange(3))",
]


@requires_torch
@pytest.mark.parametrize("expr", TENSOR_CASES)
def test_tensor_inference_matches_torch(expr):
    same(*both(expr))


def test_tensor_copies():
    a = np.zeros(3)
    t = ember.tensor(a)
    a[0] = 1
    assert t.tolist() == [0, 0, 0]
    src = ember.ones(2, requires_grad=True)
    c = ember.tensor(src)
    assert not c.requires_grad and c.data_ptr() != src.data_ptr()
    assert ember.tensor([1.0], requires_grad=True).requires_grad


@pytest.mark.parametrize("data,exc,match", [
    (["a", "b"], TypeError, "Could not infer dtype of str"),
    ([1, [2, 3]], ValueError, "sequence"),
    ([[1, 2], [3]], ValueError, "sequence"),
    ([1 + 2j], TypeError, "Could not infer dtype of complex"),
])
def test_tensor_errors(data, exc, match):
    with pytest.raises(exc, match=match):
        ember.tensor(data)


def test_tensor_requires_grad_on_ints():
    with pytest.raises(RuntimeError, match="floating"):
        ember.tensor([1, 2], requires_grad=True)


FACTORY_CASES = [
    "T.zeros(2, 3)", "T.zeros((2, 3))", "T.zeros([2, 3], dtype=T.int64)", "T.zeros(size=(2, 3))", "T.zeros(())",
    "T.ones(4)", "T.ones(2, 2, dtype=T.bool)", "T.full((2, 2), 7)", "T.full((2,), 1.5)", "T.full((2,), True)",
    "T.full((1, 2), 3, dtype=T.float64)", "T.zeros_like(T.ones(2, dtype=T.int32))",
    "T.ones_like(T.zeros(2, 3), dtype=T.float64)", "T.full_like(T.zeros(3, dtype=T.int64), 4)",
    "T.empty(2, 3).shape", "T.empty_like(T.zeros(2, dtype=T.uint8)).dtype",
    "T.arange(5)", "T.arange(5.)", "T.arange(1, 4)", "T.arange(0, 1, 0.1)", "T.arange(1, 2.5, 0.5)",
    "T.arange(10, 0, -3)", "T.arange(-1.0, 1.0, 0.3)", "T.arange(0, 10, 3, dtype=T.float64)",
    "T.arange(5, dtype=T.int32)", "T.arange(0.5, 3)", "T.arange(0, 5, 1.5)", "T.arange(0, 100000, 7)",
    "T.arange(0, 1.0, 1 / 3)", "T.arange(np.int64(4))",
    "T.linspace(0, 1, 5)", "T.linspace(-3, 7, 11)", "T.linspace(0, 1, 1)", "T.linspace(0, 1, 0)",
    "T.linspace(1, 0, 6, dtype=T.float64)", "T.linspace(0, 10, 4, dtype=T.int64)", "T.linspace(0, 1, 5, dtype=T.int64)",
    "T.linspace(-5.5, 5.5, 1001)",
    "T.logspace(0, 3, 4)", "T.logspace(0, 2, 3, base=2)", "T.logspace(-2, 2, 9, dtype=T.float64)",
    "T.logspace(0, 3, 4, dtype=T.int64)",
    "T.eye(3)", "T.eye(2, 4)", "T.eye(4, 2, dtype=T.int64)", "T.eye(0)", "T.eye(3, dtype=T.bool)",
]


@requires_torch
@pytest.mark.parametrize("expr", FACTORY_CASES)
def test_factories_match_torch(expr):
    e, t = both(expr)
    if isinstance(t, torch.Tensor):
        same(e, t)
    else:
        assert str(e) == str(t).replace("torch.", "ember.")


def test_factory_options():
    t = ember.zeros(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert ember.ones(2, device="cpu").device == ember.device("cpu")
    assert ember.arange(3., requires_grad=True).requires_grad
    s = ember.empty_strided((2, 3), (1, 2))
    assert s.stride() == (1, 2) and tuple(s.shape) == (2, 3)
    assert ember.empty_strided((0, 3), (3, 1)).numel() == 0


def test_arange_large_is_exact():
    t = ember.arange(0, 2 ** 40, 2 ** 30)
    assert t.tolist() == list(range(0, 2 ** 40, 2 ** 30))
    f = ember.arange(0, 100000, dtype=ember.float64)
    assert f.tolist()[-1] == 99999.0


@pytest.mark.parametrize("call,exc,match", [
    (lambda: ember.arange(0, 1, 0), RuntimeError, "step must be nonzero"),
    (lambda: ember.arange(0, 5, -1), RuntimeError, "inconsistent with step sign"),
    (lambda: ember.arange(0, math.inf), RuntimeError, "unsupported range"),
    (lambda: ember.linspace(0, 1, -1), RuntimeError, "non-negative"),
    (lambda: ember.logspace(0, 1, 3, base=-2.0), RuntimeError, "base must be positive"),
    (lambda: ember.eye(-1), RuntimeError, "must be greater or equal to 0"),
    (lambda: ember.zeros(2, -1), RuntimeError, "negative dimension"),
    (lambda: ember.zeros(2, 3.5), TypeError, "must be a tuple of ints"),
    (lambda: ember.zeros(2, size=(2,)), TypeError, "multiple values for argument 'size'"),
    (lambda: ember.empty_strided((2, 3), (1,)), RuntimeError, "mismatch in length"),
])
def test_creation_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_legacy_constructors():
    t = ember.Tensor(2, 3)
    assert t.dtype == ember.float32 and tuple(t.shape) == (2, 3)
    assert ember.Tensor([1, 2]).tolist() == [1.0, 2.0] and ember.Tensor([1, 2]).dtype == ember.float32
    assert tuple(ember.Tensor().shape) == (0,)
    assert ember.FloatTensor([1, 2]).dtype == ember.float32
    assert ember.LongTensor([1.5, 2]).tolist() == [1, 2]
    assert ember.DoubleTensor(3).dtype == ember.float64 and tuple(ember.DoubleTensor(3).shape) == (3,)
    assert ember.BoolTensor([1, 0]).tolist() == [True, False]
    assert ember.IntTensor(2, 2).dtype == ember.int32 and ember.ByteTensor([1]).dtype == ember.uint8
    assert isinstance(ember.zeros(1), ember.FloatTensor) and not isinstance(ember.zeros(1), ember.LongTensor)
    assert isinstance(ember.zeros(1), ember.Tensor)
    with pytest.raises(TypeError, match="expected int64"):
        ember.LongTensor(ember.zeros(2))


# ---- 0-d tensors where PyTorch takes a Number ---------------------------------------------------------

def test_zero_dim_tensor_is_accepted_as_a_number():
    assert ember.full((2,), ember.tensor(1.5)).tolist() == [1.5, 1.5]
    assert ember.full_like(ember.zeros(2), ember.tensor(3)).tolist() == [3.0, 3.0]
    x = ember.ones(2)
    x.add_(ember.ones(2), alpha=ember.tensor(2.0))
    assert x.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match="incompatible function arguments"):
        ember.full((2,), ember.tensor([1.5]))  # only 0-d tensors stand for numbers, as in PyTorch


def test_fill_with_a_tensor_value_is_differentiable():
    w = ember.tensor(2.0, dtype=ember.float64, requires_grad=True)
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64, requires_grad=True).clone()
    x[0].fill_(w)
    (x * ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64)).sum().backward()
    assert w.grad.item() == 3.0  # d/dw of 1*w + 2*w
    assert x.tolist()[0] == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor but got tensor with 1 "
                                           "dimensions"):
        ember.zeros(3).fill_(ember.ones(2))
    with pytest.raises(TypeError, match="fill_\\(\\): argument 'value' must be Number, not str"):
        ember.zeros(3).fill_("a")
