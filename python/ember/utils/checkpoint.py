"""Activation checkpointing: run part of a model without keeping its intermediate activations,
and recompute them during backward. Trades one extra forward of that part for its memory.

`checkpoint(fn, *args, use_reentrant=...)` runs `fn` under no_grad and records one node; its
backward replays `fn` with grad enabled (and, with preserve_rng_state, the same random draws, so
dropout masks repeat), then backpropagates through the replay. Gradients reach the tensors in
`args` through the node and `fn`'s parameters directly, whether or not any input requires grad.
"""
import warnings

from ember import _C
from ember.autograd import Function, backward as _backward
from ember.autograd.grad_mode import enable_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


class _Checkpoint(Function):
    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, anchor, *args):
        ctx.run_function = run_function
        ctx.rng_state = _C.get_rng_state() if preserve_rng_state else None
        ctx.tensor_positions = [i for i, a in enumerate(args) if isinstance(a, _C.Tensor)]
        ctx.non_tensor_args = [None if isinstance(a, _C.Tensor) else a for a in args]
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_positions])
        outputs = run_function(*args)  # forward of a Function records no graph
        ctx.single_output = isinstance(outputs, _C.Tensor)
        return outputs

    @staticmethod
    def backward(ctx, *grad_outputs):
        saved = ctx.saved_tensors
        args = list(ctx.non_tensor_args)
        for position, tensor in zip(ctx.tensor_positions, saved):
            leaf = tensor.detach()
            leaf.requires_grad_(tensor.requires_grad)
            args[position] = leaf
        if ctx.rng_state is not None:
            outer_state = _C.get_rng_state()
            _C.set_rng_state(ctx.rng_state)
        try:
            with enable_grad():
                outputs = ctx.run_function(*args)
        finally:
            if ctx.rng_state is not None:
                _C.set_rng_state(outer_state)
        outputs = (outputs,) if ctx.single_output else tuple(outputs)
        pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
                 if isinstance(o, _C.Tensor) and o.requires_grad and g is not None]
        if pairs:
            _backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = [None] * len(args)
        for position in ctx.tensor_positions:
            grads[position] = args[position].grad if args[position].requires_grad else None
        return (None, None, None, *grads)


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default", debug=False,
               preserve_rng_state=True, **kwargs):
    """Computes function(*args, **kwargs) without saving its activations for backward."""
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
                      "ember replays the function in backward either way; pass use_reentrant=False to "
                      "silence this warning.", stacklevel=2)
    if determinism_check not in ("default", "none"):
        raise ValueError(f"determinism_check should be one of ['default', 'none'], but got {determinism_check}")
    if context_fn is not None:
        raise ValueError("ember's checkpoint takes no context_fn: it runs no selective activation checkpointing")
    run = (lambda *a: function(*a, **kwargs)) if kwargs else function
    # The anchor requires grad, so the node is recorded even when no input does: the replay still
    # gives function's parameters their gradients.
    anchor = _C.empty(0, requires_grad=True)
    return _Checkpoint.apply(run, preserve_rng_state, anchor, *args)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs a Sequential (or list of modules) in `segments` chunks, checkpointing all but the last."""
    functions = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if segments <= 0:
        raise ValueError(f"checkpoint_sequential: segments must be positive, got {segments}")
    per_segment = max(len(functions) // segments, 1)

    def run_segment(start, end):
        def forward(x):
            for f in functions[start:end + 1]:
                x = f(x)
            return x
        return forward

    end = -1
    for start in range(0, per_segment * (segments - 1), per_segment):
        end = start + per_segment - 1
        input = checkpoint(run_segment(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run_segment(end + 1, len(functions) - 1)(input)
