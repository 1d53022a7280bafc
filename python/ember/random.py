"""ember.random: torch.random's seeding functions over ember's default Philox generator."""
import contextlib

from ember._C import get_rng_state, initial_seed, manual_seed, seed, set_rng_state  # noqa: F401


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, device_type="cpu"):
    """Restores the generator's state on exit, so draws inside the block leave the stream outside
    it untouched."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
