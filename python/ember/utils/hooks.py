"""RemovableHandle: what every register_*_hook returns (modules, optimizers)."""
import itertools


class RemovableHandle:
    """Returned by register_*_hook; remove() unregisters the hook from the dict it was added to."""

    _next_id = itertools.count()

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
