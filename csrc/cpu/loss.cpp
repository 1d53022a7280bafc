// CPU kernels of the fused classification losses (see Note [Loss kernel layout] in ops/loss.h).
//
// cross_entropy reads each row twice forward (max and sum(w x) in one pass, then the exp sum) and
// twice backward (exp(x - lse), then the scale), and never materialises log_softmax. With classes
// innermost (S == 1) a row is contiguous; with spatial dims (S > 1) the class values of adjacent
// positions are, so a block of positions is processed together, walking contiguous runs of S.
// Rows (or blocks) are split across threads; sums over rows are taken afterwards in row order so
// results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "cpu/reduce_simd.h"
#include "ops/loss.h"

namespace ember::cpu {
namespace {

/// Elements of work below which a loss stays on one thread.
constexpr int64_t kGrain = 32768;
/// Spatial positions processed together when S > 1.
constexpr int64_t kBlock = 64;

struct Dims {
  int64_t n, c, s;
};

Dims dims_of(const Tensor& input) {
  if (input.dim() == 1) return {1, input.size(0), 1};
  const int64_t n = input.size(0), c = input.size(1);
  int64_t s = 1;
  for (int d = 2; d < input.dim(); ++d) s *= input.size(d);
  return {n, c, s};
}

/// Checks every kept target in row order; returns the summed weight of the kept rows.
template <typename T>
double kept_weight(const int64_t* t, int64_t rows, int64_t c, const T* w, int64_t ignore) {
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t k = t[r];
    if (k == ignore) continue;
    EMBER_CHECK_INDEX(k >= 0 && k < c, "Target ", k, " is out of bounds.");
    total += w ? double(w[k]) : 1.0;
  }
  return total;
}

template <typename T>
double sum_rows(const T* loss, int64_t rows) {
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) total += loss[r];
  return total;
}

template <typename T>
const T* weight_data(const Tensor& weight) { return weight.defined() ? weight.data<T>() : nullptr; }

template <typename T>
double weight_sum(const T* w, int64_t c) {
  if (!w) return double(c);
  double total = 0;
  for (int64_t i = 0; i < c; ++i) total += w[i];
  return total;
}

// ---- nll_loss ---------------------------------------------------------------------------------

LossTotals nll_loss_cpu(const Tensor& loss, const Tensor& input, const Tensor& target, const Tensor& weight,
                        const LossParams& p) {
  const Dims d = dims_of(input);
  const int64_t rows = d.n * d.s;
  return dispatch_floating(input.dtype(), "nll_loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data<T>();
    const T* w = weight_data<T>(weight);
    const int64_t* t = target.data<int64_t>();
    T* out = loss.data<T>();
    LossTotals totals;
    totals.weight = kept_weight(t, rows, d.c, w, p.ignore_index);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t k = t[r], n = r / d.s, s = r % d.s;
      out[r] = k == p.ignore_index ? T(0) : -(w ? w[k] : T(1)) * x[(n * d.c + k) * d.s + s];
    }
    totals.loss = sum_rows(out, rows);
    return totals;
  });
}

// grad_input arrives zero-filled.
void nll_loss_backward_cpu(const Tensor& grad_input, const Tensor& row_grad, const Tensor& target,
                           const Tensor& weight, const LossParams& p) {
  const Dims d = dims_of(grad_input);
  const int64_t rows = d.n * d.s;
  const bool per_row = row_grad.numel() != 1;
  dispatch_floating(grad_input.dtype(), "nll_loss_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gi = grad_input.data<T>();
    const T* g = row_grad.data<T>();
    const T* w = weight_data<T>(weight);
    const int64_t* t = target.data<int64_t>();
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t k = t[r], n = r / d.s, s = r % d.s;
      if (k != p.ignore_index) gi[(n * d.c + k) * d.s + s] = -(w ? w[k] : T(1)) * g[per_row ? r : 0];
    }
  });
}

// ---- cross_entropy ----------------------------------------------------------------------------

// The loss of one row from its lse and sum_c w[c] x[c]: (1 - eps) w[k] (lse - x[k]) plus
// eps / C * sum_c w[c] (lse - x[c]) = eps / C * (lse * sum(w) - sum(w x)).
struct RowLoss {
  double eps, c, w_total;
  template <typename T>
  T operator()(double lse, double wx, T x_k, T w_k) const {
    double loss = (1 - eps) * double(w_k) * (lse - double(x_k));
    if (eps > 0) loss += eps / c * (lse * w_total - wx);
    return T(loss);
  }
};

// Row reductions in kLanes independent accumulators: one running max (or sum) would be a
// serial dependency chain of compare-selects (adds) that the compiler may not reorder for floats;
// lanes let it vectorise. NaN is never picked as the max, but it makes the exp sum NaN anyway.
constexpr int kLanes = 8;

template <typename T>
T row_max(const T* x, int64_t n) {
  T lane[kLanes];
  for (int k = 0; k < kLanes; ++k) lane[k] = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) lane[k] = x[i + k] > lane[k] ? x[i + k] : lane[k];
  for (; i < n; ++i) lane[0] = x[i] > lane[0] ? x[i] : lane[0];
  T mx = lane[0];
  for (int k = 1; k < kLanes; ++k) mx = lane[k] > mx ? lane[k] : mx;
  return mx;
}

/// sum_i w[i] x[i], or sum_i x[i] when w is null, accumulated in double.
template <typename T>
double row_dot(const T* x, const T* w, int64_t n) {
  double lane[kLanes] = {};
  int64_t i = 0;
  if (w) {
    for (; i + kLanes <= n; i += kLanes)
      for (int k = 0; k < kLanes; ++k) lane[k] += double(w[i + k]) * double(x[i + k]);
    for (; i < n; ++i) lane[0] += double(w[i]) * double(x[i]);
  } else {
    for (; i + kLanes <= n; i += kLanes)
      for (int k = 0; k < kLanes; ++k) lane[k] += double(x[i + k]);
    for (; i < n; ++i) lane[0] += double(x[i]);
  }
  double total = 0;
  for (int k = 0; k < kLanes; ++k) total += lane[k];
  return total;
}

/// Contiguous row: returns lse and sets wx = sum_c w[c] x[c] (only needed with smoothing).
template <typename T>
double row_lse(const T* x, int64_t c, const T* w, bool want_wx, T* scratch, double& wx) {
  const T mx = row_max(x, c);
  wx = want_wx ? row_dot(x, w, c) : 0.0;
  // An all -inf row gives -inf - -inf = NaN, as PyTorch does.
  return double(mx) + std::log(exp_sub_sum(scratch, x, c, mx));
}

template <typename T>
void cross_entropy_rows(T* out, T* lse, const T* x, const int64_t* t, const T* w, const Dims& d,
                        const LossParams& p, const RowLoss& row_loss) {
  const bool want_wx = p.label_smoothing > 0;
  parallel_for(0, d.n, std::max<int64_t>(1, kGrain / std::max<int64_t>(d.c, 1)), [&](int64_t b, int64_t e) {
    std::vector<T> scratch(d.c);
    for (int64_t r = b; r < e; ++r) {
      const T* row = x + r * d.c;
      double wx;
      const double l = row_lse(row, d.c, w, want_wx, scratch.data(), wx);
      lse[r] = T(l);
      const int64_t k = t[r];
      out[r] = k == p.ignore_index ? T(0) : row_loss(l, wx, row[k], w ? w[k] : T(1));
    }
  });
}

// S > 1: positions [j0, j0 + len) of sample n, their class values kBlock-contiguous runs S apart.
template <typename T>
void cross_entropy_block(T* out, T* lse, const T* x, const int64_t* t, const T* w, const Dims& d,
                         const LossParams& p, const RowLoss& row_loss, int64_t n, int64_t j0, int64_t len) {
  T mx[kBlock];
  double sum[kBlock], wx[kBlock];
  const T* base = x + n * d.c * d.s + j0;
  for (int64_t j = 0; j < len; ++j) mx[j] = -std::numeric_limits<T>::infinity(), sum[j] = 0, wx[j] = 0;
  for (int64_t c = 0; c < d.c; ++c) {
    const T* v = base + c * d.s;
    const double wc = w ? double(w[c]) : 1.0;
    for (int64_t j = 0; j < len; ++j) mx[j] = v[j] > mx[j] ? v[j] : mx[j], wx[j] += wc * v[j];
  }
  for (int64_t c = 0; c < d.c; ++c) {
    const T* v = base + c * d.s;
    for (int64_t j = 0; j < len; ++j) sum[j] += std::exp(v[j] - mx[j]);
  }
  for (int64_t j = 0; j < len; ++j) {
    const int64_t r = n * d.s + j0 + j, k = t[r];
    const double l = double(mx[j]) + std::log(sum[j]);
    lse[r] = T(l);
    out[r] = k == p.ignore_index ? T(0) : row_loss(l, wx[j], base[k * d.s + j], w ? w[k] : T(1));
  }
}

LossTotals cross_entropy_cpu(const Tensor& loss, const Tensor& lse, const Tensor& input, const Tensor& target,
                             const Tensor& weight, const LossParams& p) {
  const Dims d = dims_of(input);
  const int64_t rows = d.n * d.s;
  return dispatch_floating(input.dtype(), "cross_entropy", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data<T>();
    const T* w = weight_data<T>(weight);
    const int64_t* t = target.data<int64_t>();
    T* out = loss.data<T>();
    T* l = lse.data<T>();
    LossTotals totals;
    totals.weight = kept_weight(t, rows, d.c, w, p.ignore_index);
    const RowLoss row_loss{p.label_smoothing, double(d.c), weight_sum(w, d.c)};
    if (d.s == 1) {
      cross_entropy_rows(out, l, x, t, w, d, p, row_loss);
    } else {
      const int64_t blocks = (d.s + kBlock - 1) / kBlock;
      parallel_for(0, d.n * blocks, std::max<int64_t>(1, kGrain / std::max<int64_t>(d.c * kBlock, 1)),
                   [&](int64_t b, int64_t e) {
        for (int64_t task = b; task < e; ++task) {
          const int64_t n = task / blocks, j0 = (task % blocks) * kBlock;
          cross_entropy_block(out, l, x, t, w, d, p, row_loss, n, j0, std::min(kBlock, d.s - j0));
        }
      });
    }
    totals.loss = sum_rows(out, rows);
    return totals;
  });
}

// Row gradient: g * (softmax * a - eps / C * w) with a = (1 - eps) w[k] + eps / C * sum(w), less
// g * (1 - eps) * w[k] at the target; all zero for an ignored row.
struct RowGrad {
  double eps, c, w_total;
  double scale(double w_k) const { return (1 - eps) * w_k + eps / c * w_total; }
};

template <typename T>
void cross_entropy_backward_rows(T* gi, const T* g, bool per_row, const T* x, const T* lse, const int64_t* t,
                                 const T* w, const Dims& d, const LossParams& p, const RowGrad& rg) {
  const T smooth = T(rg.eps / rg.c);
  parallel_for(0, d.n, std::max<int64_t>(1, kGrain / std::max<int64_t>(d.c, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      T* out = gi + r * d.c;
      const int64_t k = t[r];
      if (k == p.ignore_index) {
        std::fill(out, out + d.c, T(0));
        continue;
      }
      const T gr = g[per_row ? r : 0];
      const T w_k = w ? w[k] : T(1);
      exp_sub_sum(out, x + r * d.c, d.c, lse[r]);  // softmax into out
      const T a = gr * T(rg.scale(w_k));
      if (w && smooth != T(0)) {
        const T gs = gr * smooth;
        for (int64_t i = 0; i < d.c; ++i) out[i] = out[i] * a - gs * w[i];
      } else {
        const T shift = gr * smooth;
        for (int64_t i = 0; i < d.c; ++i) out[i] = out[i] * a - shift;
      }
      out[k] -= gr * T(1 - rg.eps) * w_k;
    }
  });
}

template <typename T>
void cross_entropy_backward_block(T* gi, const T* g, bool per_row, const T* x, const T* lse, const int64_t* t,
                                  const T* w, const Dims& d, const LossParams& p, const RowGrad& rg, int64_t n,
                                  int64_t j0, int64_t len) {
  T a[kBlock], gs[kBlock], l[kBlock];
  const int64_t off = n * d.c * d.s + j0;
  for (int64_t j = 0; j < len; ++j) {
    const int64_t r = n * d.s + j0 + j, k = t[r];
    const T gr = k == p.ignore_index ? T(0) : g[per_row ? r : 0];
    a[j] = gr * T(rg.scale(k == p.ignore_index ? 0.0 : (w ? double(w[k]) : 1.0)));
    gs[j] = gr * T(rg.eps / rg.c);
    l[j] = lse[r];
  }
  for (int64_t c = 0; c < d.c; ++c) {
    const T* v = x + off + c * d.s;
    T* out = gi + off + c * d.s;
    const T wc = w ? w[c] : T(1);
    for (int64_t j = 0; j < len; ++j) out[j] = std::exp(v[j] - l[j]) * a[j] - gs[j] * wc;
  }
  for (int64_t j = 0; j < len; ++j) {
    const int64_t r = n * d.s + j0 + j, k = t[r];
    if (k == p.ignore_index) continue;
    gi[off + k * d.s + j] -= g[per_row ? r : 0] * T(1 - rg.eps) * (w ? w[k] : T(1));
  }
}

void cross_entropy_backward_cpu(const Tensor& grad_input, const Tensor& row_grad, const Tensor& input,
                                const Tensor& lse, const Tensor& target, const Tensor& weight, const LossParams& p) {
  const Dims d = dims_of(grad_input);
  const bool per_row = row_grad.numel() != 1;
  dispatch_floating(input.dtype(), "cross_entropy_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gi = grad_input.data<T>();
    const T* g = row_grad.data<T>();
    const T* x = input.data<T>();
    const T* l = lse.data<T>();
    const T* w = weight_data<T>(weight);
    const int64_t* t = target.data<int64_t>();
    const RowGrad rg{p.label_smoothing, double(d.c), weight_sum(w, d.c)};
    if (d.s == 1) return cross_entropy_backward_rows(gi, g, per_row, x, l, t, w, d, p, rg);
    const int64_t blocks = (d.s + kBlock - 1) / kBlock;
    parallel_for(0, d.n * blocks, std::max<int64_t>(1, kGrain / std::max<int64_t>(d.c * kBlock, 1)),
                 [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const int64_t n = task / blocks, j0 = (task % blocks) * kBlock;
        cross_entropy_backward_block(gi, g, per_row, x, l, t, w, d, p, rg, n, j0, std::min(kBlock, d.s - j0));
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(nll_loss_kernel, CPU, &nll_loss_cpu);
EMBER_REGISTER_KERNEL(nll_loss_backward_kernel, CPU, &nll_loss_backward_cpu);
EMBER_REGISTER_KERNEL(cross_entropy_kernel, CPU, &cross_entropy_cpu);
EMBER_REGISTER_KERNEL(cross_entropy_backward_kernel, CPU, &cross_entropy_backward_cpu);

}  // namespace ember::cpu
