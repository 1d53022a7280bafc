"""ember.version: what was built. `cuda` is the CUDA toolkit version compiled in, None without it."""
from importlib import metadata as _metadata

from ember import _C

try:
    __version__ = _metadata.version("ember")
except _metadata.PackageNotFoundError:  # an in-place build that pip never installed
    __version__ = "0.1.0+local"
cuda = _C._cuda_version() if hasattr(_C, "_cuda_version") else None
debug = False
