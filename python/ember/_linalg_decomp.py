"""Differentiable linalg ops on the C++ decompositions (LU with partial pivoting, Cholesky,
triangular solve in csrc/cpu/decompositions.cpp). Each op is an autograd Function whose backward
is written with these same ops, so second derivatives work."""
import ember
from ember import _C
from ember.autograd.function import Function


class LinAlgError(RuntimeError):
    """A matrix the decomposition cannot handle (singular, not positive-definite), as torch's."""


LinAlgError.__module__ = "ember.linalg"


def _batch_prefix(info, index):
    # PyTorch names the failing matrix only for batched input.
    if info.dim() == 0:
        return ""
    flat = 0
    for i, s in zip(index, info.shape):
        flat = flat * s + i
    return f"(Batch element {flat}): "


def _first_failure(info):
    """(batch index tuple, info value) of the first nonzero info, or None."""
    if info.numel() == 0:
        return None
    bad = ember.nonzero(info.reshape(-1)).reshape(-1)
    if bad.numel() == 0:
        return None
    flat = int(bad[0])
    idx = []
    for s in reversed(tuple(info.shape)):
        idx.append(flat % s)
        flat //= s
    idx = tuple(reversed(idx))
    return idx, int(info.reshape(-1)[int(bad[0])])


def _lu(A, op):
    return _C._linalg_lu_factor(A, op)


def _check_dtype_match(A, B, op):
    if A.dtype != B.dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{_C_name(A.dtype)} and B of type {_C_name(B.dtype)} instead")


def _C_name(dtype):
    return {ember.float32: "Float", ember.float64: "Double", ember.int64: "Long",
            ember.int32: "Int"}.get(dtype, str(dtype))


def _solve_raw(A, B, op):
    """A^-1 B for A (*, n, n), B (*, n, k) with the same batch dims; singular A raises."""
    lu, piv, info = _lu(A, op)
    fail = _first_failure(info)
    if fail is not None:
        raise LinAlgError(f"{_batch_prefix(info, fail[0])}{op}: The solver failed because the input "
                          "matrix is singular.")
    return _C._linalg_lu_solve(lu, piv, B)


class _Solve(Function):
    @staticmethod
    def forward(ctx, A, B):
        X = _solve_raw(A.detach(), B.detach(), "torch.linalg.solve")
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        gB = _Solve.apply(A.mT, g)
        gA = -(gB @ X.mT) if ctx.needs_input_grad[0] else None
        return gA, gB


def _broadcast_batch(A, B):
    """The broadcast batch dims of A and B, with PyTorch's message (its sizes: B's first)."""
    a, b = tuple(A.shape[:-2]), tuple(B.shape[:-2])
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    for i, (sa, sb) in enumerate(zip(a, b)):
        if sa != sb and sa != 1 and sb != 1:
            raise RuntimeError(f"The size of tensor a ({sb}) must match the size of tensor b ({sa}) "
                               f"at non-singleton dimension {i}")
    return tuple(sb if sa == 1 else sa for sa, sb in zip(a, b))


def _broadcast_solve_args(A, B, op, left=True):
    if A.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if A.size(-1) != A.size(-2):
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{A.size(-2)} by {A.size(-1)} matrices")
    if not A.is_floating_point():
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {_C_name(A.dtype)}")
    _check_dtype_match(A, B, op)
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if vector:
        B = B.unsqueeze(-1)
    n = A.size(-1)
    if B.size(-2) != n:
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.size(-2)}x{A.size(-1)} and {B.size(-2)}x{B.size(-1)})")
    batch = _broadcast_batch(A, B)
    A = A.expand(*batch, n, n)
    B = B.expand(*batch, n, B.size(-1))
    return A, B, vector


def solve(A, B, *, left=True):
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return solve(A.mT, B.mT).mT
    A, B, vector = _broadcast_solve_args(A, B, "linalg.solve")
    X = _Solve.apply(A, B)
    return X.squeeze(-1) if vector else X


def _check_square(A, op):
    # The C++ factorisations check and raise with PyTorch's messages; an empty LU is cheap.
    _C._linalg_lu_factor(A[..., :0, :0] if A.dim() >= 2 and A.size(-1) == A.size(-2) else A, op)


class _Inv(Function):
    @staticmethod
    def forward(ctx, A):
        lu, piv, info = _lu(A.detach(), "linalg.inv")
        fail = _first_failure(info)
        if fail is not None:
            raise LinAlgError(f"{_batch_prefix(info, fail[0])}linalg.inv: The diagonal element {fail[1]} "
                              "is zero, the inversion could not be completed because the input matrix "
                              "is singular.")
        n = A.size(-1)
        eye = ember.eye(n, dtype=A.dtype).expand(*A.shape)
        Ainv = _C._linalg_lu_solve(lu, piv, eye)
        ctx.save_for_backward(Ainv)
        return Ainv

    @staticmethod
    def backward(ctx, g):
        (Ainv,) = ctx.saved_tensors
        return -(Ainv.mT @ g @ Ainv.mT)


def inv(A):
    return _Inv.apply(A)


def _lu_sign_logabs(A, op):
    """(sign, log|det|) from one LU; sign 0 and -inf for singular A."""
    lu, piv, _ = _lu(A.detach(), op)
    d = lu.diagonal(dim1=-2, dim2=-1)
    n = A.size(-1)
    swaps = (piv != ember.arange(n)).sum(-1)
    parity = 1 - 2 * (swaps % 2)
    sign = d.sign().prod(-1) * parity.to(A.dtype)
    logabs = d.abs().log().sum(-1)
    return sign, logabs


class _SlogDet(Function):
    @staticmethod
    def forward(ctx, A):
        sign, logabs = _lu_sign_logabs(A, "linalg.slogdet")
        ctx.save_for_backward(A)
        ctx.mark_non_differentiable(sign)
        return sign, logabs

    @staticmethod
    def backward(ctx, g_sign, g_logabs):
        (A,) = ctx.saved_tensors
        return g_logabs[..., None, None] * inv(A).mT


class _Det(Function):
    @staticmethod
    def forward(ctx, A):
        sign, logabs = _lu_sign_logabs(A, "linalg.det")
        d = sign * logabs.exp()
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx, g):
        A, d = ctx.saved_tensors
        return (g * d)[..., None, None] * inv(A).mT


def det(A):
    return _Det.apply(A)


def slogdet(A):
    return _SlogDet.apply(A)


def logdet(A):
    sign, logabs = slogdet(A)
    return logabs + sign.log()


class _TriangularSolve(Function):
    @staticmethod
    def forward(ctx, A, B, upper, unitriangular):
        X = _C._linalg_triangular_solve(A.detach(), B.detach(), upper, unitriangular)
        ctx.save_for_backward(A, X)
        ctx.upper, ctx.unit = upper, unitriangular
        return X

    @staticmethod
    def backward(ctx, g):
        A, X = ctx.saved_tensors
        gB = _TriangularSolve.apply(A.mT, g, not ctx.upper, ctx.unit)
        gA = None
        if ctx.needs_input_grad[0]:
            full = -(gB @ X.mT)
            gA = full.triu(1 if ctx.unit else 0) if ctx.upper else full.tril(-1 if ctx.unit else 0)
        return gA, gB, None, None


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    op = "linalg.solve_triangular"
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    if A.dim() < 2 or B.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor {'A' if A.dim() < 2 else 'B'} must have at least 2 dimensions.")
    _check_square(A, op)
    _check_dtype_match(A, B, op)
    if B.size(-2) != A.size(-1):
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.size(-2)}x{A.size(-1)} and {B.size(-2)}x{B.size(-1)})")
    batch = _broadcast_batch(A, B)
    n = A.size(-1)
    return _TriangularSolve.apply(A.expand(*batch, n, n), B.expand(*batch, n, B.size(-1)), upper,
                                  unitriangular)


def _phi(M):
    """Lower triangle of M with its diagonal halved."""
    eye = ember.eye(M.size(-1), dtype=M.dtype)
    return M.tril(-1) + 0.5 * M * eye


class _Cholesky(Function):
    @staticmethod
    def forward(ctx, A):
        L, info = _C._linalg_cholesky(A.detach(), "linalg.cholesky")
        fail = _first_failure(info)
        if fail is not None:
            raise LinAlgError(f"{_batch_prefix(info, fail[0])}linalg.cholesky: The factorization could "
                              "not be completed because the input is not positive-definite (the leading "
                              f"minor of order {fail[1]} is not positive-definite).")
        ctx.save_for_backward(L)
        return L

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        P = _phi(L.mT @ g)
        # S = L^-T P L^-1, two triangular solves instead of an inverse
        S = solve_triangular(L.mT, solve_triangular(L, P, upper=False, left=False), upper=True)
        return 0.5 * (S + S.mT)


def cholesky(A, *, upper=False):
    L = _Cholesky.apply(A)
    return L.mT if upper else L


def cholesky_solve(B, L, upper=False):
    """torch.cholesky_solve: A^-1 B for A = L L^T (or U^T U when upper)."""
    if upper:
        L = L.mT
    Y = solve_triangular(L, B, upper=False)
    return solve_triangular(L.mT, Y, upper=True)


def _symmetric_from(A, UPLO, op):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    if UPLO == "L":
        return A.tril() + A.tril(-1).mT
    return A.triu() + A.triu(1).mT


class _SymmetricEigen(Function):
    @staticmethod
    def forward(ctx, A):
        w, V = _C._linalg_symmetric_eigen(A.detach(), "linalg.eigh")
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gw, gV):
        w, V = ctx.saved_tensors
        n = w.size(-1)
        eye = ember.eye(n, dtype=w.dtype)
        inner = gw.unsqueeze(-1) * eye
        if gV is not None:
            gap = w.unsqueeze(-2) - w.unsqueeze(-1)  # gap[i, j] = w_j - w_i
            F = (1 - eye) / (gap + eye)
            inner = inner + F * (V.mT @ gV)
        gA = V @ inner @ V.mT
        return 0.5 * (gA + gA.mT)  # the input is symmetric: only symmetric perturbations exist


def eigh(A, UPLO="L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors of the symmetric matrices A."""
    _check_square(A, "linalg.eigh")
    return _SymmetricEigen.apply(_symmetric_from(A, UPLO, "linalg.eigh"))


def eigvalsh(A, UPLO="L"):
    _check_square(A, "linalg.eigvalsh")
    return _SymmetricEigen.apply(_symmetric_from(A, UPLO, "linalg.eigvalsh"))[0]


def _svd_factors(A, full_matrices):
    """(U, S, Vh) from the one-sided Jacobi kernel, which wants its rows no longer than its columns."""
    m, n = A.size(-2), A.size(-1)
    if m >= n:
        ut, S, vt = _C._linalg_svd(A.mT, full_matrices)
        return ut.mT, S, vt
    ut, S, vt = _C._linalg_svd(A, full_matrices)  # A^T = U' S V'^T, so A = V' S U'^T
    return vt.mT, S, ut


class _Svd(Function):
    @staticmethod
    def forward(ctx, A, full_matrices):
        U, S, Vh = _svd_factors(A.detach(), full_matrices)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, gU, gS, gVh):
        U, S, Vh = ctx.saved_tensors
        k = S.size(-1)
        U, Vh = U[..., :k], Vh[..., :k, :]  # full_matrices: the extra columns carry no gradient
        gU = None if gU is None else gU[..., :k]
        gVh = None if gVh is None else gVh[..., :k, :]
        eye = ember.eye(k, dtype=S.dtype)
        if gU is None and gVh is None:
            return U @ (gS.unsqueeze(-1) * eye) @ Vh, None
        S2 = S * S
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye  # E[i, j] = s_j^2 - s_i^2, 1 on the diagonal
        inner = 0
        if gU is not None:
            UtgU = U.mT @ gU
            inner = inner + (UtgU - UtgU.mT) * S.unsqueeze(-2)
        if gVh is not None:
            VtgV = Vh @ gVh.mT
            inner = inner + S.unsqueeze(-1) * (VtgV - VtgV.mT)
        inner = (inner / E) * (1 - eye)
        if gS is not None:
            inner = inner + gS.unsqueeze(-1) * eye
        gA = U @ inner @ Vh
        if gU is not None and U.size(-2) > k:  # the part of gU outside span(U)
            gUSinv = gU / S.unsqueeze(-2)
            gA = gA + (gUSinv - U @ (U.mT @ gUSinv)) @ Vh
        if gVh is not None and Vh.size(-1) > k:
            gVhSinv = gVh / S.unsqueeze(-1)
            gA = gA + U @ (gVhSinv - (gVhSinv @ Vh.mT) @ Vh)
        return gA, None


def _check_matrix(A, op):
    if A.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if not A.is_floating_point():
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {_C_name(A.dtype)}")


def svd(A, full_matrices=True):
    _check_matrix(A, "linalg.svd")
    return _Svd.apply(A, full_matrices)


def svdvals(A):
    _check_matrix(A, "linalg.svdvals")
    return _Svd.apply(A, False)[1]
