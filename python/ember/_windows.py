"""Window functions for spectral analysis and filtering (hann, hamming, blackman, bartlett,
kaiser), periodic by default as in PyTorch: the length-N periodic window is the first N points of
the symmetric length-(N+1) one. Computed in float64 with NumPy's formulas, then cast."""
import numpy as np

from ember import _C


def _window(name, length, periodic, dtype, requires_grad, values_of):
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window length, got window_length={length}")
    dtype = dtype or _C.get_default_dtype()
    if not (dtype == _C.float32 or dtype == _C.float64):
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if length <= 1:
        return _C.ones(length, dtype=dtype).requires_grad_(requires_grad)
    n = length + 1 if periodic else length
    values = values_of(np.arange(n, dtype=np.float64), n)[:length]
    return _C.from_numpy(np.ascontiguousarray(values)).to(dtype).requires_grad_(requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return hamming_window(window_length, periodic, alpha=0.5, beta=0.5, dtype=dtype, requires_grad=requires_grad,
                          _name="hann_window")


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, layout=None, device=None,
                   requires_grad=False, _name="hamming_window"):
    return _window(_name, window_length, periodic, dtype, requires_grad,
                   lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)))


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("blackman_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1)) + 0.08 * np.cos(4 * np.pi * k / (n - 1)))


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _window("bartlett_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1))


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None, device=None,
                  requires_grad=False):
    return _window("kaiser_window", window_length, periodic, dtype, requires_grad,
                   lambda k, n: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (n - 1) - 1) ** 2, 0, None))) / np.i0(beta))
