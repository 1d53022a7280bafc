"""ember.linalg: PyTorch's torch.linalg functions that ember implements."""
import ember
from ember._C import linalg_vector_norm as vector_norm  # noqa: F401
from ember._linalg_decomp import (LinAlgError, cholesky, cholesky_solve, det, inv, logdet,  # noqa: F401
                                  slogdet, solve, solve_triangular)

# torch-level names and Tensor methods (torch.inverse, Tensor.det, ...).
for _name, _fn in (("inverse", inv), ("det", det), ("logdet", logdet), ("slogdet", slogdet),
                   ("cholesky_solve", cholesky_solve)):
    setattr(ember, _name, _fn)
for _name, _fn in (("inverse", inv), ("det", det), ("logdet", logdet), ("slogdet", slogdet),
                   ("cholesky_solve", cholesky_solve)):
    setattr(ember.Tensor, _name, _fn)


def _cholesky_method(self, upper=False):
    return cholesky(self, upper=upper)


ember.cholesky = _cholesky_method
ember.Tensor.cholesky = _cholesky_method
