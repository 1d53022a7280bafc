"""ember.backends.mkldnn: ember is built without oneDNN (MKL-DNN)."""


def is_available():
    return False

