"""ember.backends.cuda: whether the CUDA backend was compiled into this build."""
from ember import _C


def is_built():
    """True when this build contains the CUDA backend (even if no GPU is present now)."""
    return hasattr(_C, "_cuda_device_count")
