#include "ops/reduce.h"

#include <cmath>
#include <limits>

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(reduce_kernel, void(ReduceOp op, const Tensor& out, const Tensor& in, double p));
EMBER_DEFINE_KERNEL(arg_reduce_kernel, void(ReduceOp op, const Tensor& values, const Tensor& indices,
                                            const Tensor& in, int dim));
EMBER_DEFINE_KERNEL(scan_kernel, void(ScanOp op, const Tensor& out, const Tensor& in, int dim, bool reverse));
EMBER_DEFINE_KERNEL(softmax_kernel, void(const Tensor& out, const Tensor& in, int dim, bool log));

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The geometry of a reduction: which dims go, and the result's shape with and without them.
struct Reduction {
  uint32_t mask = 0;
  Shape dims;      // the reduced dims, wrapped and ascending
  Shape kept;      // keepdim shape: 1 on reduced dims
  Shape squeezed;  // shape without the reduced dims
  Shape sizes;     // the input's shape

  /// An empty `dims` reduces every dim (PyTorch's dim=None and dim=()).
  Reduction(const Tensor& self, const Shape& dim_list, const char* op) : sizes(self.sizes()) {
    mask = dim_list.empty() ? (self.dim() ? (1u << self.dim()) - 1 : 0) : dim_mask(dim_list, self.dim(), op);
    for (int i = 0; i < self.dim(); ++i) {
      bool reduced = mask >> i & 1;
      if (reduced) dims.push_back(i);
      kept.push_back(reduced ? 1 : sizes[i]);
      if (!reduced) squeezed.push_back(sizes[i]);
    }
  }
  Shape shape(bool keepdim) const { return keepdim ? kept : squeezed; }
  int64_t count() const {
    int64_t n = 1;
    for (int64_t d : dims) n *= sizes[d];
    return n;
  }
  /// A gradient of the result, broadcast back to the input's shape.
  Tensor expand_back(const Tensor& g) const { return expand(reshape(g, kept), sizes); }
  /// The first reduced dim of size 0, or -1.
  int empty_dim() const {
    for (int64_t d : dims)
      if (sizes[d] == 0) return static_cast<int>(d);
    return -1;
  }
};

/// A contiguous result of the keepdim shape viewed as the squeezed one when !keepdim.
Tensor finish(const Tensor& out, const Reduction& r, bool keepdim) {
  if (keepdim) return out;
  return make_tensor(out.storage(), r.squeezed, contiguous_strides(r.squeezed), 0, out.dtype());
}

/// Runs reduce_kernel on `in` (already in the kernel's input dtype) into a new `out_dtype` tensor.
Tensor reduce(ReduceOp op, const Tensor& in, const Reduction& r, bool keepdim, DType out_dtype, double p = 0) {
  Tensor out = empty(r.kept, out_dtype, in.device());
  reduce_kernel(in.device(), op, out, in, p);
  return finish(out, r, keepdim);
}

Tensor constant(double v, const Tensor& like) { return scalar_tensor(v, like.dtype(), like.device()); }
/// mask as 0/1 in the dtype of `like`.
Tensor as_float(const Tensor& mask, const Tensor& like) { return to_dtype(mask, like.dtype()); }
/// sign(x) in x's dtype, from comparisons (0 at 0).
Tensor sign_of(const Tensor& x) {
  return as_float(gt(x, constant(0, x)), x) - as_float(lt(x, constant(0, x)), x);
}
/// t^e for t >= 0 (exp(e log t); exact 0 for t == 0 when e > 0).
Tensor pow_nonneg(const Tensor& t, double e) { return exp(log(t) * e); }

DType integral_to_int64(DType t) { return is_integral(t, true) ? DType::Int64 : t; }

/// Positions 0..n-1 along `dim` of an int64 tensor shaped [1, .., n, .., 1].
Tensor positions(const Shape& sizes, int dim) {
  Shape s = Shape::filled(sizes.size(), 1);
  s[dim] = sizes[dim];
  return sub(cumsum(ones(s, DType::Int64), dim), Scalar(int64_t(1)));
}

// Inclusive scan into a fresh tensor; differentiable for Sum (the backward is the reverse scan).
Tensor scan(ScanOp op, const Tensor& self, int dim, bool reverse, DType dtype) {
  Tensor in = to_dtype(self, dtype);
  Tensor out = empty(self.sizes(), dtype, self.device());
  scan_kernel(self.device(), op, out, in, dim, reverse);
  return out;
}

Tensor cumsum_dir(const Tensor& self, int dim, bool reverse, DType dtype) {
  Tensor out = scan(ScanOp::Sum, self, dim, reverse, dtype);
  if (should_record({&self})) {
    DType in_dtype = self.dtype();
    record("CumsumBackward0", {self}, out, {}, [dim, reverse, in_dtype](const TensorList& g, const TensorList&) {
      return TensorList{cumsum_dir(g[0], dim, !reverse, in_dtype)};
    });
  }
  return out;
}

Tensor prod_over(const Tensor& self, const Reduction& r, bool keepdim, DType t) {
  Tensor out = reduce(ReduceOp::Prod, to_dtype(self, t), r, keepdim, t);
  if (should_record({&self})) {
    DType in_dtype = self.dtype();
    // Zeros handled as PyTorch does: with no zero in a slice, g*prod/x; with one, only the zero
    // gets the product of the others; with two or more, nothing.
    record("ProdBackward0", {self}, out, {save(self)}, [r, in_dtype](const TensorList& g, const TensorList& s) {
      Tensor x = to_dtype(s[0], g[0].dtype());
      Tensor zero = as_float(eq(x, constant(0, x)), x);
      Tensor n_zero = sum(zero, r.dims, true);
      Tensor x1 = x + zero;  // zeros replaced by 1
      Tensor p1 = r.expand_back(prod_over(x1, r, true, x1.dtype()));
      Tensor none = as_float(eq(n_zero, constant(0, n_zero)), x);
      Tensor one = as_float(eq(n_zero, constant(1, n_zero)), x);
      Tensor gi = r.expand_back(g[0]) * (none * p1 / x1 + zero * one * p1);
      return TensorList{to_dtype(gi, in_dtype)};
    });
  }
  return out;
}

// The gradient of out = cumprod(x) along d, exact with zeros: before the first zero z of a line,
// the usual reverse_cumsum(g*out)/x; at z, sum_{j>=z} g_j * prod_{i<=j, i!=z} x_i; after z, 0.
Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& out, int d) {
  const int64_t n = x.sizes()[d];
  Tensor pos = positions(x.sizes(), d);
  Tensor is_zero = eq(x, constant(0, x));
  Tensor has_zero = to_dtype(any(is_zero, Shape{d}, true), DType::Int64);
  Tensor z = argmax(to_dtype(is_zero, DType::UInt8), d, true) + (1 - has_zero) * Scalar(n);
  Tensor before = as_float(lt(pos, z), x), at = as_float(eq(pos, z), x), from = as_float(ge(pos, z), x);
  Tensor grad_before = cumsum_dir(g * out, d, true, g.dtype()) / (x * before + (1.0 - before)) * before;
  Tensor c = cumprod(x * (1.0 - at) + at, d);
  Tensor grad_at = sum(g * c * from, Shape{d}, true) * at;
  return grad_before + grad_at;
}

void check_nonempty(const Tensor& self, const Reduction& r, bool dim_given, const char* op, bool index_error) {
  if (self.numel() != 0) return;
  if (!dim_given) {
    const char* hint = index_error ? "" : " Specify the reduction dim with the 'dim' argument.";
    std::string msg = str(op, "(): Expected reduction dim to be specified for input.numel() == 0.", hint);
    if (index_error) throw IndexError(msg);
    throw RuntimeError(msg);
  }
  int d = r.empty_dim();
  EMBER_CHECK_INDEX(d < 0, op, "(): Expected reduction dim ", d, " to have non-zero size.");
}

/// Backward of amax/amin/max()/min(): the gradient split evenly among the tied extrema.
BackwardFn even_split_backward(const Reduction& r) {
  return [r](const TensorList& g, const TensorList& s) {
    const Tensor& x = s[0];
    Tensor mask = as_float(eq(x, r.expand_back(s[1])), x);
    Tensor count = sum(mask, r.dims, /*keepdim=*/true);
    return TensorList{r.expand_back(g[0]) * mask / count};
  };
}

Tensor extremum(const Tensor& self, const Shape& dims, bool keepdim, bool is_max, const char* op,
                bool dim_given, const char* node) {
  Reduction r(self, dims, op);
  check_nonempty(self, r, dim_given, op, false);
  Tensor out = reduce(is_max ? ReduceOp::Max : ReduceOp::Min, self, r, keepdim, self.dtype());
  if (should_record({&self})) record(node, {self}, out, {save(self), save_output(out)}, even_split_backward(r));
  return out;
}

std::tuple<Tensor, Tensor> extremum_dim(const Tensor& self, int64_t dim, bool keepdim, bool is_max,
                                        const char* op) {
  Reduction r(self, {dim}, op);
  check_nonempty(self, r, true, op, true);
  Tensor values = empty(r.kept, self.dtype(), self.device());
  Tensor indices = empty(r.kept, DType::Int64, self.device());
  arg_reduce_kernel(self.device(), is_max ? ReduceOp::Max : ReduceOp::Min, values, indices, self,
                    self.dim() ? static_cast<int>(r.dims.empty() ? 0 : r.dims[0]) : 0);
  values = finish(values, r, keepdim);
  indices = finish(indices, r, keepdim);
  if (should_record({&self})) {
    int d = r.dims.empty() ? -1 : static_cast<int>(r.dims[0]);
    record(is_max ? "MaxBackward0" : "MinBackward0", {self}, values, {save(indices)},
           [r, d](const TensorList& g, const TensorList& s) {
             if (d < 0) return TensorList{reshape(g[0], r.sizes)};  // 0-d input
             Tensor hit = eq(positions(r.sizes, d), reshape(s[0], r.kept));
             return TensorList{r.expand_back(g[0]) * to_dtype(hit, g[0].dtype())};
           });
  }
  return {values, indices};
}

Tensor arg_extremum(const Tensor& self, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  EMBER_CHECK(self.dtype() != DType::Bool, op, "(): does not support bool input");
  ReduceOp kind = is_max ? ReduceOp::Max : ReduceOp::Min;
  if (!dim) {
    Reduction r(self, {}, op);
    check_nonempty(self, r, false, op, true);
    Tensor flat = reshape(self, {self.numel()});
    Tensor idx = empty({1}, DType::Int64, self.device());
    arg_reduce_kernel(self.device(), kind, Tensor(), idx, flat, 0);
    return keepdim ? reshape(idx, r.kept) : reshape(idx, {});
  }
  Reduction r(self, {*dim}, op);
  check_nonempty(self, r, true, op, true);
  Tensor idx = empty(r.kept, DType::Int64, self.device());
  arg_reduce_kernel(self.device(), kind, Tensor(), idx, self, r.dims.empty() ? 0 : static_cast<int>(r.dims[0]));
  return finish(idx, r, keepdim);
}

void check_var_dtype(const Tensor& self) {
  EMBER_CHECK(is_floating(self.dtype()), "std and var only support floating point and complex dtypes");
}

/// var's forward: two passes (mean, then squared deviations) for accuracy, without a graph.
Tensor var_forward(const Tensor& self, const Reduction& r, double correction, bool keepdim) {
  GradModeGuard no_grad(false);
  Tensor d = self - mean(self, r.dims, /*keepdim=*/true);
  double dof = std::max(0.0, double(r.count()) - correction);
  return div(sum(d * d, r.dims, keepdim), Scalar(dof));
}

Tensor var_backward(const Tensor& g, const Tensor& x, const Reduction& r, double correction) {
  double dof = std::max(0.0, double(r.count()) - correction);
  return r.expand_back(g) * (x - mean(x, r.dims, true)) * (2.0 / dof);
}

ReduceOp norm_kind(double ord) {
  if (ord == 0) return ReduceOp::NormL0;
  if (ord == 1) return ReduceOp::NormL1;
  if (ord == 2) return ReduceOp::NormL2;
  if (ord == kInf) return ReduceOp::NormInf;
  if (ord == -kInf) return ReduceOp::NormNegInf;
  return ReduceOp::NormP;
}

// PyTorch's norm_backward: the gradient of ||x||_ord for a result `norm` (both kept-shaped).
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& norm, double ord, const Reduction& r) {
  Tensor gk = r.expand_back(g), nk = r.expand_back(norm);
  if (ord == 0) return zeros_like(x);
  if (ord == 1) return gk * sign_of(x);
  Tensor nonzero = as_float(ne(nk, constant(0, nk)), nk);
  Tensor safe_norm = nk + (1.0 - nonzero);  // 1 where the norm is 0, whose gradient is 0
  if (ord == 2) return gk * x / safe_norm * nonzero;
  if (std::isinf(ord)) {
    Tensor mask = as_float(eq(abs(x), nk), x);
    return gk * sign_of(x) * mask / sum(mask, r.dims, true);
  }
  Tensor ax = abs(x);
  Tensor scaled = sign_of(x) * pow_nonneg(ax, ord - 1);
  if (ord < 1) scaled = scaled * as_float(ne(x, constant(0, x)), x);
  return gk * scaled / pow_nonneg(safe_norm, ord - 1) * nonzero;
}

Shape all_dims_if_absent(const std::optional<Shape>& dims) { return dims ? *dims : Shape{}; }

Tensor logical(const Tensor& self, const std::optional<Shape>& dims, bool keepdim, bool is_all) {
  const char* op = is_all ? "all" : "any";
  Tensor out;
  if (dims && dims->empty()) {
    out = ne(self, constant(0, self));  // PyTorch: an explicit empty dim list reduces nothing
  } else {
    Reduction r(self, all_dims_if_absent(dims), op);
    out = reduce(is_all ? ReduceOp::All : ReduceOp::Any, self, r, keepdim, DType::Bool);
  }
  return self.dtype() == DType::UInt8 ? to_dtype(out, DType::UInt8) : out;
}

Tensor softmax_impl(const Tensor& self, int64_t dim, std::optional<DType> dtype, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  int d = wrap_dim(dim, self.dim());
  DType t = dtype ? *dtype : self.dtype();
  EMBER_CHECK(is_floating(t), "[", op, "] not implemented for '", dtype_name(t),
              "': expected a floating point tensor (or pass dtype=)");
  Tensor in = contiguous(to_dtype(self, t));
  Tensor out = empty(self.sizes(), t, self.device());
  softmax_kernel(self.device(), out, in, d, log);
  if (should_record({&self})) {
    DType in_dtype = self.dtype();
    int sd = self.dim() ? d : 0;
    Shape dims = self.dim() ? Shape{sd} : Shape{};
    record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {self}, out, {save_output(out)},
           [dims, log, in_dtype](const TensorList& g, const TensorList& s) {
             const Tensor& y = s[0];
             Tensor gi = log ? g[0] - exp(y) * sum(g[0], dims, true) : y * (g[0] - sum(g[0] * y, dims, true));
             return TensorList{to_dtype(gi, in_dtype)};
           });
  }
  return out;
}

}  // namespace

// ---- sums and products ----------------------------------------------------------------------------

Tensor sum(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype) {
  Reduction r(self, dims, "sum");
  DType t = dtype ? *dtype : integral_to_int64(self.dtype());
  Tensor out = reduce(ReduceOp::Sum, to_dtype(self, t), r, keepdim, t);
  if (should_record({&self})) {
    DType in_dtype = self.dtype();
    record("SumBackward0", {self}, out, {}, [r, in_dtype](const TensorList& g, const TensorList&) {
      return TensorList{to_dtype(r.expand_back(g[0]), in_dtype)};
    });
  }
  return out;
}

Tensor mean(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype) {
  EMBER_CHECK(dtype || is_floating(self.dtype()), "mean(): could not infer output dtype. Input dtype must "
              "be either a floating point or complex dtype. Got: ", dtype_name(self.dtype()));
  DType t = dtype ? *dtype : self.dtype();
  EMBER_CHECK(is_floating(t), "mean(): could not infer output dtype. Optional dtype must be either a "
              "floating point or complex dtype. Got: ", dtype_name(t));
  Reduction r(self, dims, "mean");
  Tensor out = reduce(ReduceOp::Mean, to_dtype(self, t), r, keepdim, t);
  if (should_record({&self})) {
    DType in_dtype = self.dtype();
    double n = double(r.count());
    record("MeanBackward0", {self}, out, {}, [r, in_dtype, n](const TensorList& g, const TensorList&) {
      return TensorList{to_dtype(r.expand_back(g[0]) / n, in_dtype)};
    });
  }
  return out;
}

Tensor prod(const Tensor& self, std::optional<int64_t> dim, bool keepdim, std::optional<DType> dtype) {
  Reduction r(self, dim ? Shape{*dim} : Shape{}, "prod");
  return prod_over(self, r, dim && keepdim, dtype ? *dtype : integral_to_int64(self.dtype()));
}

// ---- extrema ----------------------------------------------------------------------------------------

Tensor amax(const Tensor& self, const Shape& dims, bool keepdim) {
  return extremum(self, dims, keepdim, true, "amax", !dims.empty(), "AmaxBackward0");
}
Tensor amin(const Tensor& self, const Shape& dims, bool keepdim) {
  return extremum(self, dims, keepdim, false, "amin", !dims.empty(), "AminBackward0");
}
Tensor max(const Tensor& self) { return extremum(self, {}, false, true, "max", false, "MaxBackward1"); }
Tensor min(const Tensor& self) { return extremum(self, {}, false, false, "min", false, "MinBackward1"); }
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim) {
  return extremum_dim(self, dim, keepdim, true, "max");
}
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim) {
  return extremum_dim(self, dim, keepdim, false, "min");
}
Tensor argmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_extremum(self, dim, keepdim, true);
}
Tensor argmin(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_extremum(self, dim, keepdim, false);
}

// ---- statistics -------------------------------------------------------------------------------------

Tensor var(const Tensor& self, std::optional<Shape> dims, double correction, bool keepdim) {
  check_var_dtype(self);
  Reduction r(self, all_dims_if_absent(dims), "var");
  Tensor out = var_forward(self, r, correction, keepdim);
  if (should_record({&self}))
    record("VarBackward0", {self}, out, {save(self)}, [r, correction](const TensorList& g, const TensorList& s) {
      return TensorList{var_backward(g[0], s[0], r, correction)};
    });
  return out;
}

Tensor stddev(const Tensor& self, std::optional<Shape> dims, double correction, bool keepdim) {
  check_var_dtype(self);
  Reduction r(self, all_dims_if_absent(dims), "std");
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = sqrt(var_forward(self, r, correction, keepdim));
  }
  if (should_record({&self}))
    record("StdBackward0", {self}, out, {save(self), save_output(out)},
           [r, correction](const TensorList& g, const TensorList& s) {
             // d std = d var / (2 std), and 0 where std is 0 (PyTorch's convention).
             Tensor sd = s[1];
             Tensor nonzero = as_float(ne(sd, constant(0, sd)), sd);
             Tensor g_var = g[0] / ((sd + (1.0 - nonzero)) * 2.0) * nonzero;
             return TensorList{var_backward(g_var, s[0], r, correction)};
           });
  return out;
}

std::tuple<Tensor, Tensor> var_mean(const Tensor& self, std::optional<Shape> dims, double correction, bool keepdim) {
  Tensor v = var(self, dims, correction, keepdim);
  return {v, mean(self, all_dims_if_absent(dims), keepdim)};
}

std::tuple<Tensor, Tensor> std_mean(const Tensor& self, std::optional<Shape> dims, double correction, bool keepdim) {
  Tensor s = stddev(self, dims, correction, keepdim);
  return {s, mean(self, all_dims_if_absent(dims), keepdim)};
}

Tensor vector_norm(const Tensor& self, double ord, std::optional<Shape> dims, bool keepdim, std::optional<DType> dtype) {
  EMBER_CHECK(is_floating(self.dtype()), "linalg.vector_norm: Expected a floating point or complex tensor as "
              "input. Got ", dtype_name(self.dtype()));
  EMBER_CHECK(!dtype || is_floating(*dtype), "linalg.vector_norm: dtype should be floating point or complex, "
              "but got ", dtype_name(*dtype));
  Reduction r(self, all_dims_if_absent(dims), "linalg.vector_norm");
  if (ord < 0 || std::isinf(ord)) {
    EMBER_CHECK(self.numel() != 0 || (dims && !dims->empty() && r.empty_dim() < 0),
                "linalg.vector_norm cannot compute the ", ord, " norm on an empty tensor because the "
                "operation does not have an identity");
  }
  Tensor x = dtype ? to_dtype(self, *dtype) : self;
  Tensor out = reduce(norm_kind(ord), x, r, keepdim, x.dtype(), ord);
  if (should_record({&self})) {
    DType in_dtype = self.dtype();
    record("LinalgVectorNormBackward0", {self}, out, {save(self), save_output(out)},
           [r, ord, in_dtype](const TensorList& g, const TensorList& s) {
             Tensor x = to_dtype(s[0], g[0].dtype());
             return TensorList{to_dtype(norm_backward(g[0], x, s[1], ord, r), in_dtype)};
           });
  }
  return out;
}

Tensor logsumexp(const Tensor& self, const Shape& dims, bool keepdim) {
  Tensor x = is_floating(self.dtype()) ? self : to_dtype(self, default_dtype());
  Reduction r(self, dims, "logsumexp");
  Tensor out = reduce(ReduceOp::LogSumExp, x, r, keepdim, x.dtype());
  if (should_record({&self}))
    record("LogsumexpBackward0", {self}, out, {save(self), save_output(out)}, [r](const TensorList& g, const TensorList& s) {
      return TensorList{r.expand_back(g[0]) * exp(s[0] - r.expand_back(s[1]))};
    });
  return out;
}

Tensor all(const Tensor& self, std::optional<Shape> dims, bool keepdim) { return logical(self, dims, keepdim, true); }
Tensor any(const Tensor& self, std::optional<Shape> dims, bool keepdim) { return logical(self, dims, keepdim, false); }

Tensor count_nonzero(const Tensor& self, std::optional<Shape> dims) {
  Reduction r(self, all_dims_if_absent(dims), "count_nonzero");
  return reduce(ReduceOp::CountNonzero, self, r, false, DType::Int64);
}

// ---- scans ----------------------------------------------------------------------------------------

Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  int d = wrap_dim(dim, self.dim());
  return cumsum_dir(self, d, false, dtype ? *dtype : integral_to_int64(self.dtype()));
}

Tensor cumprod(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  int d = wrap_dim(dim, self.dim());
  DType t = dtype ? *dtype : integral_to_int64(self.dtype());
  Tensor out = scan(ScanOp::Prod, self, d, false, t);
  if (should_record({&self})) {
    DType in_dtype = self.dtype();
    record("CumprodBackward0", {self}, out, {save(self), save_output(out)},
           [d, in_dtype](const TensorList& g, const TensorList& s) {
             if (s[0].dim() == 0) return TensorList{to_dtype(g[0], in_dtype)};
             return TensorList{to_dtype(cumprod_backward(g[0], to_dtype(s[0], g[0].dtype()), s[1], d), in_dtype)};
           });
  }
  return out;
}

// ---- softmax --------------------------------------------------------------------------------------

Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl(self, dim, dtype, false);
}
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl(self, dim, dtype, true);
}

}  // namespace ember
