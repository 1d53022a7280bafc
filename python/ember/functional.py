"""Tensor functions PyTorch defines by composing other ops (as torch/functional.py does), written
here in ember ops so that autograd differentiates them: diagonals, triangles and rotations, finite
differences, products and distances, statistics, stacking and splitting, scatter-into-copy forms.
Each is a few vectorised ember ops; none loops over elements in Python."""
import builtins
import collections
import functools
import itertools
import numbers

import numpy as np

from ember import _C
from ember.linalg import vector_norm

Tensor = _C.Tensor

# ---- diagonals and triangles ------------------------------------------------------------------


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose (dim1, dim2) diagonal number `offset` holds input's last dim, zeros elsewhere."""
    n = input.shape[-1] + abs(offset)
    rank = input.dim() + 1
    dim1, dim2 = dim1 % rank, dim2 % rank
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape = list(input.shape[:-1])
    for d in sorted((dim1, dim2)):
        shape.insert(d, n)
    out = _C.zeros(shape, dtype=input.dtype)
    out.diagonal(offset, dim1, dim2).copy_(input)
    return out


def diag(input, diagonal=0):
    """1-d input: the square matrix with input on a diagonal; 2-d input: a copy of a diagonal."""
    if input.dim() == 1:
        return diag_embed(input, diagonal)
    if input.dim() == 2:
        return input.diagonal(diagonal).clone()
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")


def diagflat(input, offset=0):
    return diag_embed(input.reshape(-1), offset)


def _triangle_indices(row, col, offset, dtype, numpy_fn):
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got {row}" if row < 0 else f"col must be non-negative, got {col}")
    rows, cols = numpy_fn(row, offset, col)
    return _C.tensor(np.stack([rows, cols]).reshape(2, -1), dtype=dtype or _C.int64)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle of a row x col matrix, row by row."""
    return _triangle_indices(row, col, offset, dtype, np.tril_indices)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _triangle_indices(row, col, offset, dtype, np.triu_indices)


def fill_diagonal_(self, fill_value, wrap=False):
    """Writes fill_value on the main diagonal (all dims equal for more than 2); with wrap, a tall
    matrix's diagonal restarts below the square part, as NumPy's fill_diagonal."""
    if self.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.dim() > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    if self.dim() == 2 and wrap and self.shape[0] > self.shape[1] + 1:
        rows, cols = self.shape
        flat = np.arange(0, rows * cols, cols + 1)
        self[_C.tensor(flat // cols), _C.tensor(flat % cols)] = fill_value
        return self
    n = min(self.shape)
    index = _C.arange(n)
    self[(index,) * self.dim()] = fill_value
    return self


def rot90(input, k=1, dims=(0, 1)):
    """Rotates by 90 degrees k times, from the first of `dims` towards the second."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = dims[0] % input.dim(), dims[1] % input.dim()
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip(d0, d1)
    if k == 3:
        return input.flip(d0).transpose(d0, d1)
    return input.clone()


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with src on the (dim1, dim2) diagonal number `offset`."""
    out = input.clone()
    out.diagonal(offset, dim1, dim2).copy_(src)
    return out


def select_scatter(input, src, dim, index):
    out = input.clone()
    out.select(dim, index).copy_(src)
    return out


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    out = input.clone()
    index = [builtins.slice(None)] * input.dim()
    index[dim % input.dim()] = builtins.slice(start, end, step)
    out[tuple(index)].copy_(src)
    return out


def masked_scatter(input, mask, source):
    """A copy of input where the True positions of mask (broadcast to input) take source's
    elements in order."""
    if mask.dtype != _C.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    mask = mask.expand(input.shape) if mask.shape != input.shape else mask
    count = int(mask.sum().item())
    if source.numel() < count:
        raise RuntimeError(f"masked_scatter: expected source to have at least {count} elements (the number of "
                           f"True elements in mask), but got {source.numel()}")
    out = input.clone()
    out[mask] = source.reshape(-1)[:count].to(input.dtype)
    return out


def _masked_scatter_(self, mask, source):
    return self.copy_(masked_scatter(self, mask, source))


# ---- differences, products, distances ---------------------------------------------------------


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (bool tensors: logical xor), after optionally
    concatenating prepend and append."""
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim %= input.dim()
    parts = [t for t in (prepend, input, append) if t is not None]
    x = _C.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        later, earlier = x.narrow(dim, 1, length - 1), x.narrow(dim, 0, length - 1)
        x = later != earlier if x.dtype == _C.bool else later - earlier
    return x


def inner(input, other):
    """Sum over the last dims of both (a product when either is 0-d)."""
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return _C.tensordot(input, other, dims=([-1], [-1]))


def cross(input, other, dim=None):
    """The 3-vector cross product along dim (by default the first dim of size 3)."""
    if input.dim() != other.dim():
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions.")
    a, b = _C.broadcast_tensors(input, other)
    if dim is None:
        dim = next((d for d, s in enumerate(a.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    dim %= a.dim()
    if a.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} "
                           f"and {other.shape[dim]}")
    a0, a1, a2 = (a.narrow(dim, i, 1) for i in range(3))
    b0, b1, b2 = (b.narrow(dim, i, 1) for i in range(3))
    return _C.cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], dim)


def dist(input, other, p=2):
    """The p-norm of input - other."""
    return vector_norm(input - other, p)


def _check_distance_inputs(x1, x2, op):
    if not x1.is_floating_point() or not x2.is_floating_point():
        raise RuntimeError(f"{op} only supports floating-point dtypes, X1 got: {x1.dtype}, X2 got: {x2.dtype}")
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"{op} only supports at least 2D tensors, X1 got: {x1.dim()}D, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """Pairwise p-norm distances between the rows of x1 (.., P, M) and x2 (.., R, M): (.., P, R).
    Euclidean distances of many rows go through one matmul (|a|^2 + |b|^2 - 2 a.b), as PyTorch."""
    _check_distance_inputs(x1, x2, "cdist")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or
                         (compute_mode == modes[0] and (rows1 > 25 or rows2 > 25)))
    if use_mm:
        square1 = x1.pow(2).sum(-1, keepdim=True)
        square2 = x2.pow(2).sum(-1, keepdim=True).transpose(-2, -1)
        squared = (square1 + square2 - 2 * x1.matmul(x2.transpose(-2, -1))).clamp_min(0)
        return squared.sqrt()
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)


def pdist(input, p=2):
    """The distances between every pair of rows i < j of a 2-d input, as a 1-d tensor."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.is_floating_point():
        raise RuntimeError(f"pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    rows, cols = triu_indices(input.shape[0], input.shape[0], 1)
    return vector_norm(input[rows] - input[cols], p, dim=-1)


def vander(x, N=None, increasing=False):
    """Columns x^0 .. x^(N-1) (decreasing powers unless increasing)."""
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = x.dtype if x.is_floating_point() else _C.int64
    powers = _C.arange(N, dtype=dtype)
    if not increasing:
        powers = powers.flip(0)
    return x.to(dtype).unsqueeze(1) ** powers


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    if vec1.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.dim()}-D" if vec1.dim() != 1
                           else f"addr: Expected 1-D argument vec2, but got {vec2.dim()}-D")
    product = _C.outer(vec1, vec2)
    if alpha != 1:
        product = alpha * product
    if beta == 0:
        return product.expand(_C.broadcast_shapes(input.shape, product.shape)).contiguous()
    return product + (input if beta == 1 else beta * input)


def renorm(input, p, dim, maxnorm):
    """Scales each slice along dim whose p-norm exceeds maxnorm down to norm maxnorm."""
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    dim %= input.dim()
    others = [d for d in range(input.dim()) if d != dim]
    norms = vector_norm(input, p, dim=others, keepdim=True) if others else input.abs()
    factor = _C.where(norms > maxnorm, maxnorm / (norms + 1e-7), _C.ones_like(norms))
    return input * factor


def block_diag(*tensors):
    """The matrices (0-d: 1x1, 1-d: a row) placed corner to corner, zeros elsewhere."""
    matrices = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.dim()} dimensions")
        matrices.append(t.reshape(1, -1) if t.dim() < 2 else t)
    dtype = functools.reduce(_C.promote_types, [m.dtype for m in matrices]) if matrices else _C.float32
    out = _C.zeros(sum(m.shape[0] for m in matrices), sum(m.shape[1] for m in matrices), dtype=dtype)
    row = col = 0
    for m in matrices:
        out[row:row + m.shape[0], col:col + m.shape[1]] = m.to(dtype)
        row, col = row + m.shape[0], col + m.shape[1]
    return out


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, as the rows of a (N, k) tensor."""
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = _C.meshgrid(*tensors, indexing="ij")
    return _C.stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of a 1-d tensor's elements, as the rows of a (C, r) tensor."""
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _C.empty(0, dtype=input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    index = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if index.shape[0] == 0:
        return _C.empty(0, r, dtype=input.dtype)
    return input[_C.from_numpy(index)]


def chain_matmul(*matrices):
    """The product of 2-d matrices (deprecated in PyTorch for linalg.multi_dot)."""
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {m.dim()}, expected 2 instead.")
    result = matrices[0]
    for m in matrices[1:]:
        result = result.mm(m)
    return result if len(matrices) > 1 else result.clone()


# ---- integration ------------------------------------------------------------------------------


def _trapezoid_pieces(y, x, dx, dim):
    dim %= y.dim()
    n = y.shape[dim]
    mean_heights = (y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)) / 2
    if x is None:
        return mean_heights * (1.0 if dx is None else dx)
    if x.dim() == 1:
        if x.shape[0] != n:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point")
        shape = [1] * y.dim()
        shape[dim] = n - 1
        widths = (x[1:] - x[:-1]).reshape(shape)
    else:
        widths = x.narrow(dim, 1, n - 1) - x.narrow(dim, 0, n - 1)
    return mean_heights * widths


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along dim, over sample points x (1-d or y's shape) or a spacing dx."""
    if isinstance(x, numbers.Number):
        x, dx = None, x
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: received both x and dx")
    if y.shape[dim] == 0:
        return y.sum(dim)
    return _trapezoid_pieces(y, x, dx, dim).sum(dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    if isinstance(x, numbers.Number):
        x, dx = None, x
    if y.shape[dim] == 0:
        return y.narrow(dim % y.dim(), 0, 0)
    return _trapezoid_pieces(y, x, dx, dim).cumsum(dim)


trapz = trapezoid

# ---- statistics -------------------------------------------------------------------------------


def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in input's rows (observations in columns)."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.dim()} dimensions")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    if not x.is_floating_point():
        x = x.to(_C.get_default_dtype())
    observations = x.shape[1]
    weights = None
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is None:
            continue
        if w.dim() > 1:
            raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                               f"{w.dim()} dimensions")
        if w.numel() != observations:
            raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                               f"input but got {w.numel()} != {observations}")
        if bool((w < 0).any().item()):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        weights = w if weights is None else weights * w
    if weights is None:
        mean = x.mean(1, keepdim=True)
        norm = observations - correction
        weighted = x - mean
    else:
        weights = weights.to(x.dtype)
        total = weights.sum()
        mean = (x * weights).sum(1, keepdim=True) / total
        if correction == 0:
            norm = total
        elif aweights is None:
            norm = total - correction
        else:
            norm = total - correction * (weights * aweights.to(x.dtype)).sum() / total
        weighted = (x - mean) * weights
    centered = x - mean
    if isinstance(norm, Tensor):
        norm = norm.clamp_min(0)
    else:
        norm = builtins.max(norm, 0)
    c = weighted.matmul(centered.t()) / norm
    return c.squeeze() if input.dim() < 2 else c


def corrcoef(input):
    """Pearson correlation coefficients of input's rows, clipped to [-1, 1]."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal().sqrt()
    return (c / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1, 1)


_MinMax = collections.namedtuple("aminmax", ["min", "max"])


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over all elements or along dim."""
    if input.numel() == 0 and dim is None:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    if dim is None:
        return _MinMax(input.amin(), input.amax()) if not keepdim else \
            _MinMax(input.amin().reshape([1] * input.dim()), input.amax().reshape([1] * input.dim()))
    return _MinMax(input.amin(dim, keepdim), input.amax(dim, keepdim))


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum treating NaN as zero."""
    x = _C.where(input.isnan(), _C.zeros_like(input), input) if input.is_floating_point() else input
    if dim is None:
        return x.sum(dtype=dtype) if not keepdim else x.sum(dim=list(range(x.dim())), keepdim=True, dtype=dtype)
    return x.sum(dim, keepdim=keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the non-NaN elements."""
    if not input.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {input.dtype}")
    count = (~input.isnan()).sum(dim, keepdim=keepdim) if dim is not None else (~input.isnan()).sum()
    return nansum(input, dim, keepdim, dtype=dtype) / count


def argwhere(input):
    """The coordinates of the nonzero elements, one row each."""
    return _C.nonzero(input)


# ---- stacking and splitting -------------------------------------------------------------------


def column_stack(tensors):
    """Stacks 0-d/1-d tensors as columns, 2-d ones side by side."""
    return _C.hstack([t.reshape(-1, 1) if t.dim() < 2 else t for t in tensors])


def _split_along(input, indices_or_sections, dim, name):
    if isinstance(indices_or_sections, int):
        size = input.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections != 0:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                               f"dimension {size} is not divisible by the split_size {indices_or_sections}!")
    return _C.tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    if input.dim() < 1:
        raise RuntimeError(f"torch.hsplit requires a tensor with at least 1 dimension, but got a tensor with "
                           f"{input.dim()} dimensions!")
    return _split_along(input, indices_or_sections, 1 if input.dim() > 1 else 0, "hsplit")


def vsplit(input, indices_or_sections):
    if input.dim() < 2:
        raise RuntimeError(f"torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with "
                           f"{input.dim()} dimensions!")
    return _split_along(input, indices_or_sections, 0, "vsplit")


def dsplit(input, indices_or_sections):
    if input.dim() < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
                           f"{input.dim()} dimensions!")
    return _split_along(input, indices_or_sections, 2, "dsplit")


# ---- Tensor methods ---------------------------------------------------------------------------

for _name in ("diag", "diag_embed", "diagflat", "fill_diagonal_", "rot90", "diagonal_scatter", "select_scatter",
              "slice_scatter", "masked_scatter", "diff", "inner", "cross", "dist", "addr", "renorm", "cov",
              "corrcoef", "aminmax", "nansum", "nanmean", "argwhere", "hsplit", "vsplit", "dsplit"):
    setattr(Tensor, _name, globals()[_name])
Tensor.masked_scatter_ = _masked_scatter_
Tensor.addr_ = lambda self, vec1, vec2, *, beta=1, alpha=1: self.copy_(addr(self, vec1, vec2, beta=beta, alpha=alpha))
Tensor.renorm_ = lambda self, p, dim, maxnorm: self.copy_(renorm(self, p, dim, maxnorm))

__all__ = ["diag_embed", "diag", "diagflat", "tril_indices", "triu_indices", "rot90", "diagonal_scatter",
           "select_scatter", "slice_scatter", "masked_scatter", "diff", "inner", "cross", "dist", "cdist", "pdist",
           "vander", "addr", "renorm", "block_diag", "cartesian_prod", "combinations", "chain_matmul", "trapezoid",
           "trapz", "cumulative_trapezoid", "cov", "corrcoef", "aminmax", "nansum", "nanmean", "argwhere",
           "column_stack", "hsplit", "vsplit", "dsplit"]
