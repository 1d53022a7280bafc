"""ember.linalg: PyTorch's torch.linalg functions that ember implements."""
import warnings

import ember
from ember._C import linalg_vector_norm as vector_norm  # noqa: F401
from ember._linalg_decomp import (LinAlgError, cholesky, cholesky_solve, det, eigh, eigvalsh, inv,  # noqa: F401
                                  logdet, slogdet, solve, solve_triangular, svd, svdvals)
from ember._linalg_compose import (cond, cross, diagonal, matmul, matrix_norm, matrix_power, matrix_rank,  # noqa: F401
                                   multi_dot, pinv, vander, vecdot, qr, lstsq, norm, matrix_exp)

# torch-level names and Tensor methods (torch.inverse, Tensor.det, ...).
for _name, _fn in (("inverse", inv), ("det", det), ("logdet", logdet), ("slogdet", slogdet),
                   ("cholesky_solve", cholesky_solve)):
    setattr(ember, _name, _fn)
    setattr(ember.Tensor, _name, _fn)
ember.matrix_power = matrix_power
ember.Tensor.matrix_power = matrix_power
ember.matrix_exp = matrix_exp
ember.Tensor.matrix_exp = matrix_exp


def _torch_qr(input, some=True):
    """torch.qr: the reduced factorisation unless some=False."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
                  "release.", UserWarning, stacklevel=2)
    return qr(input, "reduced" if some else "complete")


def _torch_svd(input, some=True, compute_uv=True):
    """torch.svd: U, S and V (not Vh); with compute_uv=False, U and V are zeros."""
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        S = svdvals(input)
        return ember.zeros(*input.shape[:-2], m, m, dtype=input.dtype), S, \
            ember.zeros(*input.shape[:-2], n, n, dtype=input.dtype)
    U, S, Vh = svd(input, full_matrices=not some)
    return U, S, Vh.transpose(-2, -1)


def _pinverse(input, rcond=1e-15):
    return pinv(input, rtol=rcond)


def _cholesky_inverse(L, upper=False):
    """The inverse of A from its Cholesky factor L (A = L L^T, or U^T U when upper)."""
    eye = ember.eye(L.shape[-1], dtype=L.dtype).expand(L.shape)
    return cholesky_solve(eye, L, upper=upper)


for _name, _fn in (("qr", _torch_qr), ("svd", _torch_svd), ("pinverse", _pinverse),
                   ("cholesky_inverse", _cholesky_inverse)):
    setattr(ember, _name, _fn)
    setattr(ember.Tensor, _name, _fn)


def _cholesky_method(self, upper=False):
    return cholesky(self, upper=upper)


ember.cholesky = _cholesky_method
ember.Tensor.cholesky = _cholesky_method
