"""torch.linalg functions composed from existing ember ops (their autograd comes for free)."""
import ember
from ember._linalg_decomp import _C_name, inv


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


def _svdvals_at(A, dim):
    from ember._linalg_decomp import svdvals
    return svdvals(A.movedim((dim[0], dim[1]), (-2, -1)))


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if dtype is not None:
        A = A.to(dtype)
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not A.is_floating_point():
        raise RuntimeError("linalg.matrix_norm: Expected a floating point or complex tensor as input. "
                           f"Got {_C_name(A.dtype)}")
    d0, d1 = (d % A.dim() for d in dim)
    if ord == "fro":
        out = (A * A).sum((d0, d1), keepdim=True).sqrt()
    elif ord in ("nuc", 2, -2):
        s = _svdvals_at(A, (d0, d1))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        out = out.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (min(d0, d1), max(d0, d1)))
    elif ord in (1, -1, float("inf"), float("-inf")):
        summed, across = (d0, d1) if ord in (1, -1) else (d1, d0)
        col = A.abs().sum(summed, keepdim=True)
        out = col.amax(across, keepdim=True) if ord > 0 else col.amin(across, keepdim=True)
    else:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    return out if keepdim else out.squeeze((d0, d1) if d0 < d1 else (d1, d0))


def _svd_tolerance(S, atol, rtol, shape):
    eps = ember.finfo(S.dtype).eps
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else eps * max(shape[-2], shape[-1])
    smax = S.amax(-1, keepdim=True) if S.size(-1) > 0 else S.sum(-1, keepdim=True)
    tol = smax * rtol
    return tol if atol is None else ember.where(tol > atol, tol, ember.full_like(tol, atol))


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    from ember._linalg_decomp import svd
    U, S, Vh = svd(A, full_matrices=False)
    keep = S > _svd_tolerance(S.detach(), atol, rtol, A.shape)
    S_inv = ember.where(keep, 1 / ember.where(keep, S, ember.ones_like(S)), ember.zeros_like(S))
    return (Vh.mT * S_inv.unsqueeze(-2)) @ U.mT


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    from ember._linalg_decomp import svdvals
    S = svdvals(A)
    return (S > _svd_tolerance(S, atol, rtol, A.shape)).sum(-1)


def cond(A, p=None):
    """Condition number: s_max / s_min for p in (None, 2, -2), else ||A||_p ||A^-1||_p."""
    from ember._linalg_decomp import svdvals
    if p is None or p in (2, -2):
        S = svdvals(A)
        ratio = S[..., 0] / S[..., -1]
        return 1 / ratio if p == -2 else ratio
    return matrix_norm(A, p) * matrix_norm(inv(A), p)
