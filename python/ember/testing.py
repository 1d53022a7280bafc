"""Test helpers: comparison against NumPy/PyTorch values and a float64 finite-difference gradcheck."""
import numpy as np

import ember


def to_numpy(x):
    """ember/torch tensors, NumPy arrays and numbers as a NumPy array."""
    if isinstance(x, ember.Tensor):
        return x.detach().numpy()
    if type(x).__module__.startswith("torch"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(actual, expected, rtol=None, atol=None, check_dtype=False):
    """Raises AssertionError unless actual and expected have the same shape and close values."""
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"shape mismatch: {a.shape} vs {e.shape}"
    if check_dtype:
        assert a.dtype == e.dtype, f"dtype mismatch: {a.dtype} vs {e.dtype}"
    if rtol is None:
        rtol = 1e-7 if a.dtype == np.float64 and e.dtype == np.float64 else 1e-5
    if atol is None:
        atol = 1e-7 if a.dtype == np.float64 and e.dtype == np.float64 else 1e-5
    if a.dtype == np.bool_ or e.dtype == np.bool_ or np.issubdtype(a.dtype, np.integer):
        np.testing.assert_array_equal(a, e)
    else:
        np.testing.assert_allclose(a.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)


def _flat_outputs(out):
    return [out] if isinstance(out, ember.Tensor) else [o for o in out if isinstance(o, ember.Tensor)]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Checks autograd's Jacobian of fn at `inputs` against central finite differences.

    inputs: float64 ember tensors; those with requires_grad are checked. Returns True or raises
    AssertionError naming the input and the worst element.
    """
    inputs = list(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, ember.Tensor) and x.requires_grad]
    assert checked, "gradcheck: no input requires grad"
    for i in checked:
        assert inputs[i].dtype == ember.float64, "gradcheck needs float64 inputs"

    def evaluate():
        with ember.no_grad():
            return [to_numpy(o).astype(np.float64).copy() for o in _flat_outputs(fn(*inputs))]

    outputs = _flat_outputs(fn(*inputs))
    sizes = [o.numel() for o in outputs]
    for i in checked:
        x = inputs[i]
        # x.detach().numpy() shares memory with x (maybe strided): perturb it in place.
        view = x.detach().numpy()
        numeric = np.zeros((x.numel(), sum(sizes)))
        for k, idx in enumerate(np.ndindex(*view.shape)):
            orig = view[idx]
            view[idx] = orig + eps
            plus = evaluate()
            view[idx] = orig - eps
            minus = evaluate()
            view[idx] = orig
            numeric[k] = np.concatenate([(p - m).ravel() / (2 * eps) for p, m in zip(plus, minus)])
        analytic = np.zeros_like(numeric)
        col = 0
        for o, n in zip(outputs, sizes):
            for j in range(n):
                seed = np.zeros(n)
                seed[j] = 1.0
                g = ember.tensor(seed.reshape(tuple(o.shape)), dtype=o.dtype)
                (gx,) = ember.autograd.grad([o], [x], [g], retain_graph=True, allow_unused=True)
                if gx is not None:
                    analytic[:, col + j] = to_numpy(gx).ravel()
            col += n
        if not np.allclose(analytic, numeric, atol=atol, rtol=rtol):
            k = np.unravel_index(np.argmax(np.abs(analytic - numeric)), analytic.shape)
            raise AssertionError(
                f"gradcheck failed for input {i} (shape {tuple(x.shape)}): d output[{k[1]}] / d input[{k[0]}] "
                f"analytic {analytic[k]:.6g} vs numeric {numeric[k]:.6g}\nanalytic:\n{analytic}\nnumeric:\n{numeric}")
    return True
