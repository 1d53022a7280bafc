"""ember.cpu: torch.cpu's device questions. CPU ops run synchronously on the calling thread (each
may split its work over ember's thread pool and waits for it), so there is nothing to wait for."""


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    """Returns at once: every CPU op has finished by the time it returns."""
