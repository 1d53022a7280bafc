"""Linear algebra ops: forward vs NumPy and PyTorch on contiguous, transposed, sliced and broadcast
operands across dtypes; float64 gradcheck; every error path."""
import re

import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck
from conftest import requires_torch

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    torch = None

DTYPES = {"float32": (ember.float32, np.float32), "float64": (ember.float64, np.float64),
          "int64": (ember.int64, np.int64)}
LAYOUTS = ["contig", "transposed", "sliced"]


def make(arr, layout="contig", requires_grad=False):
    """An ember tensor with arr's values laid out as asked: contiguous, a transposed view of the
    last two dims, or every other element of a wider tensor (1-d transposed falls back to sliced)."""
    arr = np.asarray(arr)
    if arr.ndim == 0 or layout == "contig":
        t = ember.tensor(arr.copy())
    elif layout == "transposed" and arr.ndim >= 2:
        t = ember.tensor(np.ascontiguousarray(np.swapaxes(arr, -1, -2))).transpose(-1, -2)
    else:
        n = arr.shape[-1]
        base = np.zeros(arr.shape[:-1] + (2 * n,), arr.dtype)
        base[..., ::2] = arr
        t = ember._C._slice(ember.tensor(base), -1, 0, 2 * n, 2)
    # An empty tensor is contiguous whatever its strides (as in PyTorch).
    if layout != "contig" and arr.ndim and arr.size and min(arr.shape[-2:]) > 1:
        assert not t.is_contiguous()
    if requires_grad:
        t.requires_grad_(True)
    return t


def data(rng, shape, np_dtype):
    if np.issubdtype(np_dtype, np.integer):
        return rng.integers(-4, 5, size=shape).astype(np_dtype)
    return rng.standard_normal(shape).astype(np_dtype)


def np_linear(x, w, b=None):
    out = x @ w.T
    return out if b is None else out + b


def np_einsum(eq):
    return lambda *ops: np.einsum(eq, *ops)


# name -> (ember fn, numpy reference, list of operand shape tuples)
OPS = {
    "mm": (ember.mm, np.matmul, [((2, 3), (3, 4)), ((1, 1), (1, 1)), ((5, 0), (0, 3)), ((0, 2), (2, 3)),
                                 ((37, 70), (70, 33)), ((7, 1), (1, 9)), ((1, 20), (20, 30))]),
    "bmm": (ember.bmm, np.matmul, [((2, 3, 4), (2, 4, 5)), ((3, 1, 7), (3, 7, 1)), ((0, 2, 3), (0, 3, 4)),
                                   ((2, 40, 50), (2, 50, 30))]),
    "matmul": (ember.matmul, np.matmul, [
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((2, 5, 3), (3, 4)),
        ((3, 4), (2, 4, 5)), ((2, 5, 3), (3,)), ((3,), (2, 3, 4)), ((2, 1, 3, 4), (5, 4, 2)),
        ((1, 3, 4), (2, 4, 5)), ((2, 3, 2, 3), (2, 3, 3, 2)), ((3, 50, 60), (60, 40)), ((4, 2, 3), (4, 3, 1))]),
    "mv": (ember.mv, np.matmul, [((4, 3), (3,)), ((1, 1), (1,)), ((0, 3), (3,)), ((120, 300), (300,))]),
    "dot": (ember.dot, np.dot, [((5,), (5,)), ((0,), (0,)), ((1000,), (1000,))]),
    "vdot": (ember.vdot, np.dot, [((5,), (5,))]),
    "outer": (ember.outer, np.outer, [((3,), (4,)), ((1,), (2,))]),
    "ger": (ember.ger, np.outer, [((3,), (4,))]),
    "addmm": (ember.addmm, lambda s, a, b: s + a @ b, [((2, 4), (2, 3), (3, 4)), ((4,), (2, 3), (3, 4)),
                                                        ((), (2, 3), (3, 4)), ((1, 1), (1, 1), (1, 1))]),
    "addmv": (ember.addmv, lambda s, a, v: s + a @ v, [((2,), (2, 3), (3,)), ((1,), (4, 3), (3,))]),
    "baddbmm": (ember.baddbmm, lambda s, a, b: s + a @ b, [((2, 2, 4), (2, 2, 3), (2, 3, 4)),
                                                          ((4,), (2, 2, 3), (2, 3, 4))]),
    "addbmm": (ember.addbmm, lambda s, a, b: s + (a @ b).sum(0), [((2, 4), (3, 2, 3), (3, 3, 4)),
                                                                  ((4,), (2, 2, 3), (2, 3, 4))]),
    "linear": (ember.linear, np_linear, [((5, 3), (4, 3), (4,)), ((3,), (4, 3), (4,)), ((5, 3), (4, 3)),
                                          ((2, 5, 3), (4, 3), (4,)), ((1, 1), (1, 1), (1,)),
                                          ((6, 3), (4, 3), (6, 4)), ((2, 3), (3,))]),
    "trace": (ember.trace, np.trace, [((3, 3),), ((2, 4),), ((4, 2),)]),
    "kron": (ember.kron, np.kron, [((2, 3), (3, 2)), ((2,), (3, 2)), ((2, 2, 2), (2,))]),
    "tensordot": (ember.tensordot, lambda a, b: np.tensordot(a, b, 2), [((2, 3, 4), (3, 4, 5)), ((3, 4), (3, 4))]),
}

EINSUM = {
    "ij,jk->ik": ((2, 3), (3, 4)),
    "bij,bjk->bik": ((2, 3, 4), (2, 4, 5)),
    "ij->ji": ((2, 3),),
    "ii->": ((3, 3),),
    "ii->i": ((3, 3),),
    "ii": ((3, 3),),
    "i,j->ij": ((3,), (4,)),
    "ij->i": ((2, 3),),
    "ij->": ((2, 3),),
    "bi,ij,bj->b": ((4, 3), (3, 5), (4, 5)),
    "ij,jk": ((2, 3), (3, 4)),
    "ba": ((2, 3),),
    "...ij,...jk": ((2, 3, 4), (4, 5)),
    "b...,b...->b...": ((2, 3, 4), (2, 3, 4)),
    "i,i->": ((5,), (5,)),
    "i,i->i": ((5,), (1,)),
    "i,i->": ((5,), (1,)),
    "iij->j": ((3, 3, 2),),
    "abc,cd,be->ade": ((2, 3, 4), (4, 5), (3, 6)),
    "Ab,bC->AC": ((2, 3), (3, 2)),
}


def forward_cases():
    for name, (_, _, cases) in OPS.items():
        for shapes in cases:
            yield pytest.param(name, shapes, id=f"{name}-{'x'.join(map(str, shapes))}")


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name,shapes", list(forward_cases()))
def test_forward_vs_numpy(name, shapes, layout, dtype, rng):
    fn, ref, _ = OPS[name]
    edt, ndt = DTYPES[dtype]
    arrays = [data(rng, s, ndt) for s in shapes]
    out = fn(*[make(a, layout) for a in arrays])
    expected = np.asarray(ref(*arrays))
    assert out.dtype == edt
    tol = 1e-4 if dtype == "float32" else None
    assert_close(out, expected.astype(ndt), rtol=tol, atol=tol)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("eq", list(EINSUM))
def test_einsum_vs_numpy(eq, layout, rng):
    arrays = [data(rng, s, np.float64) for s in EINSUM[eq]]
    assert_close(ember.einsum(eq, *[make(a, layout) for a in arrays]), np.einsum(eq, *arrays))
    assert_close(ember.einsum(eq, [make(a, layout) for a in arrays]), np.einsum(eq, *arrays))


@requires_torch
@pytest.mark.parametrize("name,shapes", list(forward_cases()))
def test_forward_vs_torch(name, shapes, rng):
    fn, _, _ = OPS[name]
    arrays = [data(rng, s, np.float64) for s in shapes]
    tfn = torch.nn.functional.linear if name == "linear" else getattr(torch, name)
    expected = tfn(*[torch.tensor(a) for a in arrays])
    assert_close(fn(*[make(a, "transposed") for a in arrays]), expected)


@requires_torch
@pytest.mark.parametrize("eq", list(EINSUM))
def test_einsum_vs_torch(eq, rng):
    arrays = [data(rng, s, np.float64) for s in EINSUM[eq]]
    assert_close(ember.einsum(eq, *[make(a) for a in arrays]), torch.einsum(eq, *[torch.tensor(a) for a in arrays]))


@requires_torch
def test_einsum_sums_ellipsis_missing_from_output(rng):
    # NumPy rejects this; PyTorch sums the ellipsis dims away.
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    assert_close(ember.einsum("b...,b...->b", ember.tensor(a), ember.tensor(b)),
                 torch.einsum("b...,b...->b", torch.tensor(a), torch.tensor(b)))


@requires_torch
@pytest.mark.parametrize("dtype", ["int64", "float32"])
@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((2, 5, 3), (3,)), ((3,), (3,)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul_dtype_vs_torch(shapes, dtype, rng):
    _, ndt = DTYPES[dtype]
    a, b = (data(rng, s, ndt) for s in shapes)
    out = ember.tensor(a) @ ember.tensor(b)
    expected = torch.tensor(a) @ torch.tensor(b)
    assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    assert_close(out, expected, rtol=1e-4, atol=1e-4)


def test_addmm_beta_alpha(rng):
    s, a, b = rng.standard_normal((2, 4)), rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    for beta, alpha in [(0.5, 2.0), (0, 1), (1, 0), (2, -1)]:
        out = ember.addmm(ember.tensor(s), ember.tensor(a), ember.tensor(b), beta=beta, alpha=alpha)
        assert_close(out, beta * s + alpha * (a @ b))
        assert_close(ember.baddbmm(ember.tensor(s), ember.tensor(a[None]), ember.tensor(b[None]),
                                   beta=beta, alpha=alpha), (beta * s + alpha * (a @ b))[None])
    # beta == 0 ignores self entirely, NaN included (as PyTorch and BLAS do).
    nan = ember.tensor(np.full((2, 4), np.nan))
    assert_close(ember.addmm(nan, ember.tensor(a), ember.tensor(b), beta=0), a @ b)
    # Integer beta/alpha truncate like PyTorch's integer kernels.
    i = ember.ones(2, 2, dtype=ember.int64)
    assert_close(ember.addmm(i, i, i, beta=0.5), np.full((2, 2), 2))


def test_matmul_operators(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    assert_close(ember.tensor(a) @ ember.tensor(b), a @ b)
    assert_close(ember.tensor(b).__rmatmul__(ember.tensor(a)), a @ b)
    assert_close(ember.tensor(a).matmul(ember.tensor(b)), a @ b)
    assert_close(ember.tensor(a).mm(mat2=ember.tensor(b)), a @ b)
    assert_close(ember.tensor(a[0]).dot(tensor=ember.tensor(a[1])), a[0] @ a[1])
    assert_close(ember.tensordot(ember.tensor(a), ember.tensor(b), dims=([1], [0])), a @ b)
    assert_close(ember.tensordot(ember.tensor(a), ember.tensor(a), dims=[[0, 1], [0, 1]]), (a * a).sum())
    assert_close(ember.tensordot(ember.tensor(a), ember.tensor(b), dims=1), a @ b)
    with pytest.raises(TypeError):
        ember.tensor(a) @ 2
    with pytest.raises(TypeError):
        2 @ ember.tensor(a)


def test_matmul_broadcast_does_not_copy_operands(rng):
    # A stride-0 batch operand is read in place: the result is right and the operands untouched.
    a = ember.tensor(rng.standard_normal((1, 3, 4))).expand(5, 3, 4)
    b = ember.tensor(rng.standard_normal((5, 4, 2)))
    assert_close(a @ b, a.numpy() @ b.numpy())
    assert a.stride() == (0, 4, 1)


def test_non_foldable_linear_input(rng):
    # A batch whose rows are not evenly spaced goes through the batched kernel, not a copy.
    x = ember.tensor(rng.standard_normal((5, 2, 3))).transpose(0, 1)
    w, b = rng.standard_normal((4, 3)), rng.standard_normal(4)
    assert_close(ember.linear(x, ember.tensor(w), ember.tensor(b)), x.numpy() @ w.T + b)


# ---- gradients --------------------------------------------------------------------------------

GRAD_CASES = [
    ("mm", ember.mm, [(2, 3), (3, 4)]),
    ("bmm", ember.bmm, [(2, 2, 3), (2, 3, 4)]),
    ("matmul-1d1d", ember.matmul, [(3,), (3,)]),
    ("matmul-2d1d", ember.matmul, [(2, 3), (3,)]),
    ("matmul-1d2d", ember.matmul, [(3,), (3, 2)]),
    ("matmul-3d2d", ember.matmul, [(2, 2, 3), (3, 2)]),
    ("matmul-2d3d", ember.matmul, [(2, 3), (2, 3, 2)]),
    ("matmul-3d1d", ember.matmul, [(2, 2, 3), (3,)]),
    ("matmul-1d3d", ember.matmul, [(3,), (2, 3, 2)]),
    ("matmul-bcast", ember.matmul, [(2, 1, 2, 3), (3, 3, 2)]),
    ("mv", ember.mv, [(2, 3), (3,)]),
    ("dot", ember.dot, [(4,), (4,)]),
    ("outer", ember.outer, [(3,), (2,)]),
    ("addmm", lambda s, a, b: ember.addmm(s, a, b, beta=0.5, alpha=2.0), [(3,), (2, 3), (3, 3)]),
    ("addmv", lambda s, a, v: ember.addmv(s, a, v, beta=0.5, alpha=2.0), [(2,), (2, 3), (3,)]),
    ("baddbmm", lambda s, a, b: ember.baddbmm(s, a, b, beta=0.5, alpha=2.0), [(1, 2), (2, 2, 3), (2, 3, 2)]),
    ("addbmm", lambda s, a, b: ember.addbmm(s, a, b, beta=0.5, alpha=2.0), [(2, 2), (3, 2, 3), (3, 3, 2)]),
    ("linear", ember.linear, [(4, 3), (2, 3), (2,)]),
    ("linear-1d", ember.linear, [(3,), (2, 3), (2,)]),
    ("linear-3d", ember.linear, [(2, 2, 3), (2, 3), (2,)]),
    ("linear-nobias", ember.linear, [(4, 3), (2, 3)]),
    ("trace", ember.trace, [(3, 3)]),
    ("kron", ember.kron, [(2, 2), (2, 3)]),
    ("tensordot", lambda a, b: ember.tensordot(a, b, 1), [(2, 3), (3, 2)]),
    ("einsum-bilinear", lambda x, w, y: ember.einsum("bi,ij,bj->b", x, w, y), [(2, 3), (3, 2), (2, 2)]),
    ("einsum-diag", lambda x: ember.einsum("ii->i", x), [(3, 3)]),
    ("einsum-ellipsis", lambda a, b: ember.einsum("...ij,...jk", a, b), [(2, 2, 3), (3, 2)]),
]


@pytest.mark.parametrize("layout", ["contig", "transposed", "sliced"])
@pytest.mark.parametrize("name,fn,shapes", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name, fn, shapes, layout, rng):
    inputs = [make(rng.standard_normal(s), layout, requires_grad=True) for s in shapes]
    assert gradcheck(fn, inputs)


def test_gradcheck_broadcast_batch_expanded_operand(rng):
    # The operand itself is an expanded view (stride 0 in its batch dim), as broadcasting leaves it.
    base = ember.tensor(rng.standard_normal((1, 2, 3)), requires_grad=True)
    b = ember.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)
    assert gradcheck(lambda x, y: ember.matmul(x.expand(4, 2, 3), y), [base, b])


@requires_torch
@pytest.mark.parametrize("shapes", [((2, 1, 2, 3), (3, 3, 2)), ((2, 2, 3), (3,)), ((3,), (2, 3, 2)), ((2, 3), (3, 2))])
def test_matmul_backward_vs_torch(shapes, rng):
    arrays = [rng.standard_normal(s) for s in shapes]
    e = [ember.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    (e[0] @ e[1]).sum().backward()
    (t[0] @ t[1]).sum().backward()
    for x, y in zip(e, t):
        assert_close(x.grad, y.grad)


@requires_torch
def test_linear_1x1_forward_backward_vs_torch(rng):
    x, w, b = rng.standard_normal((8, 1)), rng.standard_normal((1, 1)), rng.standard_normal(1)
    e = [ember.tensor(a, requires_grad=True) for a in (x, w, b)]
    t = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    ey, ty = ember.linear(*e), torch.nn.functional.linear(*t)
    assert_close(ey, ty)
    (ey * ey).mean().backward()
    (ty * ty).mean().backward()
    for a, c in zip(e, t):
        assert_close(a.grad, c.grad)


@requires_torch
def test_mm_double_backward_vs_torch(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    ea, eb = ember.tensor(a, requires_grad=True), ember.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (ga,) = ember.autograd.grad([(ea @ eb * (ea @ eb)).sum()], [ea], create_graph=True)
    (tga,) = torch.autograd.grad([(ta @ tb * (ta @ tb)).sum()], [ta], create_graph=True)
    ga.sum().backward()
    tga.sum().backward()
    assert_close(eb.grad, tb.grad)
    assert_close(ea.grad, ta.grad)


def test_grad_fn_names():
    a = ember.ones(2, 3, requires_grad=True)
    assert (a @ ember.ones(3, 2)).grad_fn.name() == "MmBackward0"
    assert ember.mv(a, ember.ones(3)).grad_fn.name() == "MvBackward0"
    assert ember.dot(ember.ones(3, requires_grad=True), ember.ones(3)).grad_fn.name() == "DotBackward0"
    assert ember.linear(a, ember.ones(4, 3), ember.ones(4)).grad_fn.name() == "AddmmBackward0"


# ---- errors -----------------------------------------------------------------------------------

def T(*shape, dtype=ember.float32):
    return ember.ones(*shape, dtype=dtype)


F64, I64, B = ember.float64, ember.int64, ember.bool
ERRORS = [
    (lambda: ember.mm(T(2, 3), T(4, 5)), RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    (lambda: ember.mm(T(2, 3), T(3, 5, dtype=F64)), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: ember.mm(T(2, 3, dtype=I64), T(3, 5)), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: long int != float"),
    (lambda: ember.mm(T(3), T(3, 5)), RuntimeError, "self must be a matrix"),
    (lambda: ember.mm(T(2, 3), T(3)), RuntimeError, "mat2 must be a matrix"),
    (lambda: ember.mm(T(2, 3, dtype=B), T(3, 2, dtype=B)), RuntimeError, "\"addmm_impl_cpu_\" not implemented for 'Bool'"),
    (lambda: ember.bmm(T(2, 3), T(2, 3, 4)), RuntimeError, "batch1 must be a 3D tensor"),
    (lambda: ember.bmm(T(2, 2, 3), T(3, 4)), RuntimeError, "batch2 must be a 3D tensor"),
    (lambda: ember.bmm(T(2, 2, 3), T(3, 3, 4)), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."),
    (lambda: ember.bmm(T(2, 2, 3), T(2, 3, 4, dtype=F64)), RuntimeError, "expected scalar type Float but found Double"),
    (lambda: ember.matmul(ember.tensor(1.0), T(3)), RuntimeError,
     "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    (lambda: ember.matmul(T(3), T(4)), RuntimeError,
     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively"),
    (lambda: ember.matmul(T(2, 3), T(4)), RuntimeError, "size mismatch, got input (2), mat (2x3), vec (4)"),
    (lambda: ember.matmul(T(3), T(4, 5)), RuntimeError, "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"),
    (lambda: ember.matmul(T(2, 2, 3), T(2, 4, 5)), RuntimeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4]."),
    (lambda: ember.matmul(T(2, 2, 3), T(3, 3, 5)), RuntimeError,
     "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    (lambda: ember.matmul(T(2, 2, 3), T(4, 5)), RuntimeError, "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"),
    (lambda: ember.matmul(T(2, 3), T(3, 5, dtype=F64)), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: ember.matmul(T(3), T(3, dtype=F64)), RuntimeError,
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda: ember.matmul(T(2, 2, 3), T(2, 3, 5, dtype=F64)), RuntimeError, "expected scalar type Float but found Double"),
    (lambda: ember.matmul(T(2, 2, 3, dtype=B), T(2, 3, 2, dtype=B)), RuntimeError, "\"bmm\" not implemented for 'Bool'"),
    (lambda: ember.mv(T(2, 3), T(3, 1)), RuntimeError, "vector + matrix @ vector expected, got 1, 2, 2"),
    (lambda: ember.mv(T(3), T(3)), RuntimeError, "vector + matrix @ vector expected, got 1, 1, 1"),
    (lambda: ember.mv(T(2, 3), T(4)), RuntimeError, "size mismatch, got input (2), mat (2x3), vec (4)"),
    (lambda: ember.mv(T(2, 3), T(3, dtype=F64)), RuntimeError,
     "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    (lambda: ember.dot(T(2, 3), T(3)), RuntimeError, "1D tensors expected, but got 2D and 1D tensors"),
    (lambda: ember.dot(T(3), T(4)), RuntimeError, "inconsistent tensor size, expected tensor [3] and src [4]"),
    (lambda: ember.dot(T(3), T(3, dtype=F64)), RuntimeError,
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda: ember.dot(T(3, dtype=B), T(3, dtype=B)), RuntimeError, "\"dot\" not implemented for 'Bool'"),
    (lambda: ember.vdot(T(3, 1), T(3)), RuntimeError, "1D tensors expected, but got 2D and 1D tensors"),
    (lambda: ember.outer(T(3, 1), T(3)), RuntimeError, "outer: Expected 1-D argument self, but got 2-D"),
    (lambda: ember.outer(T(3), T(3, 1)), RuntimeError, "outer: Expected 1-D argument vec2, but got 2-D"),
    (lambda: ember.addmm(T(2, 5), T(2, 3), T(4, 5)), RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    (lambda: ember.addmm(T(3, 5), T(2, 3), T(3, 5)), RuntimeError,
     "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 0.  "
     "Target sizes: [2, 5].  Tensor sizes: [3, 5]"),
    (lambda: ember.addmm(T(2, 5, dtype=F64), T(2, 3), T(3, 5)), RuntimeError,
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda: ember.addmm(T(2, 5), T(2, 3, dtype=F64), T(3, 5)), RuntimeError,
     "mat1 and mat2 must have the same dtype, but got Double and Float"),
    (lambda: ember.addmm(T(5), T(3), T(3, 5)), RuntimeError, "mat1 must be a matrix, got 1-D tensor"),
    (lambda: ember.addmv(T(3), T(2, 3), T(3)), RuntimeError, "size mismatch, got input (3), mat (2x3), vec (3)"),
    (lambda: ember.addmv(T(2), T(2, 3), T(3, dtype=F64)), RuntimeError,
     "addmv input tensors must have the same dtype, but got Float, Float, and Double"),
    (lambda: ember.baddbmm(T(2, 2, 5), T(2, 2, 3), T(2, 3, 4)), RuntimeError,
     "The expanded size of the tensor (4) must match the existing size (5) at non-singleton dimension 2"),
    (lambda: ember.baddbmm(T(2, 5, dtype=F64), T(2, 2, 3), T(2, 3, 5)), RuntimeError,
     "Input dtypes must be the same, got: input double, batch1: float, batch2: float"),
    (lambda: ember.addbmm(T(5), T(2, 2, 3), T(3, 3, 5)), RuntimeError,
     "batch1 and batch2 must have same number of batches, got 2 and 3"),
    (lambda: ember.addbmm(T(5), T(2, 2, 3), T(2, 4, 5)), RuntimeError, "Incompatible matrix sizes for bmm (2x3 and 4x5)"),
    (lambda: ember.linear(T(2, 3), T(4, 5)), RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)"),
    (lambda: ember.linear(T(2, 3), T(4, 3, dtype=F64)), RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: ember.linear(T(2, 3), T(4, 3), T(5)), RuntimeError,
     "The expanded size of the tensor (4) must match the existing size (5) at non-singleton dimension 1"),
    (lambda: ember.linear(T(2, 3), T(4, 3), T(4, dtype=F64)), RuntimeError,
     "self and mat2 must have the same dtype, but got Double and Float"),
    (lambda: ember.linear(ember.tensor(1.0), T(4, 3)), RuntimeError,
     "both arguments to linear need to be at least 1D, but they are 0D and 2D"),
    (lambda: ember.linear(T(2, 3), T(2, 4, 3)), RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda: ember.trace(T(3)), RuntimeError, "trace: expected a matrix, but got tensor with dim 1"),
    (lambda: ember.trace(T(3, 3, dtype=B)), RuntimeError, "\"trace\" not implemented for 'Bool'"),
    (lambda: ember.tensordot(T(2, 3), T(4, 5), dims=1), RuntimeError,
     "contracted dimensions need to match, but first has size 3 in dim -1 and second has size 4 in dim 0"),
    (lambda: ember.tensordot(T(2, 3), T(3, 5), dims=-1), RuntimeError, "tensordot expects dims >= 0, but got dims=-1"),
    (lambda: ember.tensordot(T(2, 3), T(3, 5), dims=([1], [1])), RuntimeError,
     "contracted dimensions need to match, but first has size 3 in dim 1 and second has size 5 in dim 1"),
    (lambda: ember.tensordot(T(2, 3), T(2, 3), dims=([0, 1], [0])), RuntimeError, "both dimension lists should have same length"),
    (lambda: ember.tensordot(T(2, 3), T(3, 2, dtype=F64), dims=1), RuntimeError, "both inputs should have same dtype"),
    (lambda: ember.einsum("ij,jk->ik", T(2, 3)), RuntimeError,
     "einsum(): fewer operands were provided than specified in the equation"),
    (lambda: ember.einsum("ij,jk->ik", T(2, 3), T(3, 2), T(2)), RuntimeError,
     "einsum(): more operands were provided than specified in the equation"),
    (lambda: ember.einsum("ij->ijk", T(2, 3)), RuntimeError,
     "einsum(): output subscript k does not appear in the equation for any input operand"),
    (lambda: ember.einsum("ijk->i", T(2, 3)), RuntimeError,
     "einsum(): the number of subscripts in the equation (3) does not match the number of dimensions (2) "
     "for operand 0 and no ellipsis was given"),
    (lambda: ember.einsum("ij,jk->ik", T(2, 3), T(4, 5)), RuntimeError,
     "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"),
    (lambda: ember.einsum("ij->ii", T(2, 3)), RuntimeError, "einsum(): output subscript i appears more than once in the output"),
    (lambda: ember.einsum("i1->i", T(2, 3)), RuntimeError,
     "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in [a-zA-Z]"),
    (lambda: ember.einsum("i.j", T(3)), RuntimeError, "einsum(): found '.' for operand 0 that is not part of any ellipsis"),
    (lambda: ember.einsum("......", T(2, 3)), RuntimeError,
     "einsum(): found '.' for operand 0 for which an ellipsis was already found"),
    (lambda: ember.einsum("ij,jk->ik", T(2, 3), T(3, 2, dtype=F64)), RuntimeError,
     "expected scalar type Float but found Double"),
]


@pytest.mark.parametrize("fn,exc,msg", ERRORS, ids=[e[2][:60] for e in ERRORS])
def test_errors(fn, exc, msg):
    with pytest.raises(exc, match=re.escape(msg)):
        fn()


@requires_torch
@pytest.mark.parametrize("fn,exc,msg", ERRORS, ids=[e[2][:60] for e in ERRORS])
def test_error_messages_are_torchs(fn, exc, msg):
    # The same call on torch raises the same message: swap the module the lambda uses.
    import types
    g = dict(fn.__globals__)
    g["ember"] = types.SimpleNamespace(**{k: getattr(torch, k, None) for k in dir(ember) if not k.startswith("__")})
    g["ember"].linear = torch.nn.functional.linear
    g["ember"].tensor = torch.tensor
    g["ember"].ones = torch.ones
    g["T"] = lambda *shape, dtype=torch.float32: torch.ones(*shape, dtype=dtype)
    g["F64"], g["I64"], g["B"] = torch.float64, torch.int64, torch.bool
    tfn = types.FunctionType(fn.__code__, g)
    with pytest.raises(Exception, match=re.escape(msg)):
        tfn()
