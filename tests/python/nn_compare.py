"""Helpers for the nn tests: run the same computation in ember and PyTorch (inputs and weights copied
through NumPy) and compare outputs, input gradients and parameter gradients."""
import numpy as np

import ember
from ember.testing import assert_close

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

DTYPES = {"float32": (np.float32, 1e-5, 1e-5), "float64": (np.float64, 1e-10, 1e-10)}


def tol(dtype, scale=1.0):
    _, rtol, atol = DTYPES[dtype]
    return {"rtol": rtol * scale, "atol": atol * scale}


def pair(array, requires_grad=None):
    """The same values as an ember and a torch tensor; float arrays require grad unless told otherwise."""
    array = np.array(array, order="C")  # ascontiguousarray would make a 0-d target 1-d
    if requires_grad is None:
        requires_grad = np.issubdtype(array.dtype, np.floating)
    e = ember.tensor(array)
    t = torch.tensor(array)
    if requires_grad:
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def copy_module(theirs, ours):
    """Loads torch module `theirs`'s state dict into ember module `ours` (names must match)."""
    state = {k: ember.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    return ours


def _outputs(out):
    if isinstance(out, (tuple, list)):
        flat = []
        for o in out:
            flat.extend(_outputs(o))
        return flat
    return [out] if out is not None else []


def compare(ours_fn, theirs_fn, arrays, dtype="float32", scale=1.0, backward=True, seed=0,
            ours_module=None, theirs_module=None, requires_grad=None):
    """Runs ours_fn(*ember_inputs) and theirs_fn(*torch_inputs) and compares outputs; then backpropagates the
    same random upstream gradient through every floating output and compares input and parameter grads."""
    requires_grad = requires_grad or [None] * len(arrays)
    pairs = [pair(a, r) if isinstance(a, np.ndarray) else (a, a) for a, r in zip(arrays, requires_grad)]
    ours_out = _outputs(ours_fn(*[p[0] for p in pairs]))
    theirs_out = _outputs(theirs_fn(*[p[1] for p in pairs]))
    assert len(ours_out) == len(theirs_out)
    for o, t in zip(ours_out, theirs_out):
        assert tuple(o.shape) == tuple(t.shape), (tuple(o.shape), tuple(t.shape))
        assert_close(o, t, **tol(dtype, scale))
    if not backward:
        return ours_out, theirs_out
    rng = np.random.default_rng(seed)
    ours_loss, theirs_loss = 0, 0
    for o, t in zip(ours_out, theirs_out):
        if not t.requires_grad:
            continue
        g = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
        ours_loss = ours_loss + (o * ember.tensor(g)).sum()
        theirs_loss = theirs_loss + (t * torch.tensor(g)).sum()
    if isinstance(theirs_loss, int):
        return ours_out, theirs_out
    ours_loss.backward()
    theirs_loss.backward()
    for (e, t) in pairs:
        if isinstance(t, torch.Tensor) and t.requires_grad:
            assert (e.grad is None) == (t.grad is None)
            if t.grad is not None:
                assert_close(e.grad, t.grad, **tol(dtype, scale))
    if theirs_module is not None:
        ours_params = dict(ours_module.named_parameters())
        for name, p in theirs_module.named_parameters():
            if p.grad is None:
                assert ours_params[name].grad is None or not ours_params[name].grad.numpy().any(), name
            else:
                assert ours_params[name].grad is not None, name
                assert_close(ours_params[name].grad, p.grad, **tol(dtype, scale))
    return ours_out, theirs_out


def module_pair(ours_cls, theirs_cls, *args, dtype="float32", **kwargs):
    """Builds the same layer in both libraries (torch's weights copied into ours) in `dtype`."""
    theirs = theirs_cls(*args, **kwargs)
    ours = ours_cls(*args, **kwargs)
    if dtype == "float64":
        theirs = theirs.double()
        ours = ours.double()
    return copy_module(theirs, ours), theirs
