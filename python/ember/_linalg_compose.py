"""torch.linalg functions composed from existing ember ops (their autograd comes for free)."""
import ember
from ember._linalg_decomp import inv


def matmul(input, other):
    return ember.matmul(input, other)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return ember.diagonal(A, offset, dim1, dim2)


def vecdot(x, y, *, dim=-1):
    return (x * y).sum(dim)


def multi_dot(tensors):
    """Chained product; 1-d first/last operands act as row/column vectors and their dim is dropped."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        end = "first" if i == 0 else "last" if i == len(tensors) - 1 else None
        if end and t.dim() not in (1, 2):
            raise RuntimeError(f"multi_dot(): the {end} tensor must be 1D or 2D but got {t.dim()}D")
        if not end and t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    first_vec, last_vec = tensors[0].dim() == 1, tensors[-1].dim() == 1
    if first_vec:
        tensors[0] = tensors[0].unsqueeze(0)
    if last_vec:
        tensors[-1] = tensors[-1].unsqueeze(-1)
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    if last_vec:
        out = out.squeeze(-1)
    if first_vec:
        out = out.squeeze(0)
    return out


def matrix_power(A, n):
    """A^n by repeated squaring; n < 0 inverts first, n == 0 gives the identity batch."""
    if A.dim() < 2 or A.size(-1) != A.size(-2):
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{A.size(-2) if A.dim() >= 2 else A.dim()} by {A.size(-1)} matrices")
    if n == 0:
        return ember.eye(A.size(-1), dtype=A.dtype).expand(*A.shape).clone()
    base = inv(A) if n < 0 else A
    n = abs(n)
    result = None
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def cross(input, other, *, dim=-1):
    if input.size(dim) != 3 or other.size(dim) != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.size(dim)} and {other.size(dim)}")
    a = [input.select(dim, i) for i in range(3)]
    b = [other.select(dim, i) for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return ember.stack(parts, dim)


def vander(x, *, N=None):
    """Columns x^0, x^1, ..., x^(N-1) (increasing powers, as torch.linalg.vander)."""
    n = x.size(-1) if N is None else N
    if n < 1:
        raise RuntimeError("N must be greater than 1.")
    powers = ember.arange(n, dtype=x.dtype if x.is_floating_point() else ember.int64)
    return x.unsqueeze(-1) ** powers
