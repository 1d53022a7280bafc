"""ember.backends.cpu: the SIMD level ember's CPU kernels dispatch to on this machine."""
from ember import _C


def get_cpu_capability():
    """'AVX512', 'AVX2' or 'DEFAULT': the widest kernels ember chose at run time (as PyTorch's names)."""
    return _C._cpu_capability()
