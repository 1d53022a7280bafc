#include "ops/sort_count.h"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/indexing.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(unique_kernel, std::tuple<Tensor, Tensor, Tensor>(const Tensor& rows, bool consecutive,
                                                                      bool need_inverse));
EMBER_DEFINE_KERNEL(bincount_kernel, Tensor(const Tensor& in, const Tensor& weights, int64_t minlength,
                                            DType out_dtype));
EMBER_DEFINE_KERNEL(histogram_kernel, void(const Tensor& hist, const Tensor& in, const Tensor& weight,
                                           const Tensor& edges, bool uniform));
EMBER_DEFINE_KERNEL(searchsorted_kernel, void(const Tensor& out, const Tensor& sorted, const Tensor& values,
                                              const Tensor& sorter, bool right));
EMBER_DEFINE_KERNEL(cum_extreme_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in,
                                             int dim, bool is_max));
EMBER_DEFINE_KERNEL(logcumsumexp_kernel, void(const Tensor& out, const Tensor& in, int dim));
EMBER_DEFINE_KERNEL(mode_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in, int dim));
EMBER_DEFINE_KERNEL(nanmedian_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in, int dim));

namespace {

// Kernels see a 0-d tensor as a 1-element row.
Tensor as_row(const Tensor& t) { return t.dim() == 0 ? reshape(detach(t), {1}) : t; }

/// The RuntimeError PyTorch raises for a dtype a kernel was not built for.
[[noreturn]] void not_implemented_for(const char* kernel, DType t) {
  throw RuntimeError(str("\"", kernel, "\" not implemented for '", scalar_type_name(t), "'"));
}

// ---- unique ----------------------------------------------------------------------------------

std::tuple<Tensor, Tensor, Tensor> unique_impl(const Tensor& self, bool consecutive, bool return_inverse,
                                               bool return_counts, std::optional<int64_t> dim) {
  Tensor x = detach(self);
  if (!dim) {
    auto [values, inverse, counts] = unique_kernel(x.device(), reshape(contiguous(x), {x.numel(), 1}),
                                                   consecutive, return_inverse);
    return {reshape(values, {-1}), return_inverse ? reshape(inverse, x.sizes()) : Tensor(),
            return_counts ? counts : Tensor()};
  }
  int d = wrap_dim(*dim, x.dim());
  for (int k = 0; k < x.dim(); ++k)
    EMBER_CHECK(k == d || x.sizes()[k] > 0,
                "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied");
  // The slices along d become the rows of a 2-d table.
  Tensor moved = contiguous(movedim(x, {d}, {0}));
  int64_t n = moved.dim() ? moved.sizes()[0] : 1;
  auto [rows, inverse, counts] = unique_kernel(x.device(), reshape(moved, {n, n ? moved.numel() / n : 0}),
                                               consecutive, return_inverse);
  Shape sizes = moved.dim() ? moved.sizes() : Shape{1};
  sizes[0] = rows.sizes()[0];
  Tensor values = moved.dim() ? movedim(reshape(rows, sizes), {0}, {d}) : reshape(rows, {});
  return {values, return_inverse ? inverse : Tensor(), return_counts ? counts : Tensor()};
}

// ---- selection along a dim -------------------------------------------------------------------

using RowSelectKernel = void (*)(Device, const Tensor&, const Tensor&, const Tensor&, int);

/// (values, indices) of one element picked per row along dim by `kernel` (mode, nanmedian),
/// with the gradient going to the picked element.
std::pair<Tensor, Tensor> select_per_row(const char* op, const char* backward, const Kernel<void(const Tensor&, const Tensor&, const Tensor&, int)>& kernel,
                                         const Tensor& self, int64_t dim, bool keepdim) {
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  int64_t n = self.dim() == 0 ? 1 : self.sizes()[d];
  EMBER_CHECK_INDEX(n > 0, op, "(): Expected reduction dim ", d, " to have non-zero size.");
  Shape kept = self.sizes();
  if (self.dim() > 0) kept[d] = 1;
  Tensor values = empty(kept, self.dtype(), self.device());
  Tensor indices = empty(kept, DType::Int64, self.device());
  if (values.numel() > 0) kernel(self.device(), as_row(values), as_row(indices), as_row(self), d);
  bool squeezed = !keepdim && self.dim() > 0;
  if (squeezed) {
    values = squeeze(values, {d});
    indices = squeeze(indices, {d});
  }
  record_selected(backward, self, values, indices, d, squeezed);
  return {values, indices};
}

// ---- histograms ------------------------------------------------------------------------------

void check_histogram_input(const Tensor& self, const Tensor& weight) {
  if (!is_floating(self.dtype())) not_implemented_for("histogram_cpu", self.dtype());
  if (weight.defined()) {
    EMBER_CHECK(weight.sizes() == self.sizes(), "torch.histogram: if weight tensor is provided it should have the "
                "same shape as the input tensor, but got weight ", weight.sizes(), " and input ", self.sizes());
    EMBER_CHECK(weight.dtype() == self.dtype(), "torch.histogram: if weight tensor is provided it should have the "
                "same dtype as the input tensor, but got weight ", dtype_name(weight.dtype()), " and input ",
                dtype_name(self.dtype()));
  }
}

/// The histogram of self over edges (edges of self's dtype, ascending).
Tensor fill_histogram(const Tensor& self, const Tensor& weight, const Tensor& edges, bool uniform) {
  int64_t bins = edges.numel() - 1;
  Tensor hist = zeros({bins}, self.dtype(), self.device());
  if (bins > 0 && self.numel() > 0)
    histogram_kernel(self.device(), hist, contiguous(detach(self)),
                     weight.defined() ? contiguous(detach(weight)) : Tensor(), contiguous(edges), uniform);
  return hist;
}

/// hist divided by its total and by the bin widths, so that it integrates to 1.
Tensor density_of(const Tensor& hist, const Tensor& edges) {
  int64_t bins = hist.numel();
  Tensor widths = sub(narrow(edges, 0, 1, bins), narrow(edges, 0, 0, bins));
  return div(hist, mul(sum(hist), widths));
}

/// (min, max) of the finite data range, as double.
std::pair<double, double> data_range(const Tensor& self) {
  if (self.numel() == 0) return {0, 0};
  double lo = to_dtype(amin(detach(self)), DType::Float64).data<double>()[0];
  double hi = to_dtype(amax(detach(self)), DType::Float64).data<double>()[0];
  return {lo, hi};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool sorted, bool return_inverse, bool return_counts,
                                          std::optional<int64_t> dim) {
  (void)sorted;  // the result is always sorted, which unsorted callers accept as well (as on PyTorch's CPU)
  return unique_impl(self, false, return_inverse, return_counts, dim);
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse, bool return_counts,
                                                      std::optional<int64_t> dim) {
  return unique_impl(self, true, return_inverse, return_counts, dim);
}

Tensor bincount(const Tensor& self, const Tensor& weights, int64_t minlength) {
  if (!is_integral(self.dtype(), false)) not_implemented_for("bincount_cpu", self.dtype());
  EMBER_CHECK(self.dim() == 1, "bincount only supports 1-d non-negative integral inputs.");
  EMBER_CHECK(minlength >= 0, "minlength should be >= 0");
  DType out_dtype = DType::Int64;
  Tensor w;
  if (weights.defined()) {
    EMBER_CHECK(weights.dim() == 1 && weights.numel() == self.numel(),
                "weights should be 1-d and have the same length as input");
    out_dtype = weights.dtype() == DType::Float32 ? DType::Float32 : DType::Float64;
    w = contiguous(to_dtype(detach(weights), out_dtype));
  }
  return bincount_kernel(self.device(), contiguous(to_dtype(detach(self), DType::Int64)), w, minlength, out_dtype);
}

Tensor histc(const Tensor& self, int64_t bins, double min, double max) {
  if (!is_floating(self.dtype())) not_implemented_for("histogram_cpu", self.dtype());
  EMBER_CHECK(bins > 0, "torch.histc(): bins must be > 0, but got ", bins, " for dimension 0");
  EMBER_CHECK(!(min > max), "torch.histc: max must be larger than min");
  double lo = min, hi = max;
  if (lo == hi) std::tie(lo, hi) = data_range(self);
  if (lo == hi) {  // one value: a range of width 2 around it (PyTorch's rule for histc)
    lo -= 1;
    hi += 1;
  }
  EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "torch.histc: range of [", lo, ", ", hi, "] is not finite");
  return fill_histogram(self, {}, linspace(lo, hi, bins + 1, self.dtype(), self.device()), true);
}

std::pair<Tensor, Tensor> histogram(const Tensor& self, int64_t bins, std::optional<std::pair<double, double>> range,
                                    const Tensor& weight, bool density) {
  check_histogram_input(self, weight);
  EMBER_CHECK(bins > 0, "torch.histogram(): bins must be > 0, but got ", bins, " for dimension 0");
  double lo, hi;
  if (range) {
    std::tie(lo, hi) = *range;
    EMBER_CHECK(!(lo > hi), "torch.histogram: min should not exceed max, but got min ", lo, " max ", hi,
                " for dimension 0");
  } else if (self.numel() == 0) {
    lo = 0, hi = 1;  // NumPy's range for no data
  } else {
    std::tie(lo, hi) = data_range(self);
  }
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), "torch.histogram: range of [", lo, ", ", hi,
              "] is not finite");
  Tensor edges = linspace(lo, hi, bins + 1, self.dtype(), self.device());
  Tensor hist = fill_histogram(self, weight, edges, true);
  return {density ? density_of(hist, edges) : hist, edges};
}

std::pair<Tensor, Tensor> histogram(const Tensor& self, const Tensor& bins, const Tensor& weight, bool density) {
  check_histogram_input(self, weight);
  EMBER_CHECK(bins.dim() == 1, "torch.histogram: bins tensor should have one dimension, but got ", bins.dim(),
              " dimensions in the bins tensor");
  EMBER_CHECK(bins.numel() > 0, "torch.histogram: bins tensor should have at least 1 element");
  EMBER_CHECK(bins.dtype() == self.dtype(), "torch.histogram: input tensor and bins tensors should have the same "
              "dtype, but got input ", dtype_name(self.dtype()), " and bins ", dtype_name(bins.dtype()));
  Tensor edges = contiguous(detach(bins));
  Tensor hist = fill_histogram(self, weight, edges, false);
  return {density ? density_of(hist, edges) : hist, clone(edges)};
}

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32, bool right,
                    const std::string& side, const Tensor& sorter) {
  const Tensor& seq = sorted_sequence;
  EMBER_CHECK(side.empty() || side == "left" || side == "right",
              "torch.searchsorted(): side can only be 'left' or 'right' but got ", side);
  EMBER_CHECK(!(side == "left" && right), "torch.searchsorted(): side and right can't be set to opposites, got "
              "side of left while right was True");
  right = right || side == "right";
  EMBER_CHECK(seq.dim() > 0, "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
              "dimension");
  if (seq.dim() > 1) {
    EMBER_CHECK(values.dim() > 0, "torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                "dimension is 1, but we got boundaries tensor dim(", seq.dim(), ") and input value's dim(",
                values.dim(), ") numel(", values.numel(), ")");
    Shape lead_seq = seq.sizes(), lead_val = values.sizes();
    lead_seq.erase(seq.dim() - 1);
    lead_val.erase(values.dim() - 1);
    EMBER_CHECK(lead_seq == lead_val, "torch.searchsorted(): boundaries tensor should be 1 dimension or the first "
                "N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries "
                "tensor ", seq.sizes(), " and input value tensor ", values.sizes());
  }
  if (sorter.defined()) {
    EMBER_CHECK(sorter.dtype() == DType::Int64, "torch.searchsorted(): sorter must be a tensor of long dtype but "
                "got dtype ", scalar_type_name(sorter.dtype()));
    EMBER_CHECK(sorter.sizes() == seq.sizes(), "torch.searchsorted(): boundary and sorter must have the same size, "
                "but got boundary tensor ", seq.sizes(), "and got sorter tensor ", sorter.sizes());
  }
  DType common = promote_types(seq.dtype(), values.dtype());
  EMBER_CHECK(common != DType::Bool, "torch.searchsorted(): not supported for bool tensors");
  Tensor out = empty(values.sizes(), out_int32 ? DType::Int32 : DType::Int64, values.device());
  if (values.numel() == 0) return out;
  int64_t n = seq.sizes()[seq.dim() - 1];
  int64_t batches = seq.dim() > 1 ? numel_of(seq.sizes()) / std::max<int64_t>(n, 1) : 1;
  if (seq.dim() > 1 && n == 0) batches = values.numel() / values.sizes()[values.dim() - 1];
  int64_t per_batch = values.numel() / batches;
  searchsorted_kernel(values.device(), reshape(out, {batches, per_batch}),
                      reshape(contiguous(to_dtype(detach(seq), common)), {seq.dim() > 1 ? batches : 1, n}),
                      reshape(contiguous(to_dtype(detach(values), common)), {batches, per_batch}),
                      sorter.defined() ? contiguous(detach(sorter)) : Tensor(), right);
  return out;
}

Tensor bucketize(const Tensor& self, const Tensor& boundaries, bool out_int32, bool right) {
  EMBER_CHECK(boundaries.dim() == 1, "boundaries tensor must be 1 dimension, but got dim(", boundaries.dim(), ")");
  return searchsorted(boundaries, self, out_int32, right);
}

Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique, bool invert) {
  (void)assume_unique;  // a hint only: the sorted search is right either way
  DType common = promote_types(elements.dtype(), test_elements.dtype());
  Tensor found;
  if (test_elements.numel() == 0) {
    found = zeros(elements.sizes(), DType::Bool, elements.device());
  } else {
    GradModeGuard no_grad(false);
    Tensor x = to_dtype(detach(elements), common);
    Tensor pool = sort(reshape(to_dtype(detach(test_elements), common), {-1}), 0).first;
    // The first pool entry >= x is x itself exactly when x occurs.
    Tensor at = clamp(searchsorted(pool, x), Scalar(0), Scalar(pool.numel() - 1));
    found = eq(index_select(pool, 0, reshape(at, {-1})), reshape(x, {-1}));
    found = reshape(found, elements.sizes());
  }
  return invert ? logical_not(found) : found;
}

std::pair<Tensor, Tensor> cummax(const Tensor& self, int64_t dim) {
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  Tensor values = empty(self.sizes(), self.dtype(), self.device());
  Tensor indices = empty(self.sizes(), DType::Int64, self.device());
  if (self.numel() > 0) cum_extreme_kernel(self.device(), as_row(values), as_row(indices), as_row(self), d, true);
  record_selected("CummaxBackward0", self, values, indices, d, false);
  return {values, indices};
}

std::pair<Tensor, Tensor> cummin(const Tensor& self, int64_t dim) {
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  Tensor values = empty(self.sizes(), self.dtype(), self.device());
  Tensor indices = empty(self.sizes(), DType::Int64, self.device());
  if (self.numel() > 0) cum_extreme_kernel(self.device(), as_row(values), as_row(indices), as_row(self), d, false);
  record_selected("CumminBackward0", self, values, indices, d, false);
  return {values, indices};
}

Tensor logcumsumexp(const Tensor& self, int64_t dim) {
  if (!is_floating(self.dtype())) not_implemented_for("logcumsumexp_out_cpu", self.dtype());
  int d = wrap_dim(dim, std::max(self.dim(), 1));
  Tensor out = empty(self.sizes(), self.dtype(), self.device());
  if (self.numel() > 0) logcumsumexp_kernel(self.device(), as_row(out), as_row(self), d);
  if (should_record({&self})) {
    record("LogcumsumexpBackward0", {self}, out, {save(self), save_output(out)},
           [d](const TensorList& g, const TensorList& s) {
             // grad_in[i] = sum_{j >= i} g[j] exp(x[i] - out[j]), summed in log space separately for
             // the positive and negative parts of g so that nothing overflows.
             const Tensor &x = s[0], &out = s[1];
             if (x.dim() == 0) return TensorList{g[0]};
             auto reverse_lcse = [d](const Tensor& t) { return flip(logcumsumexp(flip(t, {d}), d), {d}); };
             Tensor lowest = scalar_tensor(std::numeric_limits<double>::lowest(), g[0].dtype(), g[0].device());
             Tensor log_abs = log(abs(g[0]));
             Tensor zero = zeros({}, g[0].dtype(), g[0].device());
             Tensor log_pos = where(gt(g[0], zero), log_abs, lowest);
             Tensor log_neg = where(lt(g[0], zero), log_abs, lowest);
             Tensor pos = exp(add(reverse_lcse(sub(log_pos, out)), x));
             Tensor neg = exp(add(reverse_lcse(sub(log_neg, out)), x));
             return TensorList{sub(pos, neg)};
           });
  }
  return out;
}

std::pair<Tensor, Tensor> mode(const Tensor& self, int64_t dim, bool keepdim) {
  return select_per_row("mode", "ModeBackward0", mode_kernel, self, dim, keepdim);
}

std::pair<Tensor, Tensor> nanmedian(const Tensor& self, int64_t dim, bool keepdim) {
  return select_per_row("nanmedian", "NanmedianBackward1", nanmedian_kernel, self, dim, keepdim);
}

Tensor nanmedian(const Tensor& self) {
  if (self.numel() == 0)
    return full({}, is_floating(self.dtype()) ? Scalar(NAN) : Scalar(0), self.dtype(), self.device());
  Tensor values;
  {
    GradModeGuard no_grad(false);
    values = nanmedian(reshape(detach(self), {-1}), 0).first;
  }
  // The gradient is shared evenly among the elements equal to the result (all NaNs when all are NaN).
  if (should_record({&self})) {
    bool is_nan = to_dtype(isnan(values), DType::Int64).data<int64_t>()[0] != 0;
    record("NanmedianBackward0", {self}, values, {save(self), save_output(values)},
           [is_nan](const TensorList& g, const TensorList& s) {
             Tensor mask = to_dtype(is_nan ? ne(s[0], s[0]) : eq(s[0], s[1]), g[0].dtype());
             return TensorList{div(mul(mask, g[0]), sum(mask))};
           });
  }
  return values;
}

Tensor quantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                const std::string& interpolation, bool ignore_nan) {
  const char* op = ignore_nan ? "nanquantile()" : "quantile()";
  EMBER_CHECK(self.numel() > 0, op, " input tensor must be non-empty");
  EMBER_CHECK(q.dim() <= 1, op, " q must be a scalar or 1D tensor");
  EMBER_CHECK(is_floating(self.dtype()), op, " input tensor must be either float or double dtype");
  EMBER_CHECK(q.dtype() == self.dtype(), op, " q tensor must be same dtype as the input tensor");
  EMBER_CHECK(interpolation == "linear" || interpolation == "lower" || interpolation == "higher" ||
              interpolation == "midpoint" || interpolation == "nearest",
              op, " interpolation must be one of linear, lower, higher, midpoint or nearest, but got ",
              interpolation);
  Tensor qs = reshape(detach(q), {-1});
  {
    Tensor as_double = to_dtype(qs, DType::Float64, true);
    for (int64_t i = 0; i < as_double.numel(); ++i) {
      double v = as_double.data<double>()[i];
      EMBER_CHECK(v >= 0 && v <= 1, op, " q values must be in the range [0, 1]");
    }
  }
  // The reduced values go last, sorted (NaN sorts last).
  int d = dim ? wrap_dim(*dim, std::max(self.dim(), 1)) : 0;
  Tensor rows = dim ? movedim(self.dim() == 0 ? reshape(self, {1}) : self, {d}, {-1}) : reshape(self, {-1});
  Tensor sorted = sort(rows, -1).first;
  int64_t n = sorted.sizes()[sorted.dim() - 1];
  Tensor ranks;
  {
    GradModeGuard no_grad(false);
    Tensor plain = detach(sorted);
    if (ignore_nan) {
      // Ranks among the non-NaN values; an all-NaN row gets rank 0 (a NaN).
      Tensor last = sub(sum(logical_not(isnan(plain)), {-1}, true, self.dtype()), Scalar(1));
      ranks = clamp_min(mul(qs, last), zeros({}, self.dtype()));
    } else {
      // A row holding NaN takes its last (NaN) element.
      Tensor has_nan = any(isnan(plain), Shape{-1}, true);
      Shape sizes = has_nan.sizes();
      sizes[sizes.size() - 1] = qs.numel();
      ranks = masked_fill(expand(mul(qs, Scalar(double(n - 1))), sizes), has_nan, Scalar(double(n - 1)));
    }
    if (interpolation == "lower") ranks = floor(ranks);
    else if (interpolation == "higher") ranks = ceil(ranks);
    else if (interpolation == "nearest") ranks = round(ranks);
  }
  Tensor below_index = to_dtype(ranks, DType::Int64);
  Tensor result = gather(sorted, -1, below_index);
  if (interpolation == "linear" || interpolation == "midpoint") {
    Tensor weights = interpolation == "midpoint" ? full_like(ranks, Scalar(0.5)) : sub(ranks, to_dtype(below_index, ranks.dtype()));
    Tensor above = gather(sorted, -1, to_dtype(ceil(ranks), DType::Int64));
    result = lerp(result, above, weights);
  }
  // [..., Q] -> [Q, ...] (the q dim first), then q's own shape and keepdim.
  result = movedim(result, {-1}, {0});
  int qdims = q.dim();
  if (qdims == 0) result = squeeze(result, {0});
  if (keepdim) {
    if (dim) {
      result = unsqueeze(result, qdims + d);
      if (self.dim() == 0) result = reshape(result, qdims ? Shape{qs.numel()} : Shape{});
    } else {
      Shape sizes = Shape::filled(self.dim(), 1);
      if (qdims) sizes.insert(0, qs.numel());
      result = reshape(result, sizes);
    }
  }
  return result;
}

}  // namespace ember
