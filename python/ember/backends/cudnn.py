"""ember.backends.cudnn: ember does not use cuDNN. `benchmark`, `deterministic` and `enabled` are
settings programs assign; ember's convolutions are deterministic whatever they say."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    """None: no cuDNN is linked."""
    return None
