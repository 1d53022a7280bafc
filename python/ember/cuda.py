"""ember.cuda: answers honestly whether a CUDA device can be used by this build."""
from ember import _C


def is_available():
    """True only when ember was built with its CUDA backend and a device is present."""
    return device_count() > 0


def device_count():
    return _C._cuda_device_count() if hasattr(_C, "_cuda_device_count") else 0


def manual_seed(seed):
    """Seeds the CUDA generator; ember uses one counter-based generator for every device."""
    import ember
    ember.manual_seed(seed)


manual_seed_all = manual_seed
