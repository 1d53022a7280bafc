"""linalg.qr (Householder in ember ops), lstsq, norm, matrix_exp and the torch-level qr/svd/
pinverse/cholesky_inverse, against torch and NumPy, with float64 gradchecks and error paths."""
import numpy as np
import pytest

import ember
from ember.testing import assert_close, gradcheck
from conftest import torch


def pair(rng, *shape, transpose=False):
    a = rng.standard_normal(shape)
    e = ember.from_numpy(np.ascontiguousarray(a.swapaxes(-1, -2))).transpose(-1, -2) if transpose \
        else ember.from_numpy(a.copy())
    return e, torch.from_numpy(a.copy())


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 6, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_matches_torch(rng, shape, mode):
    e, t = pair(rng, *shape, transpose=True)
    Q, R = ember.linalg.qr(e, mode=mode)
    tQ, tR = torch.linalg.qr(t, mode=mode)
    assert_close(R, tR, atol=1e-10, rtol=1e-10)
    assert_close(Q, tQ, atol=1e-10, rtol=1e-10)
    if mode != "r":
        k = R.shape[-2]
        assert_close(Q[..., :, :k] @ R, e, atol=1e-12, rtol=1e-12)


@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
def test_qr_gradcheck_and_torch_qr(rng):
    a = ember.from_numpy(rng.standard_normal((3, 5))).t().requires_grad_()  # a tall, non-contiguous leaf
    assert gradcheck(lambda x: ember.linalg.qr(x), [a])
    e, t = pair(rng, 4, 3)
    for ours, theirs in zip(ember.qr(e, some=False), torch.qr(t, some=False)):
        assert_close(ours, theirs, atol=1e-10, rtol=1e-10)
    assert_close(e.qr()[1], t.qr()[1], atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss", "gels"])
def test_lstsq_matches_torch(rng, driver):
    e, t = pair(rng, 2, 6, 3)
    eb, tb = pair(rng, 2, 6, 2)
    ours, theirs = ember.linalg.lstsq(e, eb, driver=driver), torch.linalg.lstsq(t, tb, driver=driver)
    assert_close(ours.solution, theirs.solution, atol=1e-10, rtol=1e-10)
    assert_close(ours.residuals, theirs.residuals, atol=1e-10, rtol=1e-10)
    assert_close(ours.singular_values, theirs.singular_values, atol=1e-10, rtol=1e-10)
    assert ours.rank.tolist() == theirs.rank.tolist()


def test_lstsq_rank_deficient_and_vector_rhs(rng):
    a = rng.standard_normal((6, 2))
    A = np.c_[a, a[:, :1] * 2]  # rank 2
    b = rng.standard_normal(6)
    ours = ember.linalg.lstsq(ember.from_numpy(A), ember.from_numpy(b), driver="gelsd")
    expected = np.linalg.lstsq(A, b, rcond=None)[0]
    assert_close(ours.solution, expected, atol=1e-10, rtol=1e-10)
    assert ours.rank.item() == 2 and ours.residuals.numel() == 0
    x = ember.from_numpy(rng.standard_normal((5, 3))).requires_grad_()
    y = ember.from_numpy(rng.standard_normal((5, 2))).requires_grad_()
    assert gradcheck(lambda p, q: ember.linalg.lstsq(p, q).solution, [x, y])


@pytest.mark.parametrize("kwargs", [{}, {"ord": 1}, {"ord": "fro"}, {"ord": "nuc"}, {"ord": 2, "dim": 1},
                                    {"dim": (0, 1), "ord": -1}, {"ord": float("inf"), "dim": 0, "keepdim": True}])
def test_norm_matches_torch(rng, kwargs):
    e, t = pair(rng, 4, 3, transpose=True)
    assert_close(ember.linalg.norm(e, **kwargs), torch.linalg.norm(t, **kwargs), atol=1e-10, rtol=1e-10)
    v, tv = pair(rng, 5)
    if "dim" not in kwargs and kwargs.get("ord") not in ("fro", "nuc"):
        assert_close(ember.linalg.norm(v, **kwargs), torch.linalg.norm(tv, **kwargs))


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_matrix_exp_matches_torch(rng, scale):
    e, t = pair(rng, 2, 4, 4)
    ours, theirs = ember.linalg.matrix_exp(e * scale), torch.linalg.matrix_exp(t * scale)
    assert_close(ours, theirs, rtol=1e-11, atol=1e-11 * theirs.abs().max().item())
    assert_close(ember.matrix_exp(ember.zeros(3, 3)), np.eye(3))


def test_matrix_exp_gradcheck(rng):
    a = ember.from_numpy(rng.standard_normal((3, 3))).t().requires_grad_()
    assert gradcheck(ember.linalg.matrix_exp, [a])


def test_torch_level_svd_pinverse_cholesky_inverse(rng):
    e, t = pair(rng, 5, 3)
    U, S, V = ember.svd(e)
    assert_close(U @ ember.diag(S) @ V.t(), e, atol=1e-12, rtol=1e-12)
    assert U.shape == (5, 3) and V.shape == (3, 3)
    assert ember.svd(e, some=False)[0].shape == (5, 5)
    Uz, Sz, Vz = ember.svd(e, compute_uv=False)
    assert Uz.abs().sum().item() == 0 and Uz.shape == (5, 5) and Vz.shape == (3, 3)
    assert_close(Sz, torch.svd(t, compute_uv=False)[1], atol=1e-10, rtol=1e-10)
    assert_close(ember.pinverse(e), torch.pinverse(t), atol=1e-10, rtol=1e-10)
    spd = rng.standard_normal((4, 4))
    spd = spd @ spd.T + 4 * np.eye(4)
    L = torch.linalg.cholesky(torch.from_numpy(spd))
    assert_close(ember.cholesky_inverse(ember.from_numpy(L.numpy())), np.linalg.inv(spd), atol=1e-10, rtol=1e-10)
    assert_close(ember.from_numpy(L.numpy()).cholesky_inverse(), torch.cholesky_inverse(L), atol=1e-10, rtol=1e-10)


def test_errors():
    with pytest.raises(RuntimeError, match="qr received unrecognized mode 'full'"):
        ember.linalg.qr(ember.ones(3, 3), mode="full")
    with pytest.raises(RuntimeError, match="must have at least 2 dimensions"):
        ember.linalg.qr(ember.ones(3))
    with pytest.raises(RuntimeError, match="Expected a floating point tensor as input. Got Long"):
        ember.linalg.qr(ember.ones(3, 3, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Expected input and other to have the same dtype"):
        ember.linalg.lstsq(ember.ones(3, 2, dtype=ember.float64), ember.ones(3, 1))
    with pytest.raises(RuntimeError, match="input.size\\(-2\\) should match other.size\\(-2\\)"):
        ember.linalg.lstsq(ember.ones(3, 2), ember.ones(4, 1))
    with pytest.raises(RuntimeError, match="parameter `driver` should be one of"):
        ember.linalg.lstsq(ember.ones(3, 2), ember.ones(3, 1), driver="magic")
    with pytest.raises(RuntimeError, match="the input must be 1D or 2D. Got 3D"):
        ember.linalg.norm(ember.ones(2, 2, 2), ord=2)
    with pytest.raises(RuntimeError, match="A must be batches of square matrices"):
        ember.linalg.matrix_exp(ember.ones(2, 3))
