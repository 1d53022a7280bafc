"""ember.backends.openmp: ember is built without OpenMP (ember's thread pool is its own)."""


def is_available():
    return False

