"""Whole-tensor comparisons: isclose, allclose, equal (module functions and Tensor methods), with
PyTorch's rules: isclose/allclose broadcast and need equal dtypes; equal needs equal shapes and
compares values across dtypes; NaN equals NaN only under equal_nan."""
from ember import _C

_SCALAR_TYPE_NAMES = {_C.bool: "Bool", _C.uint8: "Byte", _C.int32: "Int", _C.int64: "Long",
                      _C.float32: "Float", _C.float64: "Double"}


def _check_tensor(value, op, argument, position):
    if not isinstance(value, _C.Tensor):
        raise TypeError(f"{op}(): argument '{argument}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (equal infinities are close)."""
    _check_tensor(input, "isclose", "input", 1)
    _check_tensor(other, "isclose", "other", 2)
    if input.dtype != other.dtype:
        raise RuntimeError(f"{_SCALAR_TYPE_NAMES[input.dtype]} did not match {_SCALAR_TYPE_NAMES[other.dtype]}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    close = input == other
    if input.dtype == _C.bool or (rtol == 0 and atol == 0):
        return close
    if input.is_floating_point():
        if equal_nan:
            close = close | (input.isnan() & other.isnan())
    else:  # integers: the tolerance arithmetic in the default float dtype, as PyTorch
        input, other = input.to(_C.get_default_dtype()), other.to(_C.get_default_dtype())
    allowed_error = atol + (rtol * other).abs()
    actual_error = (input - other).abs()
    return close | (actual_error.isfinite() & (actual_error <= allowed_error))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element pair is close (see isclose)."""
    _check_tensor(input, "allclose", "input", 1)
    _check_tensor(other, "allclose", "other", 2)
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def equal(input, other):
    """True when both have the same shape and equal elements (values compared across dtypes)."""
    _check_tensor(input, "equal", "input", 1)
    _check_tensor(other, "equal", "other", 2)
    if input.shape != other.shape:
        return False
    return bool((input == other).all().item())


_C.Tensor.isclose = isclose
_C.Tensor.allclose = allclose
_C.Tensor.equal = equal
