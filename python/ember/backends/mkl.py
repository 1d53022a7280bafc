"""ember.backends.mkl: ember is built without Intel MKL."""


def is_available():
    return False

