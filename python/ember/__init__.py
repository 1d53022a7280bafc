"""ember: a small, fast autodiff engine with PyTorch's API."""
from ember._C import *  # noqa: F401,F403
from ember._C import Tensor, Size, device, dtype  # noqa: F401
