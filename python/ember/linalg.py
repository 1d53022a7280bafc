"""ember.linalg: PyTorch's torch.linalg functions that ember implements."""
import ember
from ember._C import linalg_vector_norm as vector_norm  # noqa: F401
from ember._linalg_decomp import (LinAlgError, cholesky, cholesky_solve, det, eigh, eigvalsh, inv,  # noqa: F401
                                  logdet, slogdet, solve, solve_triangular, svd, svdvals)
from ember._linalg_compose import (cond, cross, diagonal, matmul, matrix_norm, matrix_power, matrix_rank,  # noqa: F401
                                   multi_dot, pinv, vander, vecdot)

# torch-level names and Tensor methods (torch.inverse, Tensor.det, ...).
for _name, _fn in (("inverse", inv), ("det", det), ("logdet", logdet), ("slogdet", slogdet),
                   ("cholesky_solve", cholesky_solve)):
    setattr(ember, _name, _fn)
    setattr(ember.Tensor, _name, _fn)
ember.matrix_power = matrix_power
ember.Tensor.matrix_power = matrix_power


def _cholesky_method(self, upper=False):
    return cholesky(self, upper=upper)


ember.cholesky = _cholesky_method
ember.Tensor.cholesky = _cholesky_method
