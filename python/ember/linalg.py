"""ember.linalg: PyTorch's torch.linalg functions that ember implements."""
from ember._C import linalg_vector_norm as vector_norm  # noqa: F401
