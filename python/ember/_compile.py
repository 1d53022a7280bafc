"""ember.compile: PyTorch 2's `model = torch.compile(model)` line, for an eager engine.

ember has no graph compiler: its ops already run as C++ kernels with little per-op overhead, so
compiling returns the model or function itself, which computes exactly what the compiled one
would. The arguments are checked as PyTorch checks them, so a typo still fails here.
"""
_MODES = (None, "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,  # noqa: A001
            disable=False):
    """Returns `model` unchanged (ember runs eagerly); as a decorator factory when model is None."""
    if mode not in _MODES:
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {', '.join(m for m in _MODES if m)}")
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if not (isinstance(backend, str) or callable(backend)):
        raise TypeError(f"backend must be a string or a callable, not {type(backend).__name__}")
    if model is None:
        return lambda fn: compile(fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                  options=options, disable=disable)
    if not callable(model):
        raise AssertionError(f"A callable function is expected, but {type(model)} is provided.")
    return model
