"""Tensor printing, conversions (Python, NumPy, DLPack, dtype/device), dtype helpers and GIL release."""
import math
import threading

import numpy as np
import pytest

import ember
from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def both(expr):
    """Evaluates expr with T bound to ember and to torch."""
    return eval(expr, {"T": ember, "np": np, "inf": math.inf, "nan": math.nan}), \
        eval(expr, {"T": torch, "np": np, "inf": math.inf, "nan": math.nan})


# ---- printing ---------------------------------------------------------------------------------

REPR_CASES = [
    "T.tensor([[1., 2.]])",
    "T.tensor([1, 2])",
    "T.tensor(3.5)",
    "T.tensor(3)",
    "T.tensor(True)",
    "T.tensor([True, False])",
    "T.tensor([1e-5, 1.])",
    "T.tensor([1e9, 1.])",
    "T.tensor([123456789.0, 0.5])",
    "T.tensor([0.1, 1000.0])",
    "T.tensor([0.1, 100.0])",
    "T.tensor([1., 2.], dtype=T.float64)",
    "T.tensor([1, 2], dtype=T.int32)",
    "T.tensor([1, 200], dtype=T.uint8)",
    "T.tensor([-1, 20, -300])",
    "T.tensor([[-1.5, 2.25], [3.0, -400.125]])",
    "T.tensor([inf, -inf, nan, 1.5])",
    "T.tensor([inf, -inf, nan, 2.0])",
    "T.tensor([inf, nan])",
    "T.tensor([0., 0.])",
    "T.tensor([-0.0, 1.0])",
    "T.tensor([1.5, -2.25], requires_grad=True)",
    "T.tensor([], dtype=T.int64)",
    "T.tensor([])",
    "T.zeros(2, 0)",
    "T.zeros(0, 3, dtype=T.float64)",
    "T.arange(2000.)",
    "T.arange(2000)",
    "T.arange(0, 1, 0.1)",
    "T.arange(24.).reshape(2, 3, 4)",
    "T.arange(24).reshape(2, 3, 4) - 12",
    "T.arange(5000.).reshape(10, 500)",
    "T.arange(4000.).reshape(20, 10, 20)",
    "T.arange(1, 60, dtype=T.float64) / 7",
    "T.linspace(-1, 1, 30)",
    "T.eye(3)",
    "T.ones(3, 2, dtype=T.bool)",
    "T.tensor(1e-10)",
    "T.tensor(-7.25, dtype=T.float64)",
    "T.tensor([[1e-3, 1e5], [2., 3.]])",
    "T.tensor([3.], dtype=T.float64).expand(3)",
    "T.arange(12.).reshape(3, 4).t()",
]


@requires_torch
@pytest.mark.parametrize("expr", REPR_CASES)
def test_repr_matches_torch(expr):
    e, t = both(expr)
    assert repr(e) == repr(t).replace("torch.", "ember.")
    assert str(e) == str(t).replace("torch.", "ember.")


@requires_torch
def test_repr_grad_fn():
    a, b = ember.tensor([1., 2.], requires_grad=True), torch.tensor([1., 2.], requires_grad=True)
    assert repr(a * 2) == repr(b * 2)
    assert "grad_fn=<MulBackward0>" in repr(a * 2)


@requires_torch
@pytest.mark.parametrize("opts", [
    dict(precision=2), dict(threshold=5), dict(edgeitems=1, threshold=5), dict(linewidth=30),
    dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"), dict(profile="full"),
])
@pytest.mark.parametrize("expr", ["T.arange(40.) / 3", "T.tensor([1e-6, 1.])", "T.arange(12).reshape(3, 4)",
                                  "T.arange(2000.).reshape(40, 50) * 1e-3"])
def test_set_printoptions_matches_torch(opts, expr):
    e, t = both(expr)
    try:
        ember.set_printoptions(**opts)
        torch.set_printoptions(**opts)
        assert repr(e) == repr(t).replace("torch.", "ember.")
    finally:
        ember.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_printoptions_context_restores():
    with ember.printoptions(precision=1):
        assert repr(ember.tensor([1.25])) == "tensor([1.2])"
    assert repr(ember.tensor([1.25])) == "tensor([1.2500])"
    with pytest.raises(ValueError, match="unknown profile"):
        ember.set_printoptions(profile="nope")


# ---- Python and NumPy conversions ---------------------------------------------------------------

@pytest.mark.parametrize("dtype,value,pytype", [
    (ember.float32, 1.5, float), (ember.float64, -2.25, float), (ember.int64, 7, int),
    (ember.int32, -3, int), (ember.uint8, 200, int), (ember.bool, True, bool)])
def test_item_and_tolist(dtype, value, pytype):
    t = ember.tensor(value, dtype=dtype)
    assert type(t.item()) is pytype and t.item() == value
    full = ember.full((2, 3), value, dtype=dtype)
    lst = full.tolist()
    assert lst == [[value] * 3] * 2 and type(lst[0][0]) is pytype
    assert ember.tensor(value, dtype=dtype).tolist() == value


def test_tolist_non_contiguous():
    t = ember.arange(6).reshape(2, 3).t()
    assert t.tolist() == np.arange(6).reshape(2, 3).T.tolist()


def test_item_error():
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ember.zeros(2).item()


def test_numpy_shares_memory():
    t = ember.zeros(3)
    a = t.numpy()
    a[1] = 5
    assert t.tolist() == [0, 5, 0]
    assert np.shares_memory(np.asarray(t), a)
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.zeros(2, requires_grad=True).numpy()
    assert ember.ones(2, requires_grad=True).numpy(force=True).tolist() == [1, 1]


def test_array_protocol():
    t = ember.arange(6.).reshape(2, 3)
    a = np.asarray(t)
    assert a.dtype == np.float32 and a.shape == (2, 3)
    a[0, 0] = 9
    assert t.tolist()[0][0] == 9
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    out = np.sin(ember.tensor([0.0, 1.0]))
    assert isinstance(out, ember.Tensor)
    np.testing.assert_allclose(out.numpy(), np.sin([0.0, 1.0]), rtol=1e-6)


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_])
def test_from_numpy_shares_memory(np_dtype):
    a = np.arange(6).reshape(2, 3).astype(np_dtype)
    t = ember.from_numpy(a)
    assert t.dtype == ember._C._dtype_from_numpy(a.dtype) and tuple(t.shape) == (2, 3)
    a[0, 0] = 1
    assert t.tolist()[0][0] == a[0, 0]
    tt = ember.from_numpy(a.T)
    assert tt.tolist() == a.T.tolist() and tt.stride() == (1, 3)


def test_from_numpy_errors():
    with pytest.raises(ValueError, match="negative"):
        ember.from_numpy(np.arange(4.)[::-1])
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.complex128"):
        ember.from_numpy(np.zeros(2, dtype=np.complex128))


def test_as_tensor_and_asarray():
    a = np.arange(3.)
    t = ember.as_tensor(a)
    a[0] = 7
    assert t.tolist()[0] == 7 and t.dtype == ember.float64
    assert ember.as_tensor(a, dtype=ember.float32).dtype == ember.float32
    x = ember.ones(2)
    assert ember.as_tensor(x) is x
    assert ember.asarray(x) is x
    y = ember.asarray(x, copy=True)
    assert y is not x and y.data_ptr() != x.data_ptr()
    assert ember.as_tensor([1, 2]).dtype == ember.int64
    assert ember.asarray(a).data_ptr() == a.ctypes.data
    with pytest.raises(ValueError, match="copy=False"):
        ember.asarray([1, 2], copy=False)


# ---- DLPack ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_dlpack_numpy_roundtrip(dtype):
    t = ember.arange(6).reshape(2, 3).to(getattr(ember, dtype))
    a = np.from_dlpack(t)
    assert a.dtype == np.dtype(dtype) and a.shape == (2, 3)
    assert a.ctypes.data == t.data_ptr()
    b = np.arange(6).astype(dtype).reshape(3, 2).T
    e = ember.from_dlpack(b)
    assert e.data_ptr() == b.ctypes.data and e.tolist() == b.tolist()
    assert e.dtype == getattr(ember, dtype)


def test_dlpack_device_and_errors():
    assert ember.zeros(1).__dlpack_device__() == (1, 0)
    with pytest.raises(RuntimeError, match="require gradient"):
        ember.zeros(2, requires_grad=True).__dlpack__()
    cap = ember.to_dlpack(ember.zeros(2))
    ember.from_dlpack(cap)
    with pytest.raises(TypeError, match="already consumed"):
        ember.from_dlpack(cap)


@requires_torch
def test_dlpack_torch_both_ways_share_memory():
    e = ember.arange(6.).reshape(2, 3).narrow(1, 1, 2)
    t = torch.from_dlpack(e)
    assert t.data_ptr() == e.data_ptr() and t.stride() == e.stride()
    t[0, 0] = 42
    assert e.tolist()[0][0] == 42
    src = torch.arange(12, dtype=torch.float64).reshape(3, 4).t()
    back = ember.from_dlpack(src)
    assert back.data_ptr() == src.data_ptr() and back.stride() == src.stride()
    src[0, 0] = -1
    assert back.tolist()[0][0] == -1
    del src, t
    assert back.tolist()[1][0] == 1.0  # the producer's memory is kept alive by the consumer


# ---- dtype/device conversions ------------------------------------------------------------------

def test_to_forms():
    t = ember.tensor([1.5, 2.5])
    assert t.to(ember.float32) is t
    assert t.to(ember.float64).dtype == ember.float64
    assert t.to("cpu") is t and t.to(ember.device("cpu")) is t
    assert t.to("cpu", ember.int64).tolist() == [1, 2]
    assert t.to(device="cpu", dtype=ember.int32).dtype == ember.int32
    assert t.to(ember.zeros(1, dtype=ember.float64)).dtype == ember.float64
    c = t.to(ember.float32, copy=True)
    assert c is not t and c.data_ptr() != t.data_ptr()
    assert t.to("cpu", non_blocking=True) is t
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        t.to(bogus=1)
    with pytest.raises(TypeError, match="invalid combination"):
        t.to(3.5)


def test_to_keeps_autograd():
    x = ember.tensor([1., 2.], requires_grad=True)
    y = x.to(ember.float64)
    assert y.grad_fn.name() == "ToCopyBackward0"


def test_cpu_cuda():
    t = ember.ones(2)
    assert t.cpu() is t
    with pytest.raises(RuntimeError, match="cuda"):
        t.cuda()


@pytest.mark.parametrize("method,dtype", [("float", ember.float32), ("double", ember.float64),
                                          ("long", ember.int64), ("int", ember.int32),
                                          ("bool", ember.bool), ("byte", ember.uint8)])
def test_dtype_methods(method, dtype):
    t = getattr(ember.tensor([0, 1, 2]), method)()
    assert t.dtype == dtype
    assert t.tolist() == [dtype.is_floating_point and float(v) or (bool(v) if dtype == ember.bool else v)
                          for v in [0, 1, 2]]


def test_half_is_clear_type_error():
    with pytest.raises(TypeError, match="float16"):
        ember.ones(1).half()


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_type_names_match_torch(dtype):
    e, t = ember.zeros(1, dtype=getattr(ember, dtype)), torch.zeros(1, dtype=getattr(torch, dtype))
    assert e.type() == t.type().replace("torch.", "ember.")
    assert e.type(ember.float64).dtype == ember.float64
    assert e.type("ember.LongTensor").dtype == ember.int64
    assert e.type_as(ember.zeros(1, dtype=ember.int32)).dtype == ember.int32


def test_type_errors():
    with pytest.raises(ValueError, match="invalid type"):
        ember.zeros(1).type("ember.HalfTensor")


@pytest.mark.parametrize("name,args,value", [("new_zeros", (2, 3), 0), ("new_ones", ((2, 3),), 1),
                                             ("new_full", ((2, 3), 4), 4), ("new_empty", (2, 3), None)])
def test_new_factories(name, args, value):
    base = ember.zeros(1, dtype=ember.float64)
    t = getattr(base, name)(*args)
    assert t.dtype == ember.float64 and tuple(t.shape) == (2, 3)
    if value is not None:
        assert t.tolist() == [[value] * 3] * 2
    assert getattr(base, name)(*args, dtype=ember.int64).dtype == ember.int64
    assert getattr(base, name)(*args, requires_grad=True).requires_grad


def test_new_tensor():
    base = ember.zeros(1, dtype=ember.int32)
    t = base.new_tensor([1, 2])
    assert t.dtype == ember.int32 and t.tolist() == [1, 2]
    assert base.new_tensor([1.5], dtype=ember.float64).dtype == ember.float64


# ---- dtype helpers ------------------------------------------------------------------------------

def test_predicates():
    assert ember.is_tensor(ember.zeros(1)) and not ember.is_tensor([1])
    assert ember.numel(ember.zeros(2, 3)) == 6
    assert ember.is_floating_point(ember.zeros(1)) and not ember.is_floating_point(ember.zeros(1, dtype=ember.int64))


DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]


@requires_torch
@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("b", DTYPES)
def test_promote_types_and_can_cast_match_torch(a, b):
    ea, eb, ta, tb = getattr(ember, a), getattr(ember, b), getattr(torch, a), getattr(torch, b)
    assert str(ember.promote_types(ea, eb)) == str(torch.promote_types(ta, tb)).replace("torch.", "ember.")
    assert ember.can_cast(ea, eb) == torch.can_cast(ta, tb)


@requires_torch
@pytest.mark.parametrize("a,b", [
    ("T.zeros(2, dtype=T.int32)", "2.5"), ("T.zeros(2, dtype=T.int32)", "2"), ("T.zeros(2, dtype=T.uint8)", "True"),
    ("T.zeros(2)", "T.zeros((), dtype=T.float64)"), ("T.zeros(2, dtype=T.int64)", "T.zeros(2, dtype=T.float64)"),
    ("1", "2.0"), ("True", "3"), ("T.tensor(1)", "T.zeros(3, dtype=T.uint8)")])
def test_result_type_matches_torch(a, b):
    e = ember.result_type(*both(a)[:1], *both(b)[:1])
    t = torch.result_type(both(a)[1], both(b)[1])
    assert str(e) == str(t).replace("torch.", "ember.")


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_finfo_matches_torch(dtype):
    e, t = ember.finfo(getattr(ember, dtype)), torch.finfo(getattr(torch, dtype))
    for attr in ["bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"]:
        assert getattr(e, attr) == getattr(t, attr), attr
    assert ember.finfo().bits == 32


@requires_torch
@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
def test_iinfo_matches_torch(dtype):
    e, t = ember.iinfo(getattr(ember, dtype)), torch.iinfo(getattr(torch, dtype))
    for attr in ["bits", "max", "min", "dtype"]:
        assert getattr(e, attr) == getattr(t, attr), attr


def test_info_errors():
    with pytest.raises(TypeError, match="floating point"):
        ember.finfo(ember.int64)
    with pytest.raises(TypeError, match="not supported by ember.iinfo"):
        ember.iinfo(ember.float32)


# ---- GIL ----------------------------------------------------------------------------------------

def test_large_kernels_release_the_gil():
    """A Python thread keeps counting while the main thread runs large elementwise kernels."""
    x = ember.ones(1 << 22)
    count = [0]
    stop = threading.Event()
    started = threading.Event()

    def spin():
        started.set()
        while not stop.is_set():
            count[0] += 1

    # Make the interpreter switch threads rarely, so that only a released GIL lets the counter
    # run while a kernel runs.
    import sys
    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    th = threading.Thread(target=spin)
    try:
        th.start()
        started.wait()
        before = count[0]
        for _ in range(20):
            x = x * 1.0
        during = count[0] - before
    finally:
        stop.set()
        th.join()
        sys.setswitchinterval(old)
    assert during > 0
