"""ember.backends.mps: ember is built without Apple's Metal (MPS) backend."""


def is_available():
    return False


def is_built():
    return False

