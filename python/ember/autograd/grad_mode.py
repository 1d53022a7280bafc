"""Switches for graph recording: no_grad, enable_grad, set_grad_enabled, inference_mode.

Each works as a context manager and as a decorator (with or without parentheses where PyTorch
allows it; generator functions keep the mode around each resumption). The mode is thread-local:
it lives in C++ thread_local state, so one thread's no_grad never affects another thread.
"""
import functools
import inspect

from ember import _C

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]


def _decorate(make_context, fn):
    """fn wrapped so that each call (each step, for a generator) runs inside make_context()."""
    if inspect.isclass(fn):
        raise RuntimeError("Cannot decorate classes; decorate the methods that need the grad mode")
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def generator(*args, **kwargs):
            gen = fn(*args, **kwargs)
            with make_context():
                value = gen.send(None)
            while True:
                try:
                    sent = yield value
                except GeneratorExit:
                    with make_context():
                        gen.close()
                    raise
                except BaseException as exc:  # forward throw() into the wrapped generator
                    try:
                        with make_context():
                            value = gen.throw(exc)
                    except StopIteration as stop:
                        return stop.value
                else:
                    try:
                        with make_context():
                            value = gen.send(sent)
                    except StopIteration as stop:
                        return stop.value
        return generator

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_context():
            return fn(*args, **kwargs)
    return wrapper


class _GradModeContext:
    """Sets grad mode on entry and restores the previous mode on exit (re-entrant: the previous
    modes are a stack). Calling an instance on a function decorates it. Subclasses define
    _mode(), the grad mode inside."""

    def _fresh(self):
        return type(self)()

    def __enter__(self):
        self.__dict__.setdefault("_prev", []).append(_C.is_grad_enabled())
        _C._set_grad_enabled(self._mode())

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev.pop())
        return False

    def __call__(self, fn):
        return _decorate(self._fresh, fn)


class _NoParamGradModeContext(_GradModeContext):
    """Also usable as a bare decorator: @no_grad as well as @no_grad()."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamGradModeContext):
    """Ops inside do not record a graph: their results have requires_grad=False."""

    def _mode(self):
        return False


class enable_grad(_NoParamGradModeContext):
    """Turns recording back on, e.g. inside a no_grad block."""

    def _mode(self):
        return True


class set_grad_enabled(_GradModeContext):
    """Turns recording on or off. Takes effect when constructed, so a plain call
    `set_grad_enabled(False)` works as a switch; as a context it restores the old mode on exit."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev_at_init = _C.is_grad_enabled()
        _C._set_grad_enabled(self.mode)

    def _mode(self):
        return self.mode

    def _fresh(self):
        return set_grad_enabled(self.mode)

    def __enter__(self):
        # The constructor already switched; the mode to restore is the one before it.
        self.__dict__.setdefault("_prev", []).append(self._prev_at_init)
        _C._set_grad_enabled(self.mode)

    def __call__(self, fn):
        # As a decorator, construction must not have switched the mode for the caller.
        _C._set_grad_enabled(self._prev_at_init)
        return super().__call__(fn)

    def __repr__(self):
        return f"ember.autograd.grad_mode.set_grad_enabled(mode={self.mode})"


class inference_mode(_GradModeContext):
    """Like no_grad, for code that will never need gradients. inference_mode(False) leaves
    inference mode (and turns recording back on) inside an enclosing one."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # bare @inference_mode on a function

    def __init__(self, mode=True):
        self.mode = mode

    def _mode(self):
        return not self.mode

    def _fresh(self):
        return inference_mode(self.mode)

    def __enter__(self):
        self.__dict__.setdefault("_prev_inference", []).append(_C.is_inference_mode_enabled())
        _C._set_inference_mode(self.mode)
        super().__enter__()

    def __exit__(self, *exc):
        _C._set_inference_mode(self._prev_inference.pop())
        return super().__exit__(*exc)
