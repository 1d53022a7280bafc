"""ember.linalg decompositions: solve, inv, det, slogdet, logdet, cholesky, solve_triangular,
cholesky_solve vs NumPy/torch, gradcheck in float64, and the error paths."""
import numpy as np
import pytest
import torch

import ember
from ember.testing import gradcheck


def rand(*shape, dtype=ember.float64, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape)).to(dtype)


def well_conditioned(*shape, seed=0):
    n = shape[-1]
    return rand(*shape, seed=seed) + 3 * ember.eye(n, dtype=ember.float64)


def spd(*shape, seed=0):
    a = rand(*shape, seed=seed)
    return a @ a.mT + shape[-1] * ember.eye(shape[-1], dtype=ember.float64)


@pytest.mark.parametrize("dtype,tol", [(ember.float32, 1e-4), (ember.float64, 1e-10)])
def test_solve_inv_det_match_numpy(dtype, tol):
    a = well_conditioned(2, 3, 5, 5).to(dtype)
    b = rand(3, 5, 2, seed=1).to(dtype)  # broadcast batch
    an, bn = a.numpy(), b.numpy()
    x = ember.linalg.solve(a, b)
    assert x.dtype == dtype and tuple(x.shape) == (2, 3, 5, 2)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(an, bn), rtol=tol, atol=tol)
    np.testing.assert_allclose(ember.linalg.inv(a).numpy(), np.linalg.inv(an), rtol=tol, atol=tol)
    np.testing.assert_allclose(ember.linalg.det(a).numpy(), np.linalg.det(an), rtol=tol, atol=tol)
    sign, logabs = ember.linalg.slogdet(a)
    ns, nl = np.linalg.slogdet(an)
    np.testing.assert_array_equal(sign.numpy(), ns)
    np.testing.assert_allclose(logabs.numpy(), nl, rtol=tol, atol=tol)


def test_noncontiguous_and_vector_rhs():
    a = well_conditioned(4, 4).mT  # transposed view
    b = rand(4, seed=2)
    x = ember.linalg.solve(a, b)
    assert tuple(x.shape) == (4,)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a.numpy(), b.numpy()), rtol=1e-10)
    xr = ember.linalg.solve(a, rand(3, 4, seed=3), left=False)
    np.testing.assert_allclose((xr @ a).numpy(), rand(3, 4, seed=3).numpy(), atol=1e-10)


def test_torch_aliases_and_methods():
    a = well_conditioned(3, 3)
    t = torch.tensor(a.numpy())
    np.testing.assert_allclose(ember.inverse(a).numpy(), torch.inverse(t).numpy(), atol=1e-12)
    np.testing.assert_allclose(a.det().numpy(), t.det().numpy(), atol=1e-12)
    np.testing.assert_allclose(a.logdet().numpy(), t.logdet().numpy(), atol=1e-12)
    np.testing.assert_allclose(a.inverse().numpy(), t.inverse().numpy(), atol=1e-12)
    assert ember.logdet(ember.tensor([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])).item() == 0.0
    assert np.isnan(ember.logdet(-ember.eye(3)).item())
    assert ember.logdet(ember.zeros(2, 2)).item() == -np.inf


def test_cholesky_and_cholesky_solve():
    s = spd(2, 4, 4)
    L = ember.linalg.cholesky(s)
    np.testing.assert_allclose(L.numpy(), np.linalg.cholesky(s.numpy()), atol=1e-12)
    U = ember.linalg.cholesky(s, upper=True)
    np.testing.assert_allclose((U.mT @ U).numpy(), s.numpy(), atol=1e-10)
    np.testing.assert_allclose(s.cholesky().numpy(), L.numpy())
    b = rand(2, 4, 3, seed=4)
    x = ember.cholesky_solve(b, L)
    tx = torch.cholesky_solve(torch.tensor(b.numpy()), torch.tensor(L.numpy()))
    np.testing.assert_allclose(x.numpy(), tx.numpy(), atol=1e-10)
    np.testing.assert_allclose(ember.cholesky_solve(b, U, upper=True).numpy(), tx.numpy(), atol=1e-10)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_matches_torch(upper, left, unit):
    a = well_conditioned(2, 4, 4)
    a = a.triu() if upper else a.tril()
    b = rand(2, 4, 4, seed=5)[..., :3] if left else rand(2, 3, 4, seed=5)
    got = ember.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)
    want = torch.linalg.solve_triangular(torch.tensor(a.numpy()), torch.tensor(b.numpy()), upper=upper,
                                         left=left, unitriangular=unit)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-10)


def test_gradcheck_solve_inv_det_slogdet():
    a = well_conditioned(2, 3, 3).requires_grad_()
    b = rand(3, 2, seed=6).requires_grad_()
    assert gradcheck(lambda a, b: ember.linalg.solve(a, b), (a, b))
    assert gradcheck(ember.linalg.inv, (a,))
    assert gradcheck(ember.linalg.det, (a,))
    assert gradcheck(lambda a: ember.linalg.slogdet(a)[1], (a,))
    assert gradcheck(ember.logdet, (a @ a.mT,))


def test_gradcheck_cholesky_and_triangular():
    s = spd(2, 3, 3).requires_grad_()
    assert gradcheck(lambda s: ember.linalg.cholesky(0.5 * (s + s.mT)), (s,))
    t = well_conditioned(3, 3).tril().requires_grad_()
    b = rand(3, 2, seed=7).requires_grad_()
    assert gradcheck(lambda t, b: ember.linalg.solve_triangular(t, b, upper=False), (t, b))
    assert gradcheck(lambda t, b: ember.linalg.solve_triangular(t.mT, b.mT, upper=True, left=False), (t, b))


def test_double_backward_inv():
    a = well_conditioned(3, 3).requires_grad_()
    (g,) = ember.autograd.grad(ember.linalg.inv(a).sum(), a, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), a)
    t = torch.tensor(a.detach().numpy(), requires_grad=True)
    (tg,) = torch.autograd.grad(torch.linalg.inv(t).sum(), t, create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), t)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), atol=1e-10)


def test_errors():
    LinAlgError = ember.linalg.LinAlgError
    assert issubclass(LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 by 3"):
        ember.linalg.inv(rand(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.det(rand(3))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        ember.linalg.inv(ember.ones(2, 2, dtype=ember.int64))
    with pytest.raises(LinAlgError, match="The diagonal element 2 is zero"):
        ember.linalg.inv(ember.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(LinAlgError, match="input matrix is singular"):
        ember.linalg.solve(ember.zeros(2, 2), ember.ones(2))
    with pytest.raises(LinAlgError, match=r"\(Batch element 1\): linalg.cholesky: .*minor of order 2"):
        ember.linalg.cholesky(ember.tensor([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]]))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\)"):
        ember.linalg.solve(well_conditioned(2, 3, 3), rand(3, 3, 3))
    assert ember.linalg.det(ember.zeros(2, 2)).item() == 0.0


def test_composed_ops_match_torch():
    a, b = rand(2, 3, 3), rand(2, 3, 3, seed=8)
    ta, tb = torch.tensor(a.numpy()), torch.tensor(b.numpy())
    np.testing.assert_allclose(ember.linalg.matmul(a, b).numpy(), torch.linalg.matmul(ta, tb).numpy(), atol=1e-12)
    np.testing.assert_allclose(ember.linalg.diagonal(a, offset=1).numpy(), torch.linalg.diagonal(ta, offset=1).numpy())
    np.testing.assert_allclose(ember.linalg.vecdot(a, b, dim=1).numpy(), torch.linalg.vecdot(ta, tb, dim=1).numpy(),
                               atol=1e-12)
    np.testing.assert_allclose(ember.linalg.cross(a, b, dim=1).numpy(), torch.linalg.cross(ta, tb, dim=1).numpy(),
                               atol=1e-12)
    v, m, w = rand(3, seed=9), rand(3, 4, seed=10), rand(4, seed=11)
    np.testing.assert_allclose(ember.linalg.multi_dot([v, m, w]).numpy(),
                               torch.linalg.multi_dot([torch.tensor(v.numpy()), torch.tensor(m.numpy()),
                                                       torch.tensor(w.numpy())]).numpy(), atol=1e-12)
    for n in (-3, 0, 1, 5):
        np.testing.assert_allclose(ember.linalg.matrix_power(well_conditioned(2, 3, 3), n).numpy(),
                                   np.linalg.matrix_power(well_conditioned(2, 3, 3).numpy(), n), rtol=1e-10)
    x = ember.tensor([1, 2, 3])
    vx = ember.linalg.vander(x, N=4)
    assert vx.dtype == ember.int64
    np.testing.assert_array_equal(vx.numpy(), torch.linalg.vander(torch.tensor([1, 2, 3]), N=4).numpy())
    assert gradcheck(lambda a: ember.linalg.matrix_power(a, -2), (well_conditioned(3, 3).requires_grad_(),))


def test_composed_op_errors():
    with pytest.raises(RuntimeError, match="the first tensor must be 1D or 2D but got 3D"):
        ember.linalg.multi_dot([rand(2, 2, 2), rand(2, 2)])
    with pytest.raises(RuntimeError, match="multi_dot\\(\\): expected at least 2 tensors but got 1"):
        ember.linalg.multi_dot([rand(2, 2)])
    with pytest.raises(RuntimeError, match="dimension -1 must have length 3. Got 2 and 2"):
        ember.linalg.cross(rand(2), rand(2))
    with pytest.raises(RuntimeError, match="N must be greater than 1"):
        ember.linalg.vander(rand(2), N=0)
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.matrix_power(rand(2, 3), 2)


@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_eigh_matches_numpy(UPLO):
    a = rand(2, 3, 5, 5, seed=12).mT  # non-symmetric, non-contiguous: only one triangle is read
    w, V = ember.linalg.eigh(a, UPLO=UPLO)
    nw, nV = np.linalg.eigh(a.numpy(), UPLO=UPLO)
    np.testing.assert_allclose(w.numpy(), nw, atol=1e-10)
    np.testing.assert_allclose(np.abs(V.numpy()), np.abs(nV), atol=1e-8)
    an = a.numpy() if UPLO == "L" else np.swapaxes(a.numpy(), -1, -2)
    sym = np.tril(an) + np.swapaxes(np.tril(an, -1), -1, -2)
    np.testing.assert_allclose(((V * w.unsqueeze(-2)) @ V.mT).numpy(), sym, atol=1e-10)
    np.testing.assert_allclose(ember.linalg.eigvalsh(a, UPLO=UPLO).numpy(), nw, atol=1e-10)
    assert ember.linalg.eigvalsh(a.to(ember.float32)).dtype == ember.float32


def test_eigh_gradcheck_gauge_invariant():
    a = rand(2, 4, 4, seed=13).requires_grad_()
    assert gradcheck(ember.linalg.eigvalsh, (a,))
    weights = ember.tensor([1.0, 2.0, 3.0, 4.0], dtype=ember.float64)

    def spectral(a):  # V diag(f) V^T does not depend on the eigenvectors' signs
        w, V = ember.linalg.eigh(a, UPLO="U")
        return (V * (weights * w.sin()).unsqueeze(-2)) @ V.mT

    assert gradcheck(spectral, (a,))


def test_eigh_errors():
    with pytest.raises(RuntimeError, match="Expected UPLO argument to be 'L' or 'U', but got X"):
        ember.linalg.eigh(rand(3, 3), UPLO="X")
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.eigvalsh(rand(3, 2))


@pytest.mark.parametrize("shape", [(3, 5, 4), (2, 3, 6), (4, 4), (5, 1)])
@pytest.mark.parametrize("full", [True, False])
def test_svd_matches_numpy_and_reconstructs(shape, full):
    a = rand(*shape[:-2], shape[-1], shape[-2], seed=14).mT  # non-contiguous
    U, S, Vh = ember.linalg.svd(a, full_matrices=full)
    nU, nS, nVh = np.linalg.svd(a.numpy(), full_matrices=full)
    assert U.shape == nU.shape and S.shape == nS.shape and Vh.shape == nVh.shape
    np.testing.assert_allclose(S.numpy(), nS, atol=1e-12)
    k = S.size(-1)
    np.testing.assert_allclose(((U[..., :k] * S.unsqueeze(-2)) @ Vh[..., :k, :]).numpy(), a.numpy(), atol=1e-12)
    np.testing.assert_allclose((U.mT @ U).numpy(), np.broadcast_to(np.eye(U.size(-1)), (U.mT @ U).shape), atol=1e-12)
    np.testing.assert_allclose((Vh @ Vh.mT).numpy(), np.broadcast_to(np.eye(Vh.size(-2)), (Vh @ Vh.mT).shape),
                               atol=1e-12)
    np.testing.assert_allclose(ember.linalg.svdvals(a).numpy(), nS, atol=1e-12)


def test_svd_rank_deficient_keeps_orthonormal_u():
    a = ember.tensor([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]], dtype=ember.float64)
    U, S, Vh = ember.linalg.svd(a)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(a.numpy(), compute_uv=False), atol=1e-12)
    np.testing.assert_allclose((U.mT @ U).numpy(), np.eye(3), atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 5, 3), (2, 3, 5)])
def test_svd_gradcheck_gauge_invariant(shape):
    a = rand(*shape, seed=15).requires_grad_()
    assert gradcheck(ember.linalg.svdvals, (a,))

    def invariant(a):  # U Vh and U diag(S) U^T do not depend on the singular vectors' signs
        U, S, Vh = ember.linalg.svd(a, full_matrices=False)
        return U @ Vh, (U * S.unsqueeze(-2)) @ U.mT

    assert gradcheck(invariant, (a,))


def test_svd_errors():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.svd(rand(3))
    with pytest.raises(RuntimeError, match="Expected a floating point or complex tensor as input. Got Long"):
        ember.linalg.svdvals(ember.ones(2, 2, dtype=ember.int64))


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), float("-inf")])
@pytest.mark.parametrize("dim", [(-2, -1), (0, 2), (2, 1)])
def test_matrix_norm_matches_torch(ord, dim):
    a = rand(2, 4, 3, seed=16)
    for keepdim in (False, True):
        got = ember.linalg.matrix_norm(a, ord, dim, keepdim)
        want = torch.linalg.matrix_norm(torch.tensor(a.numpy()), ord, dim, keepdim)
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)
    assert gradcheck(lambda a: ember.linalg.matrix_norm(a, ord, dim), (a.requires_grad_(),))


def test_pinv_and_matrix_rank():
    a = rand(2, 5, 3, seed=17)
    np.testing.assert_allclose(ember.linalg.pinv(a).numpy(), np.linalg.pinv(a.numpy()), atol=1e-12)
    np.testing.assert_allclose(ember.linalg.pinv(a.mT).numpy(), np.linalg.pinv(a.mT.numpy()), atol=1e-12)
    low = ember.tensor(np.random.default_rng(1).standard_normal((3, 5, 2)) @
                       np.random.default_rng(2).standard_normal((3, 2, 4)))
    tl = torch.tensor(low.numpy())
    np.testing.assert_array_equal(ember.linalg.matrix_rank(low).numpy(), torch.linalg.matrix_rank(tl).numpy())
    np.testing.assert_array_equal(ember.linalg.matrix_rank(low, atol=1.0, rtol=0.0).numpy(),
                                  torch.linalg.matrix_rank(tl, atol=1.0, rtol=0.0).numpy())
    np.testing.assert_allclose(ember.linalg.pinv(low).numpy(), np.linalg.pinv(low.numpy()), atol=1e-10)
    assert gradcheck(ember.linalg.pinv, (a.requires_grad_(),))


def test_matrix_norm_errors():
    with pytest.raises(RuntimeError, match="Order 3 not supported"):
        ember.linalg.matrix_norm(rand(3, 3), 3)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.matrix_norm(rand(3))


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, float("inf")])
def test_cond_matches_torch(p):
    a = well_conditioned(2, 4, 4, seed=18)
    np.testing.assert_allclose(ember.linalg.cond(a, p).numpy(), torch.linalg.cond(torch.tensor(a.numpy()), p).numpy(),
                               rtol=1e-10)
