"""Context managers (and decorators) that switch graph recording off or on for a block."""
import functools

from ember import _C


class _GradModeContext:
    """Base: sets grad mode on entry, restores it on exit; also usable as a decorator."""

    def _new_mode(self):
        raise NotImplementedError

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._new_mode())
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return fn(*args, **kwargs)
        return wrapper

    _args = ()


class no_grad(_GradModeContext):
    """Operations inside do not record a graph: results have requires_grad=False."""

    def _new_mode(self):
        return False


class enable_grad(_GradModeContext):
    """Turns recording back on inside a no_grad block."""

    def _new_mode(self):
        return True


class set_grad_enabled(_GradModeContext):
    """Sets recording on or off; takes effect immediately, and as a context restores on exit."""

    def __init__(self, mode):
        self._args = (mode,)
        self._mode = bool(mode)
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)

    def _new_mode(self):
        return self._mode

    def __enter__(self):
        return self


class inference_mode(_GradModeContext):
    """Like no_grad, for code that will never need gradients."""

    def __init__(self, mode=True):
        self._args = (mode,)
        self._mode = bool(mode)

    def _new_mode(self):
        return not self._mode

    def __enter__(self):
        self._prev_inference = _C.is_inference_mode_enabled()
        _C._set_inference_mode(self._mode)
        return super().__enter__()

    def __exit__(self, *exc):
        _C._set_inference_mode(self._prev_inference)
        return super().__exit__(*exc)
