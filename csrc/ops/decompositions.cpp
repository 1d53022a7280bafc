// The raw decompositions: argument checks, contiguous copies the kernels factor in place.
#include "ops/decompositions.h"

#include "ops/copy.h"
#include "ops/factory.h"

namespace ember {

EMBER_DEFINE_KERNEL(lu_factor_kernel, void(const Tensor& lu, const Tensor& pivots, const Tensor& info));
EMBER_DEFINE_KERNEL(lu_solve_kernel, void(const Tensor& lu, const Tensor& pivots, const Tensor& b));
EMBER_DEFINE_KERNEL(cholesky_kernel, void(const Tensor& a, const Tensor& info));
EMBER_DEFINE_KERNEL(triangular_solve_kernel, void(const Tensor& a, const Tensor& b, bool upper,
                                                  bool unitriangular));
EMBER_DEFINE_KERNEL(symmetric_eigen_kernel, void(const Tensor& a, const Tensor& w, const Tensor& v));
EMBER_DEFINE_KERNEL(svd_kernel, void(const Tensor& w, const Tensor& s, const Tensor& ut, const Tensor& vt));

namespace {

// PyTorch's checks shared by every linalg op taking a batch of square matrices.
void check_square(const Tensor& a, const char* op) {
  EMBER_CHECK(a.dim() >= 2, op, ": The input tensor A must have at least 2 dimensions.");
  EMBER_CHECK(a.size(-1) == a.size(-2), op, ": A must be batches of square matrices, but they are ",
              a.size(-2), " by ", a.size(-1), " matrices");
  EMBER_CHECK(a.dtype() == DType::Float32 || a.dtype() == DType::Float64, op,
              ": Expected a floating point or complex tensor as input. Got ", scalar_type_name(a.dtype()));
}

Shape batch_of(const Tensor& a, int trailing) {
  return Shape(a.sizes().begin(), a.sizes().end() - trailing);
}

// A fresh contiguous copy (the kernels write their result in place).
Tensor contiguous_copy(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype(), t.device());
  copy_kernel(t.device(), out, t);
  return out;
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lu_factor_raw(const Tensor& a, const char* op) {
  check_square(a, op);
  Tensor lu = contiguous_copy(a);
  Shape piv_shape = batch_of(a, 1);
  Tensor pivots = empty(piv_shape, DType::Int64, a.device());
  Tensor info = zeros(batch_of(a, 2), DType::Int64, a.device());
  if (a.numel() > 0) lu_factor_kernel(a.device(), lu, pivots, info);
  return {lu, pivots, info};
}

Tensor lu_solve_raw(const Tensor& lu, const Tensor& pivots, const Tensor& b) {
  Tensor x = contiguous_copy(b);
  if (x.numel() > 0) lu_solve_kernel(lu.device(), lu, pivots, x);
  return x;
}

std::tuple<Tensor, Tensor> cholesky_raw(const Tensor& a, const char* op) {
  check_square(a, op);
  Tensor l = contiguous_copy(a);
  Tensor info = zeros(batch_of(a, 2), DType::Int64, a.device());
  if (a.numel() > 0) cholesky_kernel(a.device(), l, info);
  return {l, info};
}

Tensor triangular_solve_raw(const Tensor& a, const Tensor& b, bool upper, bool unitriangular) {
  Tensor ac = a.is_contiguous() ? a : contiguous_copy(a);
  Tensor x = contiguous_copy(b);
  if (x.numel() > 0) triangular_solve_kernel(a.device(), ac, x, upper, unitriangular);
  return x;
}

std::tuple<Tensor, Tensor> symmetric_eigen_raw(const Tensor& a, const char* op) {
  check_square(a, op);
  Tensor work = contiguous_copy(a);
  Tensor w = empty(batch_of(a, 1), a.dtype(), a.device());
  Tensor v = empty(a.sizes(), a.dtype(), a.device());
  if (a.numel() > 0) symmetric_eigen_kernel(a.device(), work, w, v);
  return {w, v};
}

std::tuple<Tensor, Tensor, Tensor> svd_raw(const Tensor& at, bool full) {
  const int64_t n = at.size(-2), m = at.size(-1);
  Tensor work = contiguous_copy(at);
  Shape batch = batch_of(at, 2), s_shape = batch, ut_shape = batch, vt_shape = batch;
  s_shape.push_back(n);
  ut_shape.push_back(full ? m : n);
  ut_shape.push_back(m);
  vt_shape.push_back(n);
  vt_shape.push_back(n);
  Tensor s = empty(s_shape, at.dtype(), at.device()), ut = zeros(ut_shape, at.dtype(), at.device());
  Tensor vt = empty(vt_shape, at.dtype(), at.device());
  if (ut.numel() > 0) svd_kernel(at.device(), work, s, ut, vt);
  return {ut, s, vt};
}

}  // namespace ember
