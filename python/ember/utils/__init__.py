"""ember.utils: data loading and hook handles."""
from ember.utils import data, hooks  # noqa: F401
