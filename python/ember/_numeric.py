"""Numerical helpers over whole tensors: finite-difference gradients and flat-index unravelling,
written in ember ops (so `gradient` is differentiable)."""
import numbers

from ember import _C


def _spacing_per_dim(spacing, dims, dim_given, input):
    """One entry per dim: a number (uniform step) or a 1-d coordinate tensor."""
    if isinstance(spacing, numbers.Number):
        return [spacing] * len(dims)
    if isinstance(spacing, _C.Tensor):
        raise TypeError("gradient(): spacing must be a number or a tuple of numbers or of 1-d tensors, "
                        "not a Tensor")
    spacing = list(spacing)
    if not dim_given and len(spacing) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar, or a list of length "
                           f"equal to 'self.dim() = {input.dim()}', since dim argument was not given, but got a "
                           f"list of length {len(spacing)}")
    if len(spacing) != len(dims):
        raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                           f"arguments to have the same length, but got a spacing argument of length "
                           f"{len(spacing)} and a dim argument of length {len(dims)}.")
    for d, s in zip(dims, spacing):
        if isinstance(s, _C.Tensor) and s.dim() == 1 and s.shape[0] != input.shape[d]:
            raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and each "
                               f"coordinate tensor to have as many elements as input.size({d}) = {input.shape[d]}, "
                               f"got {s.shape[0]}")
    return spacing


def _uniform_gradient(f, dim, h, edge_order):
    n = f.shape[dim]
    interior = (f.narrow(dim, 2, n - 2) - f.narrow(dim, 0, n - 2)) / (2 * h)
    f0, f1, fl, fl1 = f.narrow(dim, 0, 1), f.narrow(dim, 1, 1), f.narrow(dim, n - 1, 1), f.narrow(dim, n - 2, 1)
    if edge_order == 1:
        first, last = (f1 - f0) / h, (fl - fl1) / h
    else:
        f2, fl2 = f.narrow(dim, 2, 1), f.narrow(dim, n - 3, 1)
        first = (-1.5 * f0 + 2 * f1 - 0.5 * f2) / h
        last = (0.5 * fl2 - 2 * fl1 + 1.5 * fl) / h
    return _C.cat([first, interior, last], dim)


def _coordinate_gradient(f, dim, x, edge_order):
    """numpy.gradient's second-order-accurate interior formula for uneven steps."""
    n = f.shape[dim]
    shape = [1] * f.dim()
    shape[dim] = n - 1
    dx = (x[1:] - x[:-1]).to(f.dtype if f.is_floating_point() else x.dtype).reshape(shape)
    hl, hr = dx.narrow(dim, 0, n - 2), dx.narrow(dim, 1, n - 2)
    fm, f0, fp = f.narrow(dim, 0, n - 2), f.narrow(dim, 1, n - 2), f.narrow(dim, 2, n - 2)
    interior = (hl * hl * fp - hr * hr * fm + (hr * hr - hl * hl) * f0) / (hl * hr * (hl + hr))
    d0, d1 = dx.narrow(dim, 0, 1), dx.narrow(dim, n - 2, 1)
    f_0, f_1, f_l, f_l1 = f.narrow(dim, 0, 1), f.narrow(dim, 1, 1), f.narrow(dim, n - 1, 1), f.narrow(dim, n - 2, 1)
    if edge_order == 1:
        first, last = (f_1 - f_0) / d0, (f_l - f_l1) / d1
    else:
        a1, a2 = d0, dx.narrow(dim, 1, 1)
        first = (-(2 * a1 + a2) / (a1 * (a1 + a2)) * f_0 + (a1 + a2) / (a1 * a2) * f_1
                 - a1 / (a2 * (a1 + a2)) * f.narrow(dim, 2, 1))
        b1, b2 = dx.narrow(dim, n - 3, 1), d1
        last = (b2 / (b1 * (b1 + b2)) * f.narrow(dim, n - 3, 1) - (b1 + b2) / (b1 * b2) * f_l1
                + (2 * b2 + b1) / (b2 * (b1 + b2)) * f_l)
    return _C.cat([first, interior, last], dim)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimates the derivative of a function sampled on a grid along each of `dim` (all dims by
    default) with central differences inside and one-sided ones of order `edge_order` (1 or 2) at
    the ends. `spacing`: a step, one step per dim, or one coordinate tensor per dim."""
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2., got {edge_order}")
    if dim is None:
        dims = list(range(input.dim()))
    else:
        dims = [dim] if isinstance(dim, int) else list(dim)
    dims = [d % input.dim() if input.dim() else d for d in dims]
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    steps = _spacing_per_dim(spacing, dims, dim is not None, input)
    f = input if input.is_floating_point() else input * 1.0  # integers become the default float dtype
    results = []
    for d, step in zip(dims, steps):
        if input.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        if isinstance(step, _C.Tensor) and step.dim() == 1:
            results.append(_coordinate_gradient(f, d, step, edge_order))
        else:
            results.append(_uniform_gradient(f, d, step, edge_order))
    return tuple(results)


def unravel_index(indices, shape):
    """The coordinates in a tensor of `shape` of each flat (row-major) index, as a tuple of int64
    tensors of indices' shape. Like PyTorch, every coordinate is taken modulo its dim's size."""
    if isinstance(indices, numbers.Integral) and not isinstance(indices, bool):
        indices = _C.tensor(indices)
    if not isinstance(indices, _C.Tensor):
        raise TypeError(f"expected 'indices' to be integer scalar or tensor, but got {type(indices).__name__}")
    if indices.is_floating_point() or indices.dtype == _C.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    if 0 in shape and indices.numel():
        raise RuntimeError("unravel_index: cannot unravel an index into a shape with a zero-size dim "
                           f"{tuple(shape)}")
    remaining = indices.to(_C.int64)
    coordinates = []
    for size in reversed(shape):
        coordinates.append(remaining.remainder(size))
        remaining = remaining.div(size, rounding_mode="floor")
    return tuple(reversed(coordinates))
