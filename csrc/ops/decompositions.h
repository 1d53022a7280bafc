#pragma once
// Matrix decompositions: LU with partial pivoting, Cholesky and triangular solves, batched over
// leading dims. These are raw (not recorded) primitives; ember.linalg composes the differentiable
// ops (solve, inv, det, slogdet, cholesky, solve_triangular) from them with backward in ember ops.
#include <tuple>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// In place on contiguous lu (*, n, n): P A = L U (unit L below the diagonal, U on and above it).
/// pivots (*, n) int64 gets the 0-based row swapped with row k at step k; info (*) int64 the
/// 1-based index of the first zero pivot (0 when none), as LAPACK's getrf.
EMBER_DECLARE_KERNEL(lu_factor_kernel, void(const Tensor& lu, const Tensor& pivots, const Tensor& info));
/// In place on contiguous b (*, n, k): solves A X = B from lu_factor_kernel's lu and pivots.
EMBER_DECLARE_KERNEL(lu_solve_kernel, void(const Tensor& lu, const Tensor& pivots, const Tensor& b));
/// In place on contiguous a (*, n, n): the lower Cholesky factor from a's lower triangle (upper
/// triangle zeroed); info (*) int64 the order of the first leading minor that is not positive-definite.
EMBER_DECLARE_KERNEL(cholesky_kernel, void(const Tensor& a, const Tensor& info));
/// In place on contiguous b (*, n, k): solves A X = B for triangular contiguous a (*, n, n).
EMBER_DECLARE_KERNEL(triangular_solve_kernel, void(const Tensor& a, const Tensor& b, bool upper,
                                                   bool unitriangular));
/// Cyclic Jacobi on contiguous symmetric a (*, n, n), destroyed: eigenvalues ascending into w
/// (*, n), the matching orthonormal eigenvectors into the columns of v (*, n, n).
EMBER_DECLARE_KERNEL(symmetric_eigen_kernel, void(const Tensor& a, const Tensor& w, const Tensor& v));
/// One-sided Jacobi SVD. w (*, n, m) contiguous with n <= m holds A^T (its rows are A's columns)
/// and is destroyed; s (*, n) gets the singular values descending, vt (*, n, n) V^T and ut (*, k, m)
/// U^T, where k is n or m (full): rows for zero singular values and the rows past n are completed
/// to an orthonormal set.
EMBER_DECLARE_KERNEL(svd_kernel, void(const Tensor& w, const Tensor& s, const Tensor& ut, const Tensor& vt));

/// (LU, pivots, info) of a float (*, n, n) tensor; `op` names the caller in error messages.
std::tuple<Tensor, Tensor, Tensor> lu_factor_raw(const Tensor& a, const char* op);
/// A^-1 B from lu_factor_raw's factors; b (*, n, k) with lu's batch dims.
Tensor lu_solve_raw(const Tensor& lu, const Tensor& pivots, const Tensor& b);
/// (L, info) for a float (*, n, n) tensor.
std::tuple<Tensor, Tensor> cholesky_raw(const Tensor& a, const char* op);
/// A^-1 B for triangular a (*, n, n) and b (*, n, k) with the same batch dims.
Tensor triangular_solve_raw(const Tensor& a, const Tensor& b, bool upper, bool unitriangular);
/// (eigenvalues, eigenvectors) of a symmetric float (*, n, n) tensor (both triangles read).
std::tuple<Tensor, Tensor> symmetric_eigen_raw(const Tensor& a, const char* op);
/// (U^T, S, V^T) of a^T given as float (*, n, m), n <= m; U^T has m rows when full.
std::tuple<Tensor, Tensor, Tensor> svd_raw(const Tensor& at, bool full);

}  // namespace ember
