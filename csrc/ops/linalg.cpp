// Matrix products. Every product funnels into run_product, which hands gemm the operands' own
// strides (Note [Strides are in elements]): transposed, sliced and broadcast operands are never
// copied. Backward formulas use transposed views (mT) and the same ops, so create_graph works.
#include "ops/linalg.h"

#include <algorithm>

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(gemm_kernel, void(const Tensor& out, const Tensor& a, const Tensor& b,
                                      const Scalar& alpha, const Scalar& beta));
EMBER_DEFINE_KERNEL(bmm_kernel, void(const Tensor& out, const Tensor& a, const Tensor& b,
                                     const Scalar& alpha, const Scalar& beta));

namespace {

// PyTorch names dtypes three ways in these messages: C++ types ("float != double"), ScalarType
// names ("Float and Double") and dtype names.
const char* cpp_type_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::UInt8: return "unsigned char";
    case DType::Int32: return "int";
    case DType::Int64: return "long int";
    case DType::Float32: return "float";
    default: return "double";
  }
}
// PyTorch's CPU products have no bool kernel; `kernel` is the name its error message uses.
void check_not_bool(const Tensor& t, const char* kernel) {
  EMBER_CHECK(t.dtype() != DType::Bool, "\"", kernel, "\" not implemented for 'Bool'");
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.device() == b.device(), "[", op, "] Expected all tensors to be on the same device, "
              "but found at least two devices, ", a.device().str(), " and ", b.device().str(), "!");
}

// The "mat1 and mat2 shapes cannot be multiplied" check of mm, addmm, linear and folded matmul.
void check_mm_shapes(int64_t rows, int64_t k, int64_t k2, int64_t cols) {
  EMBER_CHECK(k == k2, "mat1 and mat2 shapes cannot be multiplied (", rows, "x", k, " and ", k2, "x",
              cols, ")");
}
void check_mm_dtypes(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: ",
              cpp_type_name(a.dtype()), " != ", cpp_type_name(b.dtype()));
}

// `self` of the addmm family must broadcast to the product's shape (PyTorch's expand message).
void check_expandable(const Tensor& self, const Shape& shape) {
  EMBER_CHECK(self.dim() <= shape.size(), "The expand of the tensor with ", self.dim(),
              " dimensions to a shape with ", shape.size(), " dimensions is not possible");
  const int lead = shape.size() - self.dim();
  for (int i = lead; i < shape.size(); ++i) {
    const int64_t have = self.sizes()[i - lead];
    EMBER_CHECK(have == shape[i] || have == 1, "The expanded size of the tensor (", shape[i],
                ") must match the existing size (", have, ") at non-singleton dimension ", i,
                ".  Target sizes: ", shape, ".  Tensor sizes: ", self.sizes());
  }
}

// A view for kernels only: new geometry over t's storage, no autograd.
Tensor raw_view(const Tensor& t, const Shape& sizes, const Shape& strides) {
  return make_tensor(t.storage(), sizes, strides, t.storage_offset(), t.dtype());
}

// The batch dims of a product: broadcast, with PyTorch's message.
Shape broadcast_batch(const Tensor& a, const Tensor& b) {
  const int na = a.dim() - 2, nb = b.dim() - 2, n = std::max(na, nb);
  Shape out = Shape::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    const int64_t sa = i - (n - na) >= 0 ? a.sizes()[i - (n - na)] : 1;
    const int64_t sb = i - (n - nb) >= 0 ? b.sizes()[i - (n - nb)] : 1;
    EMBER_CHECK(sa == sb || sa == 1 || sb == 1, "The size of tensor a (", sa,
                ") must match the size of tensor b (", sb, ") at non-singleton dimension ", i);
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

// When every dim of t but the last merges into one (rows evenly spaced in memory), sets
// *row_stride and returns true. Size-1 dims never break a merge.
bool fold_rows(const Tensor& t, int64_t* row_stride) {
  bool found = false;
  int64_t expect = 0;
  *row_stride = t.size(-1);
  for (int i = t.dim() - 2; i >= 0; --i) {
    if (t.sizes()[i] == 1) continue;
    if (!found) {
      *row_stride = t.strides()[i];
      found = true;
    } else if (t.strides()[i] != expect) {
      return false;
    }
    expect = t.strides()[i] * t.sizes()[i];
  }
  return true;
}

// out (*B, M, N) = beta*out + alpha*(a @ b) for a (*, M, K) and b (*, K, N) broadcast to B; out
// is fresh and contiguous. One gemm when the batch folds into rows (PyTorch's matmul folding),
// else one gemm per batch index with broadcast operands read through stride-0 views.
void run_product(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha,
                 const Scalar& beta) {
  if (out.numel() == 0) return;
  const Device device = out.device();
  if (a.dim() == 2 && b.dim() == 2) {
    gemm_kernel(device, out, a, b, alpha, beta);
    return;
  }
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  int64_t rsa;
  if (b.dim() == 2 && fold_rows(a, &rsa)) {
    const int64_t rows = out.numel() / N;
    gemm_kernel(device, raw_view(out, {rows, N}, {N, 1}), raw_view(a, {rows, K}, {rsa, a.stride(-1)}),
                b, alpha, beta);
    return;
  }
  Shape batch(out.sizes().begin(), out.sizes().end() - 2);
  Shape a_sizes = batch, b_sizes = batch;
  a_sizes.push_back(M);
  a_sizes.push_back(K);
  b_sizes.push_back(K);
  b_sizes.push_back(N);
  bmm_kernel(device, out, expand_raw(a, a_sizes), expand_raw(b, b_sizes), alpha, beta);
}

// A fresh output of `shape` holding self (broadcast) when beta needs it; returns the beta gemm
// must apply (0 when there is no self: gemm then never reads the uninitialised output).
Tensor init_out(const Shape& shape, const Tensor& self, const Scalar& beta, DType dtype,
                Device device, Scalar* gemm_beta) {
  Tensor out = empty(shape, dtype, device);
  const bool use_self = self.defined() && beta.to_double() != 0.0;
  if (use_self) copy_kernel(device, out, expand_raw(self, shape));
  *gemm_beta = use_self ? beta : Scalar(0);
  return out;
}

bool is_one(const Scalar& s) { return s.to_double() == 1.0; }
Tensor scaled(const Tensor& g, const Scalar& s) { return is_one(s) ? g : mul(g, s); }
Tensor mT(const Tensor& t) { return transpose(t, -2, -1); }

// d(a @ b)/da for a (*, M, K): g @ b^T, summed over the batch dims broadcasting added to a.
Tensor grad_lhs(const Tensor& g, const Tensor& b, const Shape& a_sizes) {
  return sum_to(matmul(g, mT(b)), a_sizes);
}
// d(a @ b)/db. A 2-d b shared by a batch gets one tall product over the folded rows instead of a
// batch of products summed afterwards.
Tensor grad_rhs(const Tensor& a, const Tensor& g, const Shape& b_sizes) {
  if (b_sizes.size() == 2 && a.dim() > 2)
    return mm(t(reshape(a, {-1, a.size(-1)})), reshape(g, {-1, g.size(-1)}));
  return sum_to(matmul(mT(a), g), b_sizes);
}

// Records out = beta*self + alpha*(a @ b) (self may be undefined; a, b at least 2-d).
void record_product(const char* name, const Tensor& self, const Tensor& a, const Tensor& b,
                    const Scalar& beta, const Scalar& alpha, const Tensor& out) {
  const bool need_self = self.defined() && self.requires_grad();
  const bool need_a = a.requires_grad(), need_b = b.requires_grad();
  Shape self_sizes = self.defined() ? self.sizes() : Shape{}, a_sizes = a.sizes(), b_sizes = b.sizes();
  record(name, {self, a, b}, out, {need_b ? save(a) : SavedTensor(), need_a ? save(b) : SavedTensor()},
         [=](const TensorList& g, const TensorList& s) {
           Tensor ga = scaled(g[0], alpha);
           return TensorList{need_self ? sum_to(scaled(g[0], beta), self_sizes) : Tensor(),
                             need_a ? grad_lhs(ga, s[1], a_sizes) : Tensor(),
                             need_b ? grad_rhs(s[0], ga, b_sizes) : Tensor()};
         });
}

// beta*self + alpha*(a @ b) over broadcast batch dims; shapes and dtypes already checked.
Tensor product(const char* name, const Tensor& self, const Tensor& a, const Tensor& b,
               const Scalar& beta, const Scalar& alpha) {
  check_same_device(a, b, name);
  Shape shape = a.dim() == 2 && b.dim() == 2 ? Shape{} : broadcast_batch(a, b);
  shape.push_back(a.size(-2));
  shape.push_back(b.size(-1));
  if (self.defined()) check_expandable(self, shape);
  Scalar gemm_beta;
  Tensor out = init_out(shape, self, beta, a.dtype(), a.device(), &gemm_beta);
  run_product(out, a, b, alpha, gemm_beta);
  if (should_record({&self, &a, &b})) record_product(name, self, a, b, beta, alpha, out);
  return out;
}

void check_addmm_self_dtype(const Tensor& self, const Tensor& m1, const Tensor& m2) {
  EMBER_CHECK(m1.dtype() == m2.dtype(), "mat1 and mat2 must have the same dtype, but got ",
              scalar_type_name(m1.dtype()), " and ", scalar_type_name(m2.dtype()));
  EMBER_CHECK(self.dtype() == m2.dtype(), "self and mat2 must have the same dtype, but got ",
              scalar_type_name(self.dtype()), " and ", scalar_type_name(m2.dtype()));
}

void check_bmm(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 3, "batch1 must be a 3D tensor");
  EMBER_CHECK(b.dim() == 3, "batch2 must be a 3D tensor");
  EMBER_CHECK(b.size(0) == a.size(0) && b.size(1) == a.size(2),
              "Expected size for first two dimensions of batch2 tensor to be: [", a.size(0), ", ",
              a.size(2), "] but got: [", b.size(0), ", ", b.size(1), "].");
}
void check_bmm_dtypes(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dtype() == b.dtype(), "expected scalar type ", scalar_type_name(a.dtype()),
              " but found ", scalar_type_name(b.dtype()));
}

// The addmv family's checks: vector + matrix @ vector, one dtype.
void check_mv(const Tensor& self, const Tensor& mat, const Tensor& vec) {
  EMBER_CHECK((!self.defined() || self.dim() <= 1) && mat.dim() == 2 && vec.dim() == 1,
              "vector + matrix @ vector expected, got ", self.defined() ? self.dim() : 1, ", ", mat.dim(), ", ", vec.dim());
  const int64_t rows = self.defined() && self.dim() == 1 ? self.size(0) : mat.size(0);
  EMBER_CHECK(mat.size(1) == vec.size(0) && (rows == mat.size(0) || rows == 1),
              "size mismatch, got input (", rows, "), mat (", mat.size(0), "x", mat.size(1),
              "), vec (", vec.size(0), ")");
  const Tensor& first = self.defined() ? self : vec;
  EMBER_CHECK(first.dtype() == mat.dtype() && mat.dtype() == vec.dtype(),
              "addmv input tensors must have the same dtype, but got ", scalar_type_name(first.dtype()),
              ", ", scalar_type_name(mat.dtype()), ", and ", scalar_type_name(vec.dtype()));
  check_not_bool(mat, "addmv_impl_cpu");
  check_same_device(mat, vec, "addmv");
}

// beta*self + alpha*(mat @ vec): the vector is a K x 1 matrix to gemm, the result an M x 1 one.
Tensor mv_product(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta,
                  const Scalar& alpha) {
  const int64_t M = mat.size(0);
  if (self.defined()) check_expandable(self, {M});
  Scalar gemm_beta;
  Tensor out = init_out({M}, self, beta, mat.dtype(), mat.device(), &gemm_beta);
  run_product(raw_view(out, {M, 1}, {1, 1}), mat, raw_view(vec, {vec.size(0), 1}, {vec.stride(0), 1}),
              alpha, gemm_beta);
  if (should_record({&self, &mat, &vec})) {
    const bool need_self = self.defined() && self.requires_grad();
    const bool need_mat = mat.requires_grad(), need_vec = vec.requires_grad();
    Shape self_sizes = self.defined() ? self.sizes() : Shape{};
    record(self.defined() ? "AddmvBackward0" : "MvBackward0", {self, mat, vec}, out,
           {need_vec ? save(mat) : SavedTensor(), need_mat ? save(vec) : SavedTensor()},
           [=](const TensorList& g, const TensorList& s) {
             Tensor ga = scaled(g[0], alpha);
             return TensorList{need_self ? sum_to(scaled(g[0], beta), self_sizes) : Tensor(),
                               need_mat ? outer(ga, s[1]) : Tensor(),
                               need_vec ? mv(t(s[0]), ga) : Tensor()};
           });
  }
  return out;
}

void check_dot(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.dim() == 1 && b.dim() == 1, "1D tensors expected, but got ", a.dim(), "D and ",
              b.dim(), "D tensors");
  EMBER_CHECK(a.size(0) == b.size(0), "inconsistent tensor size, expected tensor [", a.size(0),
              "] and src [", b.size(0), "] to have the same number of elements, but got ", a.size(0),
              " and ", b.size(0), " elements respectively");
  EMBER_CHECK(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found ",
              scalar_type_name(a.dtype()), " and ", scalar_type_name(b.dtype()));
  check_not_bool(a, "dot");
  check_same_device(a, b, "dot");
}

}  // namespace

// ---- products ----------------------------------------------------------------------------------

Tensor mm(const Tensor& self, const Tensor& mat2) {
  EMBER_CHECK(self.dim() == 2, "self must be a matrix");
  EMBER_CHECK(mat2.dim() == 2, "mat2 must be a matrix");
  check_mm_shapes(self.size(0), self.size(1), mat2.size(0), mat2.size(1));
  check_mm_dtypes(self, mat2);
  check_not_bool(self, "addmm_impl_cpu_");
  return product("MmBackward0", Tensor(), self, mat2, 0, 1);
}

Tensor bmm(const Tensor& self, const Tensor& mat2) {
  check_bmm(self, mat2);
  check_bmm_dtypes(self, mat2);
  check_not_bool(self, "bmm");
  return product("BmmBackward0", Tensor(), self, mat2, 0, 1);
}

Tensor mv(const Tensor& self, const Tensor& vec) {
  check_mv(Tensor(), self, vec);
  return mv_product(Tensor(), self, vec, 0, 1);
}

Tensor dot(const Tensor& self, const Tensor& other) {
  check_dot(self, other);
  const int64_t K = self.size(0);
  Tensor out = empty({}, self.dtype(), self.device());
  run_product(raw_view(out, {1, 1}, {1, 1}), raw_view(self, {1, K}, {K, self.stride(0)}),
              raw_view(other, {K, 1}, {other.stride(0), 1}), 1, 0);
  if (should_record({&self, &other})) {
    const bool need_a = self.requires_grad(), need_b = other.requires_grad();
    record("DotBackward0", {self, other}, out,
           {need_b ? save(self) : SavedTensor(), need_a ? save(other) : SavedTensor()},
           [=](const TensorList& g, const TensorList& s) {
             return TensorList{need_a ? mul(g[0], s[1]) : Tensor(), need_b ? mul(g[0], s[0]) : Tensor()};
           });
  }
  return out;
}

Tensor matmul(const Tensor& self, const Tensor& other) {
  const int da = self.dim(), db = other.dim();
  EMBER_CHECK(da > 0 && db > 0, "both arguments to matmul need to be at least 1D, but they are ", da,
              "D and ", db, "D");
  if (da == 1 && db == 1) return dot(self, other);
  if (da == 2 && db == 1) return mv(self, other);
  if (da == 1 && db == 2) return squeeze(mm(unsqueeze(self, 0), other), {0});
  if (da == 2 && db == 2) return mm(self, other);
  // At least one operand is batched: a 1-d operand is a one-row (left) or one-column (right)
  // matrix, and a 2-d right operand is folded into by the left's rows.
  const Tensor a = da == 1 ? unsqueeze(self, 0) : self;
  const Tensor b = db == 1 ? unsqueeze(other, 1) : other;
  const int64_t K = a.size(-1);
  if (db <= 2) {
    const int64_t rows = a.numel() / std::max<int64_t>(K, 1);
    if (db == 1) {
      EMBER_CHECK(K == b.size(0), "size mismatch, got input (", rows, "), mat (", rows, "x", K,
                  "), vec (", b.size(0), ")");
    } else {
      check_mm_shapes(rows, K, b.size(0), b.size(1));
    }
    check_mm_dtypes(a, b);
  } else {
    const Shape batch = broadcast_batch(a, b);
    const int64_t n = numel_of(batch);
    EMBER_CHECK(K == b.size(-2), "Expected size for first two dimensions of batch2 tensor to be: [",
                n, ", ", K, "] but got: [", n, ", ", b.size(-2), "].");
    check_bmm_dtypes(a, b);
  }
  check_not_bool(a, "bmm");
  Tensor out = product("BmmBackward0", Tensor(), a, b, 0, 1);
  if (da == 1) return squeeze(out, {-2});
  if (db == 1) return squeeze(out, {-1});
  return out;
}

Tensor outer(const Tensor& self, const Tensor& vec2) {
  EMBER_CHECK(self.dim() == 1, "outer: Expected 1-D argument self, but got ", self.dim(), "-D");
  EMBER_CHECK(vec2.dim() == 1, "outer: Expected 1-D argument vec2, but got ", vec2.dim(), "-D");
  // A broadcast multiply is the whole product (M*N multiplies, no reduction) and promotes dtypes.
  return mul(unsqueeze(self, 1), vec2);
}

Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta,
             const Scalar& alpha) {
  EMBER_CHECK(mat1.dim() == 2, "mat1 must be a matrix, got ", mat1.dim(), "-D tensor");
  EMBER_CHECK(mat2.dim() == 2, "mat2 must be a matrix, got ", mat2.dim(), "-D tensor");
  check_mm_shapes(mat1.size(0), mat1.size(1), mat2.size(0), mat2.size(1));
  check_addmm_self_dtype(self, mat1, mat2);
  check_not_bool(mat1, "addmm_impl_cpu_");
  check_same_device(self, mat1, "addmm");
  return product("AddmmBackward0", self, mat1, mat2, beta, alpha);
}

Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, const Scalar& beta,
             const Scalar& alpha) {
  check_mv(self, mat, vec);
  return mv_product(self, mat, vec, beta, alpha);
}

Tensor baddbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
               const Scalar& alpha) {
  check_bmm(batch1, batch2);
  EMBER_CHECK(self.dtype() == batch1.dtype() && batch1.dtype() == batch2.dtype(),
              "Input dtypes must be the same, got: input ", cpp_type_name(self.dtype()),
              ", batch1: ", cpp_type_name(batch1.dtype()), ", batch2: ", cpp_type_name(batch2.dtype()));
  check_not_bool(batch1, "bmm");
  check_same_device(self, batch1, "baddbmm");
  return product("BaddbmmBackward0", self, batch1, batch2, beta, alpha);
}

Tensor addbmm(const Tensor& self, const Tensor& batch1, const Tensor& batch2, const Scalar& beta,
              const Scalar& alpha) {
  EMBER_CHECK(batch1.dim() == 3, "batch1 must be a 3D tensor");
  EMBER_CHECK(batch2.dim() == 3, "batch2 must be a 3D tensor");
  EMBER_CHECK(batch1.size(0) == batch2.size(0), "batch1 and batch2 must have same number of batches, got ",
              batch1.size(0), " and ", batch2.size(0));
  EMBER_CHECK(batch1.size(2) == batch2.size(1), "Incompatible matrix sizes for bmm (", batch1.size(1),
              "x", batch1.size(2), " and ", batch2.size(1), "x", batch2.size(2), ")");
  EMBER_CHECK(self.dtype() == batch1.dtype() && batch1.dtype() == batch2.dtype(),
              "Input dtypes must be the same, got: input ", cpp_type_name(self.dtype()),
              ", batch1: ", cpp_type_name(batch1.dtype()), ", batch2: ", cpp_type_name(batch2.dtype()));
  check_not_bool(batch1, "addbmm_impl_cpu_");
  check_same_device(self, batch1, "addbmm");
  const int64_t B = batch1.size(0), M = batch1.size(1), N = batch2.size(2);
  check_expandable(self, {M, N});
  Scalar gemm_beta;
  Tensor out = init_out({M, N}, self, beta, batch1.dtype(), batch1.device(), &gemm_beta);
  // The batches accumulate into one output, so they run in order, each gemm threading inside.
  if (B == 0 && out.numel() > 0) {
    if (gemm_beta.to_double() == 0.0) fill_kernel(out.device(), out, Scalar(0));
    else if (!is_one(gemm_beta)) copy_kernel(out.device(), out, mul(detach(out), gemm_beta));
  }
  for (int64_t i = 0; i < B; ++i) {
    auto slice = [i](const Tensor& t) {
      return make_tensor(t.storage(), {t.size(1), t.size(2)}, {t.stride(1), t.stride(2)},
                         t.storage_offset() + i * t.stride(0), t.dtype());
    };
    if (out.numel() > 0)
      gemm_kernel(out.device(), out, slice(batch1), slice(batch2), alpha, i == 0 ? gemm_beta : Scalar(1));
  }
  if (should_record({&self, &batch1, &batch2})) {
    const bool need_self = self.requires_grad(), need_1 = batch1.requires_grad(), need_2 = batch2.requires_grad();
    Shape self_sizes = self.sizes();
    record("AddbmmBackward0", {self, batch1, batch2}, out,
           {need_2 ? save(batch1) : SavedTensor(), need_1 ? save(batch2) : SavedTensor()},
           [=](const TensorList& g, const TensorList& s) {
             Tensor ga = scaled(g[0], alpha);  // the same for every batch: broadcast in matmul
             return TensorList{need_self ? sum_to(scaled(g[0], beta), self_sizes) : Tensor(),
                               need_1 ? matmul(ga, mT(s[1])) : Tensor(),
                               need_2 ? matmul(mT(s[0]), ga) : Tensor()};
           });
  }
  return out;
}

// ---- linear ------------------------------------------------------------------------------------

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  EMBER_CHECK(input.dim() >= 1 && weight.dim() >= 1, "both arguments to linear need to be at least "
              "1D, but they are ", input.dim(), "D and ", weight.dim(), "D");
  if (weight.dim() != 2) {  // PyTorch's composite path: t() rejects > 2-d, 1-d is a vector
    Tensor out = matmul(input, t(weight));
    return bias.defined() ? add(out, bias) : out;
  }
  const int64_t K = input.size(-1), N = weight.size(0);
  check_mm_shapes(input.numel() / std::max<int64_t>(K, 1), K, weight.size(1), N);
  check_mm_dtypes(input, weight);
  if (bias.defined()) {
    EMBER_CHECK(bias.dtype() == weight.dtype(), "self and mat2 must have the same dtype, but got ",
                scalar_type_name(bias.dtype()), " and ", scalar_type_name(weight.dtype()));
    check_same_device(bias, weight, "linear");
  }
  check_not_bool(input, "addmm_impl_cpu_");
  check_same_device(input, weight, "linear");
  Shape shape = input.sizes();
  shape[shape.size() - 1] = N;
  if (bias.defined()) check_expandable(bias, shape);
  // The bias is copied into the output once and gemm adds the product onto it (beta = 1).
  Scalar gemm_beta;
  Tensor out = init_out(shape, bias, 1, input.dtype(), input.device(), &gemm_beta);
  const Tensor w_t = raw_view(weight, {K, N}, {weight.stride(1), weight.stride(0)});
  if (input.dim() == 1) {
    run_product(raw_view(out, {1, N}, {N, 1}), raw_view(input, {1, K}, {K, input.stride(0)}), w_t, 1,
                gemm_beta);
  } else {
    run_product(out, input, w_t, 1, gemm_beta);
  }
  if (should_record({&input, &weight, &bias})) {
    const bool need_in = input.requires_grad(), need_w = weight.requires_grad();
    const bool need_b = bias.defined() && bias.requires_grad();
    Shape bias_sizes = bias.defined() ? bias.sizes() : Shape{};
    record(bias.defined() ? "AddmmBackward0" : "MmBackward0", {input, weight, bias}, out,
           {need_w ? save(input) : SavedTensor(), need_in ? save(weight) : SavedTensor()},
           [=](const TensorList& g, const TensorList& s) {
             Tensor gw;
             if (need_w) {
               gw = s[0].dim() == 1 ? outer(g[0], s[0])
                                    : mm(t(reshape(g[0], {-1, N})), reshape(s[0], {-1, K}));
             }
             return TensorList{need_in ? matmul(g[0], s[1]) : Tensor(), gw,
                               need_b ? sum_to(g[0], bias_sizes) : Tensor()};
           });
  }
  return out;
}

// ---- composites --------------------------------------------------------------------------------

Tensor trace(const Tensor& self) {
  EMBER_CHECK(self.dim() == 2, "trace: expected a matrix, but got tensor with dim ", self.dim());
  check_not_bool(self, "trace");
  return sum(diagonal(self));
}

Tensor kron(const Tensor& self, const Tensor& other) {
  // Interleave the dims, a as (a0, 1, a1, 1, ...) and b as (1, b0, 1, b1, ...): their broadcast
  // product is contiguous with the dims in kron order, so the final reshape is a view.
  const int n = std::max(self.dim(), other.dim());
  Shape as, bs, result;
  for (int i = 0; i < n; ++i) {
    const int64_t ai = i - (n - self.dim()) >= 0 ? self.sizes()[i - (n - self.dim())] : 1;
    const int64_t bi = i - (n - other.dim()) >= 0 ? other.sizes()[i - (n - other.dim())] : 1;
    as.push_back(ai);
    as.push_back(1);
    bs.push_back(1);
    bs.push_back(bi);
    result.push_back(ai * bi);
  }
  return reshape(mul(reshape(self, as), reshape(other, bs)), result);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const Shape& dims_a, const Shape& dims_b) {
  EMBER_CHECK(dims_a.size() == dims_b.size(), "both dimension lists should have same length");
  EMBER_CHECK(a.dtype() == b.dtype(), "both inputs should have same dtype");
  const uint32_t mask_a = dim_mask(dims_a, a.dim(), "tensordot");
  const uint32_t mask_b = dim_mask(dims_b, b.dim(), "tensordot");
  // a becomes (free dims, contracted) and b (contracted, free dims): one mm.
  int64_t k = 1, rows = 1, cols = 1;
  Shape perm_a, perm_b, out_shape;
  for (int i = 0; i < dims_a.size(); ++i) {
    const int64_t sa = a.size(dims_a[i]), sb = b.size(dims_b[i]);
    EMBER_CHECK(sa == sb, "contracted dimensions need to match, but first has size ", sa, " in dim ",
                dims_a[i], " and second has size ", sb, " in dim ", dims_b[i]);
    k *= sa;
  }
  for (int i = 0; i < a.dim(); ++i)
    if (!(mask_a >> i & 1)) {
      perm_a.push_back(i);
      out_shape.push_back(a.sizes()[i]);
      rows *= a.sizes()[i];
    }
  for (int64_t d : dims_a) perm_a.push_back(wrap_dim(d, a.dim()));
  for (int64_t d : dims_b) perm_b.push_back(wrap_dim(d, b.dim()));
  for (int i = 0; i < b.dim(); ++i)
    if (!(mask_b >> i & 1)) {
      perm_b.push_back(i);
      out_shape.push_back(b.sizes()[i]);
      cols *= b.sizes()[i];
    }
  Tensor a2 = reshape(permute(a, perm_a), {rows, k});
  Tensor b2 = reshape(permute(b, perm_b), {k, cols});
  return reshape(mm(a2, b2), out_shape);
}

Tensor tensordot(const Tensor& a, const Tensor& b, int64_t dims) {
  EMBER_CHECK(dims >= 0, "tensordot expects dims >= 0, but got dims=", dims);
  EMBER_CHECK(dims <= a.dim() && dims <= b.dim(), "tensordot expects dims < ndim_a or ndim_b, but got dims=",
              dims);
  Shape da, db;
  for (int64_t i = 0; i < dims; ++i) {
    da.push_back(i - dims);
    db.push_back(i);
  }
  return tensordot(a, b, da, db);
}

}  // namespace ember
