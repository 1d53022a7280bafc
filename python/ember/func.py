"""ember.func: functional_call (torch.func.functional_call)."""
from ember.nn.utils.stateless import functional_call  # noqa: F401
