"""ember.accelerator: the device-agnostic questions of torch.accelerator, answered from the one
accelerator ember can have, CUDA. The PyTorch quickstart picks its device with
`torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"`."""
from ember import _C
from ember import cuda


def is_available():
    return cuda.is_available()


def device_count():
    return cuda.device_count()


def current_accelerator(check_available=False):
    """ember.device('cuda') in a build with the CUDA backend, else None (None too when
    check_available is set and no device is present)."""
    from ember.backends.cuda import is_built
    if not is_built() or (check_available and not is_available()):
        return None
    return _C.device("cuda")

