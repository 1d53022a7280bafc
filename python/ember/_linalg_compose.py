"""torch.linalg functions composed from existing ember ops (their autograd comes for free)."""
import collections
import math

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


# ---- QR, least squares, norm, matrix exponential ----------------------------------------------

_QR = collections.namedtuple("linalg_qr", ["Q", "R"])
_Lstsq = collections.namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def qr(A, mode="reduced"):
    """Householder QR (LAPACK's geqrf sign convention: R's diagonal is -sign(a) * |column|).

    Each reflection is a rank-1 update written in ember ops, O(m n) per column and no in-place
    writes, so autograd differentiates the factorisation directly."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    if A.dim() < 2:
        raise RuntimeError(f"linalg.qr: The input tensor A must have at least 2 dimensions.")
    if not A.is_floating_point():
        raise RuntimeError(f"linalg.qr: Expected a floating point tensor as input. Got {_C_name(A.dtype)}")
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    R = A
    Q = ember.eye(m, dtype=A.dtype).expand(*A.shape[:-2], m, m) if mode != "r" else None
    for j in range(k):
        x = R[..., j:, j]
        head = x[..., :1]
        norm = ember.linalg.vector_norm(x, dim=-1, keepdim=True)
        alpha = -ember.where(head >= 0, ember.ones_like(head), -ember.ones_like(head)) * norm
        # As LAPACK's dlarfg: no reflection when the column below the diagonal is already zero.
        tail_zero = (x[..., 1:] == 0).all(-1, keepdim=True) if x.shape[-1] > 1 else ember.ones_like(head, dtype=ember.bool)
        alpha = ember.where(tail_zero, head, alpha)
        v = ember.cat([ember.zeros(*x.shape[:-1], j, dtype=A.dtype), head - alpha, x[..., 1:]], -1)
        v_norm = ember.linalg.vector_norm(v, dim=-1, keepdim=True)
        v = v / ember.where(v_norm == 0, ember.ones_like(v_norm), v_norm)
        R = R - 2 * v.unsqueeze(-1) * (v.unsqueeze(-2) @ R)
        if Q is not None:
            Q = Q - 2 * (Q @ v.unsqueeze(-1)) * v.unsqueeze(-2)
    R = R.triu()
    if mode == "r":
        return _QR(ember.empty(0, dtype=A.dtype), R[..., :k, :])
    if mode == "reduced":
        return _QR(Q[..., :, :k], R[..., :k, :])
    return _QR(Q, R)


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B through the pseudo-inverse (an SVD), with PyTorch's
    outputs per driver: rank for all but 'gels', singular values for 'gelsd'/'gelss', residuals when
    A is tall and of full rank."""
    drivers = (None, "gels", "gelsy", "gelsd", "gelss")
    if driver not in drivers:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if A.dtype != B.dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_C_name(A.dtype)} and other's dtype {_C_name(B.dtype)}")
    vector_rhs = B.dim() == A.dim() - 1
    rhs = B.unsqueeze(-1) if vector_rhs else B
    if rhs.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    m, n = A.shape[-2], A.shape[-1]
    S = ember.linalg.svdvals(A)
    rtol = (max(m, n) * ember.finfo(A.dtype).eps) if rcond is None else rcond
    solution = pinv(A, rtol=rtol) @ rhs
    rank = (S > rtol * S.amax(-1, keepdim=True)).sum(-1) if S.numel() else ember.zeros(A.shape[:-2], dtype=ember.int64)
    empty = ember.empty(0, dtype=A.dtype)
    residuals = empty
    if m > n and driver not in (None, "gelsy") and bool((rank == n).all().item()):
        residuals = ((A @ solution - rhs) ** 2).sum(-2)
    if vector_rhs:
        solution = solution.squeeze(-1)
    return _Lstsq(solution, residuals, rank if driver != "gels" else ember.empty(0, dtype=ember.int64),
                  S if driver in ("gelsd", "gelss") else empty)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """linalg.norm: a vector norm over one dim (or the flattened input), a matrix norm over two."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is not None:
        if A.dim() not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A.dim()}D.")
        dim = tuple(range(A.dim()))
    if dim is not None and len(dim) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    return ember.linalg.vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def matrix_exp(A):
    """exp(A) by scaling and squaring: a degree-18 Taylor polynomial of A / 2^s (|A / 2^s|_1 <= 1/2,
    so the truncation error is below 1e-17 relative), then s squarings. Differentiable by
    composition."""
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_exp: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.dim() >= 2 else A.shape} by {A.shape[-1]} matrices")
    if not A.is_floating_point():
        raise RuntimeError(f"linalg.matrix_exp: Expected a floating point tensor as input. Got {_C_name(A.dtype)}")
    if A.numel() == 0:
        return A.clone()
    with ember.no_grad():
        one_norm = A.abs().sum(-2).amax().item()
    squarings = math.ceil(math.log2(one_norm / 0.5)) if one_norm > 0.5 else 0
    X = A / (2 ** squarings)
    eye = ember.eye(A.shape[-1], dtype=A.dtype).expand(A.shape)
    result = eye
    for degree in range(18, 0, -1):  # Horner: I + X/1 (I + X/2 (I + ... ))
        result = eye + (X @ result) / degree
    for _ in range(squarings):
        result = result @ result
    return result
