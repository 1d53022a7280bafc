"""ember.utils: data loading and hook handles."""
from ember.utils import checkpoint, data, hooks  # noqa: F401
from ember.utils import safetensors  # noqa: F401
