"""A second, independently written set of checks of the comparison and composite functions
(isclose/allclose/equal, the predicates, diff, rot90, diag*, block_diag, vander, trapezoid, ...)
against NumPy and PyTorch, with gradchecks on transposed inputs and the error paths."""
import numpy as np
import pytest
import torch

import ember
from ember.testing import gradcheck


def E(a, **kw):
    return ember.tensor(np.asarray(a), **kw)


def T(a):
    return torch.tensor(np.asarray(a))


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("kw", [{}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 0.5, "rtol": 0}])
def test_isclose_matches_torch(kw):
    a = np.array([[1.0, NAN, INF, -INF, 1e-9], [2.0, 3.0, INF, 0.0, 1.05]])
    b = np.array([[1.0 + 1e-6, NAN, INF, INF, 0.0], [2.4, NAN, 1e300, 0.0, 1.0]])
    got = ember.isclose(E(a), E(b), **kw)
    want = torch.isclose(T(a), T(b), **kw)
    assert got.dtype == ember.bool
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert E(a).allclose(E(b), **kw) == torch.allclose(T(a), T(b), **kw)


def test_isclose_broadcast_noncontiguous_and_int():
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(3.0) + 1e-7
    got = ember.isclose(E(a).t(), E(b[:2]))
    np.testing.assert_array_equal(got.numpy(), torch.isclose(T(a).t(), T(b[:2])).numpy())
    ia, ib = np.array([1, 2, 3]), np.array([1, 5, 3])
    np.testing.assert_array_equal(ember.isclose(E(ia), E(ib), atol=3).numpy(),
                                  torch.isclose(T(ia), T(ib), atol=3).numpy())
    assert ember.allclose(E(np.zeros((0, 2))), E(np.zeros((0, 2))))


def test_isclose_errors():
    with pytest.raises(RuntimeError, match="did not match"):
        ember.isclose(E([1.0]), E([1]))
    with pytest.raises(RuntimeError, match="rtol"):
        ember.isclose(E([1.0]), E([1.0]), rtol=-1)
    with pytest.raises(RuntimeError, match="atol"):
        ember.allclose(E([1.0]), E([1.0]), atol=-1)


def test_equal_and_predicates():
    x = E([[1.0, 2.0], [3.0, 4.0]])
    assert ember.equal(x, x.clone()) and x.equal(x)
    assert not ember.equal(x, x.t())
    assert not ember.equal(x, x[0])
    assert ember.equal(E([1, 2]), E([1.0, 2.0])) == torch.equal(T([1, 2]), T([1.0, 2.0]))
    assert ember.is_same_size(x, x.t()) and not x.is_same_size(x[0])
    assert ember.is_nonzero(E([2.0])) and not E(0).is_nonzero()
    with pytest.raises(RuntimeError, match="more than one value"):
        ember.is_nonzero(x)
    with pytest.raises(RuntimeError, match="no values"):
        ember.is_nonzero(E(np.zeros(0)))
    assert not ember.is_complex(x) and not x.is_complex()
    assert ember.is_signed(x) and not E(np.array([1], dtype=np.uint8)).is_signed()


def test_stack_split_helpers():
    a, b = np.arange(3.0), np.arange(3.0, 6.0)
    np.testing.assert_array_equal(ember.column_stack([E(a), E(b)]).numpy(), np.column_stack([a, b]))
    m = np.arange(24.0).reshape(2, 4, 3)
    for name in ("hsplit", "vsplit", "dsplit"):
        for arg in (1, [1, 2]):
            if name == "dsplit" and arg == 1:
                arg = 3
            got = getattr(ember, name)(E(m), arg)
            want = getattr(torch, name)(T(m), arg)
            assert len(got) == len(want)
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g.numpy(), w.numpy())
    np.testing.assert_array_equal(ember.hsplit(E(a), 3)[2].numpy(), a[2:])
    with pytest.raises(RuntimeError, match="not divisible"):
        ember.hsplit(E(m), 3)
    with pytest.raises(RuntimeError, match="at least 2"):
        ember.vsplit(E(a), 1)


@pytest.mark.parametrize("n,dim", [(1, -1), (2, 0), (3, 1), (5, 1)])
def test_diff_forward(n, dim):
    x = np.random.default_rng(0).standard_normal((3, 4))
    got = ember.diff(E(x).t(), n=n, dim=dim)
    np.testing.assert_allclose(got.numpy(), np.diff(x.T, n=n, axis=dim))
    pre, app = np.ones((4, 1)), np.zeros((4, 2))
    got = E(x).t().diff(dim=1, prepend=E(pre), append=E(app))
    np.testing.assert_allclose(got.numpy(), np.diff(x.T, axis=1, prepend=pre, append=app))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        ember.diff(E(1.0))


def test_rot90_ravel_inner_dist():
    x = np.arange(12.0).reshape(3, 4)
    for k in (-1, 0, 1, 2, 3, 5):
        np.testing.assert_array_equal(ember.rot90(E(x), k).numpy(), np.rot90(x, k))
        np.testing.assert_array_equal(E(x).t().rot90(k, [1, 0]).numpy(), np.rot90(x.T, k, (1, 0)))
    with pytest.raises(RuntimeError, match="dims >= 2"):
        ember.rot90(E([1.0]))
    np.testing.assert_array_equal(E(x).t().ravel().numpy(), x.T.ravel())
    np.testing.assert_allclose(ember.inner(E(x), E(x[:2])).numpy(), np.inner(x, x[:2]))
    np.testing.assert_allclose(ember.inner(E(2.0), E(x)).numpy(), 2 * x)
    for p in (1, 2, 3, float("inf")):
        np.testing.assert_allclose(ember.dist(E(x), E(x[0])).item() if p == 2 else
                                   E(x).dist(E(x[0]), p).item(),
                                   torch.dist(T(x), T(x[0]), p).item())


def test_reductions_and_misc():
    x = np.array([[1.0, NAN, 3.0], [NAN, NAN, 6.0]])
    np.testing.assert_allclose(ember.nansum(E(x)).item(), np.nansum(x))
    np.testing.assert_allclose(E(x).nansum(1).numpy(), np.nansum(x, 1))
    np.testing.assert_allclose(ember.nanmean(E(x), 0, keepdim=True).numpy(),
                               torch.nanmean(T(x), 0, keepdim=True).numpy())
    y = np.random.default_rng(1).standard_normal((3, 5))
    lo, hi = E(y).t().aminmax(dim=1)
    np.testing.assert_array_equal(lo.numpy(), y.T.min(1))
    np.testing.assert_array_equal(hi.numpy(), y.T.max(1))
    lo, hi = ember.aminmax(E(y))
    assert lo.item() == y.min() and hi.item() == y.max()
    m = np.array([[0, 1], [2, 0]])
    np.testing.assert_array_equal(ember.argwhere(E(m)).numpy(), np.argwhere(m))
    np.testing.assert_allclose(ember.rsub(E(y), 1.0, alpha=2).numpy(), 1.0 - 2 * y)
    c = ember.clone(E(y))
    assert c.data_ptr() != E(y).data_ptr()
    np.testing.assert_array_equal(c.numpy(), y)


def test_gradchecks():
    rng = np.random.default_rng(2)
    x = E(rng.standard_normal((4, 3))).t().requires_grad_()
    assert gradcheck(lambda t: ember.diff(t, n=2, dim=1), (x,))
    pre = E(rng.standard_normal((3, 1))).requires_grad_()
    assert gradcheck(lambda t, p: ember.diff(t, dim=1, prepend=p), (x, pre))
    assert gradcheck(lambda t: ember.rot90(t, 3), (x,))
    y = E(rng.standard_normal(4)).requires_grad_()
    assert gradcheck(ember.inner, (x, y))
    assert gradcheck(lambda t, u: ember.dist(t, u, 3), (x, y))
    z = E(rng.standard_normal(3)).requires_grad_()
    assert gradcheck(lambda u, v: ember.column_stack([u, v]), (z, x))
    assert gradcheck(lambda t: ember.hsplit(t, [1])[1], (x,))


@pytest.mark.parametrize("k", [-2, 0, 1])
def test_diag_family(k):
    rng = np.random.default_rng(3)
    v = rng.standard_normal(3)
    m = rng.standard_normal((3, 4))
    np.testing.assert_array_equal(ember.diag(E(v), k).numpy(), np.diag(v, k))
    np.testing.assert_array_equal(E(m).t().diag(k).numpy(), np.diag(m.T, k))
    np.testing.assert_array_equal(ember.diagflat(E(m), k).numpy(), np.diagflat(m, k))
    b = rng.standard_normal((2, 3))
    for dims in ((-2, -1), (0, 2), (2, 0)):
        np.testing.assert_array_equal(ember.diag_embed(E(b), k, *dims).numpy(),
                                      torch.diag_embed(T(b), k, *dims).numpy())
    x = E(b).t().requires_grad_()
    assert gradcheck(lambda t: ember.diag_embed(t, k, 0, 2), (x,))
    assert gradcheck(lambda t: ember.diag(t[:, 0], k), (x,))
    assert gradcheck(lambda t: ember.diag(t, k), (x,))


def test_diag_errors():
    with pytest.raises(RuntimeError, match="1D or 2D"):
        ember.diag(E(np.zeros((2, 2, 2))))
    with pytest.raises(RuntimeError, match="cannot be identical"):
        ember.diag_embed(E(np.zeros(2)), 0, 1, 1)


def test_block_diag_and_cartesian_prod():
    rng = np.random.default_rng(4)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal(2), np.array(5.0)
    got = ember.block_diag(E(a).t(), E(b), E(c))
    want = torch.block_diag(T(a).t(), T(b), T(c))
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert ember.block_diag(E([1]), E([2.0])).dtype == ember.float64
    with pytest.raises(RuntimeError, match="2 or fewer"):
        ember.block_diag(E(np.zeros((1, 1, 1))))
    x = E(a).t().requires_grad_()
    y = E(b).requires_grad_()
    assert gradcheck(lambda u, v: ember.block_diag(u, v), (x, y))
    p, q = np.array([1, 2]), np.array([3, 4, 5])
    np.testing.assert_array_equal(ember.cartesian_prod(E(p), E(q)).numpy(),
                                  torch.cartesian_prod(T(p), T(q)).numpy())
    np.testing.assert_array_equal(ember.cartesian_prod(E(p)).numpy(), p)
    with pytest.raises(RuntimeError, match="1D vector"):
        ember.cartesian_prod(E(a))


def test_adjoint_mH():
    m = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(E(m).mH.numpy(), T(m).mH.numpy())
    np.testing.assert_array_equal(E(m).adjoint().numpy(), T(m).adjoint().numpy())
    with pytest.raises(RuntimeError, match="matrices"):
        E([1.0]).mH


def test_scalar_tensor_sum_to_size_trapezoid():
    s = ember.scalar_tensor(3)
    assert s.dtype == ember.float32 and s.shape == () and s.item() == 3.0
    assert ember.scalar_tensor(1, dtype=ember.float64).dtype == ember.float64
    m = np.random.default_rng(5).standard_normal((2, 3, 4))
    for size in ((3, 1), (1, 4), (2, 1, 4), (4,)):
        np.testing.assert_allclose(E(m).sum_to_size(size).numpy(),
                                   T(m).sum_to_size(size).numpy())
    np.testing.assert_allclose(E(m).sum_to_size(1, 1).numpy(), T(m).sum_to_size(1, 1).numpy())
    with pytest.raises(RuntimeError, match="not expandable"):
        E(m).sum_to_size(2, 4)
    x = np.array([0.0, 0.5, 2.0, 3.0])
    np.testing.assert_allclose(ember.trapezoid(E(m)).numpy(), np.trapezoid(m, axis=-1))
    np.testing.assert_allclose(ember.trapz(E(m), dx=0.5, dim=1).numpy(), np.trapezoid(m, dx=0.5, axis=1))
    np.testing.assert_allclose(ember.trapezoid(E(m), E(x)).numpy(), np.trapezoid(m, x, axis=-1))
    np.testing.assert_allclose(ember.trapezoid(E(m).transpose(1, 2), E(x), dim=1).numpy(),
                               np.trapezoid(m.transpose(0, 2, 1), x, axis=1))
    y = E(m).transpose(0, 2).requires_grad_()
    assert gradcheck(lambda t, u: ember.trapezoid(t, u, dim=0), (y, E(x).requires_grad_()))


def test_vander_fill_zero():
    x = np.array([2.0, -1.0, 0.5])
    for N in (None, 0, 1, 4):
        for inc in (False, True):
            np.testing.assert_allclose(ember.vander(E(x), N, inc).numpy(), np.vander(x, N, inc))
    xi = np.array([1, 2, 3])
    got = ember.vander(E(xi))
    assert got.dtype == ember.int64
    np.testing.assert_array_equal(got.numpy(), np.vander(xi))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        ember.vander(E(np.ones((2, 2))))
    v = E([[0.0, 2.0], [1.5, -1.0], [0.3, 0.0]]).t()[0].requires_grad_()  # includes x == 0
    assert gradcheck(lambda t: ember.vander(t, 4), (v,))
    t = E(np.ones(3))
    assert ember.fill_(t, 2.5) is t and t.numpy().tolist() == [2.5] * 3
    assert ember.zero_(t) is t and t.numpy().tolist() == [0.0] * 3
