// CPU layer_norm, rms_norm and batch_norm, forward and backward (see Note [Normalisation kernel layout]).
//
// Statistics are two-pass while the data is in cache: the mean, then the sum of squared deviations,
// both accumulated in double over 8 independent lanes (so the compiler vectorises them and a float32
// row of 1e6 elements keeps ~1e-9 relative accuracy). The output is written in the input's type as
// (x - mean) * scale + shift: subtracting first keeps the precision when |mean| >> std.
// layer_norm threads split the rows; batch_norm threads split the channels. Reductions across the
// split (layer_norm's grad_weight/grad_bias) go through per-chunk partial sums added in a fixed
// order, so results do not depend on thread timing.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "ops/norm.h"

namespace ember::cpu {
namespace {

/// Elements below which a kernel stays on one thread.
constexpr int64_t kGrain = 32768;
constexpr int kLanes = 8;

template <typename T>
T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

/// Sum of f(p[i]...) over i in [0, n) for contiguous runs p, in double over kLanes lanes.
template <typename F, typename... T>
double lane_sum(int64_t n, F f, const T*... p) {
  double acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) acc[k] += f(double(p[i + k])...);
  double s = 0;
  for (; i < n; ++i) s += f(double(p[i])...);
  for (int k = 0; k < kLanes; ++k) s += acc[k];
  return s;
}

double identity(double v) { return v; }

/// Sum and sum of squared deviations of `runs` runs of `len` elements `stride` apart.
template <typename T>
std::pair<double, double> moments(const T* x, int64_t runs, int64_t len, int64_t stride) {
  double s = 0;
  for (int64_t r = 0; r < runs; ++r) s += lane_sum(len, identity, x + r * stride);
  const double count = double(runs * len), m = s / count;
  double ss = 0;
  for (int64_t r = 0; r < runs; ++r)
    ss += lane_sum(len, [m](double v) { return (v - m) * (v - m); }, x + r * stride);
  return {m, ss};
}

// ---- layer_norm -------------------------------------------------------------------------------

/// y = (x - m) * rs * w + b over one row; w and b may be null (1 and 0).
template <typename T>
void normalize_row(T* y, const T* x, int64_t n, T m, T rs, const T* w, const T* b) {
  if (w && b) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * rs * w[i] + b[i];
  } else if (w) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * rs * w[i];
  } else if (b) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * rs + b[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * rs;
  }
}

template <typename T>
void layer_norm_typed(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                      const Tensor& weight, const Tensor& bias, double eps) {
  const int64_t m_rows = mean.numel(), n = m_rows ? x.numel() / m_rows : 0;
  const T *px = x.data<T>(), *w = ptr_or_null<T>(weight), *b = ptr_or_null<T>(bias);
  T *py = out.data<T>(), *pm = mean.data<T>(), *pr = rstd.data<T>();
  parallel_for(0, m_rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      // An empty row has mean 0 and variance 0/0 = NaN, as in PyTorch.
      const auto [m, ss] = n ? moments(px + r * n, 1, n, n) : std::pair{0.0, 0.0};
      const double rs = 1.0 / std::sqrt(ss / double(n) + eps);
      pm[r] = T(m), pr[r] = T(rs);
      normalize_row(py + r * n, px + r * n, n, T(m), T(rs), w, b);
    }
  });
}

void layer_norm_cpu(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                    const Tensor& weight, const Tensor& bias, double eps) {
  dispatch_floating(x.dtype(), "layer_norm", [&](auto tag) {
    layer_norm_typed<typename decltype(tag)::type>(out, mean, rstd, x, weight, bias, eps);
  });
}

/// One row of the backward: writes dx (when non-null) and adds g * xhat and g into the double
/// accumulators pw and pb (when non-null).
template <typename T>
void layer_norm_backward_row(T* dx, double* pw, double* pb, const T* g, const T* x, const T* w, int64_t n,
                             T m, T rs) {
  if (pw || pb) {
    for (int64_t i = 0; i < n; ++i) {
      const double gi = g[i];
      if (pw) pw[i] += gi * (double(x[i] - m) * rs);
      if (pb) pb[i] += gi;
    }
  }
  if (!dx) return;
  // dx = rs * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w.
  double a, c;
  if (w) {
    a = lane_sum(n, [](double gv, double wv) { return gv * wv; }, g, w);
    c = lane_sum(n, [m](double gv, double wv, double xv) { return gv * wv * (xv - m); }, g, w, x) * rs;
  } else {
    a = lane_sum(n, identity, g);
    c = lane_sum(n, [m](double gv, double xv) { return gv * (xv - m); }, g, x) * rs;
  }
  const T mean_gw = T(a / double(n)), mean_gwx = T(c / double(n));
  if (w) {
    for (int64_t i = 0; i < n; ++i) dx[i] = rs * (g[i] * w[i] - mean_gw - (x[i] - m) * rs * mean_gwx);
  } else {
    for (int64_t i = 0; i < n; ++i) dx[i] = rs * (g[i] - mean_gw - (x[i] - m) * rs * mean_gwx);
  }
}

template <typename T>
void layer_norm_backward_typed(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                               const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                               const Tensor& weight) {
  const int64_t m_rows = mean.numel(), n = m_rows ? x.numel() / m_rows : 0;
  const T *px = x.data<T>(), *pg = grad_out.data<T>(), *w = ptr_or_null<T>(weight);
  const T *pm = mean.data<T>(), *pr = rstd.data<T>();
  T* dx = ptr_or_null<T>(grad_in);
  const bool need_w = grad_weight.defined(), need_b = grad_bias.defined();
  // Rows are split into chunks, each summing its own grad_weight/grad_bias partials.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), x.numel() / kGrain));
  std::vector<double> partial((need_w || need_b) ? chunks * 2 * n : 0, 0.0);
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double* pw = need_w ? partial.data() + c * 2 * n : nullptr;
      double* pb = need_b ? partial.data() + c * 2 * n + n : nullptr;
      for (int64_t r = m_rows * c / chunks; r < m_rows * (c + 1) / chunks; ++r)
        layer_norm_backward_row(dx ? dx + r * n : nullptr, pw, pb, pg + r * n, px + r * n, w, n, pm[r], pr[r]);
    }
  });
  for (int k = 0; k < 2; ++k) {
    const Tensor& dst = k ? grad_bias : grad_weight;
    if (!dst.defined()) continue;
    T* out = dst.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      for (int64_t c = 0; c < chunks; ++c) s += partial[c * 2 * n + k * n + i];
      out[i] = T(s);
    }
  }
}

void layer_norm_backward_cpu(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                             const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                             const Tensor& weight) {
  dispatch_floating(x.dtype(), "layer_norm_backward", [&](auto tag) {
    layer_norm_backward_typed<typename decltype(tag)::type>(grad_in, grad_weight, grad_bias, grad_out, x, mean,
                                                            rstd, weight);
  });
}

// ---- rms_norm ---------------------------------------------------------------------------------
//
// layer_norm's row layout without the mean: one pass for mean(x^2) in double lanes, one to scale.

template <typename T>
void rms_norm_typed(const Tensor& out, const Tensor& rstd, const Tensor& x, const Tensor& weight, double eps) {
  const int64_t m_rows = rstd.numel(), n = m_rows ? x.numel() / m_rows : 0;
  const T *px = x.data<T>(), *w = ptr_or_null<T>(weight);
  T *py = out.data<T>(), *pr = rstd.data<T>();
  parallel_for(0, m_rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = px + r * n;
      T* yr = py + r * n;
      const double ss = lane_sum(n, [](double v) { return v * v; }, xr);
      const T rs = T(1.0 / std::sqrt(ss / double(n) + eps));  // an empty row: 0/0 = NaN, as in PyTorch
      pr[r] = rs;
      if (w) {
        for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] * rs * w[i];
      } else {
        for (int64_t i = 0; i < n; ++i) yr[i] = xr[i] * rs;
      }
    }
  });
}

void rms_norm_cpu(const Tensor& out, const Tensor& rstd, const Tensor& x, const Tensor& weight, double eps) {
  dispatch_floating(x.dtype(), "rms_norm", [&](auto tag) {
    rms_norm_typed<typename decltype(tag)::type>(out, rstd, x, weight, eps);
  });
}

/// One row: dx = rs * (gw - xhat * mean(gw * xhat)) (when dx is non-null); adds g * xhat into pw.
template <typename T>
void rms_norm_backward_row(T* dx, double* pw, const T* g, const T* x, const T* w, int64_t n, T rs) {
  if (pw)
    for (int64_t i = 0; i < n; ++i) pw[i] += double(g[i]) * (double(x[i]) * rs);
  if (!dx) return;
  const double c = w ? lane_sum(n, [](double gv, double wv, double xv) { return gv * wv * xv; }, g, w, x)
                     : lane_sum(n, [](double gv, double xv) { return gv * xv; }, g, x);
  const T k = T(c * double(rs) * double(rs) / double(n));  // mean(gw * xhat) * rs
  if (w) {
    for (int64_t i = 0; i < n; ++i) dx[i] = rs * (g[i] * w[i] - x[i] * k);
  } else {
    for (int64_t i = 0; i < n; ++i) dx[i] = rs * (g[i] - x[i] * k);
  }
}

template <typename T>
void rms_norm_backward_typed(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_out,
                             const Tensor& x, const Tensor& rstd, const Tensor& weight) {
  const int64_t m_rows = rstd.numel(), n = m_rows ? x.numel() / m_rows : 0;
  const T *px = x.data<T>(), *pg = grad_out.data<T>(), *w = ptr_or_null<T>(weight), *pr = rstd.data<T>();
  T* dx = ptr_or_null<T>(grad_in);
  const bool need_w = grad_weight.defined();
  // Rows split into chunks with their own grad_weight partials, summed in chunk order (deterministic).
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), x.numel() / kGrain));
  std::vector<double> partial(need_w ? chunks * n : 0, 0.0);
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double* pw = need_w ? partial.data() + c * n : nullptr;
      for (int64_t r = m_rows * c / chunks; r < m_rows * (c + 1) / chunks; ++r)
        rms_norm_backward_row(dx ? dx + r * n : nullptr, pw, pg + r * n, px + r * n, w, n, pr[r]);
    }
  });
  if (!need_w) return;
  T* out = grad_weight.data<T>();
  for (int64_t i = 0; i < n; ++i) {
    double s = 0;
    for (int64_t c = 0; c < chunks; ++c) s += partial[c * n + i];
    out[i] = T(s);
  }
}

void rms_norm_backward_cpu(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_out,
                           const Tensor& x, const Tensor& rstd, const Tensor& weight) {
  dispatch_floating(x.dtype(), "rms_norm_backward", [&](auto tag) {
    rms_norm_backward_typed<typename decltype(tag)::type>(grad_in, grad_weight, grad_out, x, rstd, weight);
  });
}

// ---- batch_norm -------------------------------------------------------------------------------
//
// Note [Batch norm traversal]: a channel's elements are B runs of S contiguous elements, C*S apart.
// Long runs (S >= kLongRun) are walked channel by channel with the run loops above. Short runs
// (BatchNorm1d's S == 1 above all) would make that a strided gather, so a block of adjacent channels
// is walked row by row instead ("columns": the block's C*S contiguous elements of one sample), with
// per-column accumulators and per-column copies of the channel constants, so the inner loops stay
// contiguous and vectorise.

constexpr int64_t kLongRun = 64;
/// Columns a short-run block covers: its accumulators stay in L1.
constexpr int64_t kBlockColumns = 1024;

/// [B, C, S] geometry of a batch_norm input.
struct ChannelLayout {
  int64_t batch, channels, spatial;
  explicit ChannelLayout(const Tensor& x) : batch(x.size(0)), channels(x.size(1)), spatial(1) {
    for (int d = 2; d < x.dim(); ++d) spatial *= x.size(d);
  }
  int64_t count() const { return batch * spatial; }
  int64_t row() const { return channels * spatial; }
  /// Threads split channels; a chunk gets at least kGrain elements.
  int64_t grain() const { return std::max<int64_t>(1, kGrain / std::max<int64_t>(count(), 1)); }
  /// Runs fn(c0, c1) over blocks of channels: one channel per block for long runs, else enough
  /// channels for kBlockColumns columns (see Note [Batch norm traversal]).
  template <typename F>
  void for_blocks(const F& fn) const {
    const int64_t block = spatial >= kLongRun ? 1 : std::max<int64_t>(1, kBlockColumns / std::max<int64_t>(spatial, 1));
    parallel_for(0, channels, grain(), [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; c += block) fn(c, std::min(hi, c + block));
    });
  }
};

/// Per-column sums over the batch of f(values...) for the columns [j0, j0 + width) of [B, row]
/// arrays, added into acc.
template <typename F, typename... T>
void column_sums(double* acc, int64_t batch, int64_t row, int64_t j0, int64_t width, F f, const T*... p) {
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t j = 0; j < width; ++j) acc[j] += f(j, double(p[n * row + j0 + j])...);
}

/// Channel sums of per-column sums: out[k] = sum of acc[k*S .. (k+1)*S).
void fold_columns(double* out, const double* acc, int64_t channels, int64_t spatial) {
  for (int64_t k = 0; k < channels; ++k) {
    double s = 0;
    for (int64_t j = 0; j < spatial; ++j) s += acc[k * spatial + j];
    out[k] = s;
  }
}

template <typename T>
void batch_norm_typed(const Tensor& out, const Tensor& mean, const Tensor& invstd, const Tensor& x,
                      const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                      const Tensor& running_var, bool training, double momentum, double eps) {
  const ChannelLayout L(x);
  const int64_t S = L.spatial, R = L.row();
  const double count = double(L.count());
  const T *px = x.data<T>(), *w = ptr_or_null<T>(weight), *b = ptr_or_null<T>(bias);
  T *py = out.data<T>(), *pm = mean.data<T>(), *pi = invstd.data<T>();
  T *rm = ptr_or_null<T>(running_mean), *rv = ptr_or_null<T>(running_var);
  // From channel c's mean and sum of squared deviations (training) or the running stats (eval):
  // saves mean/invstd, moves the running stats, and gives (mean, scale, shift) for the output.
  auto finish = [&](int64_t c, double m, double ss) {
    double is;
    if (training) {
      is = 1.0 / std::sqrt(ss / count + eps);
      if (rm) rm[c] = T((1 - momentum) * double(rm[c]) + momentum * m);
      if (rv) rv[c] = T((1 - momentum) * double(rv[c]) + momentum * ss / (count - 1));
    } else {
      m = rm[c], is = 1.0 / std::sqrt(double(rv[c]) + eps);
    }
    pm[c] = T(m), pi[c] = T(is);
    return std::array<T, 3>{T(m), T(w ? is * double(w[c]) : is), b ? b[c] : T(0)};
  };
  L.for_blocks([&](int64_t c0, int64_t c1) {
    if (S >= kLongRun) {
      const auto [m, ss] = training ? moments(px + c0 * S, L.batch, S, R) : std::pair{0.0, 0.0};
      const auto [tm, scale, shift] = finish(c0, m, ss);
      for (int64_t n = 0; n < L.batch; ++n) {
        const T* xr = px + n * R + c0 * S;
        T* yr = py + n * R + c0 * S;
        for (int64_t s = 0; s < S; ++s) yr[s] = (xr[s] - tm) * scale + shift;
      }
      return;
    }
    const int64_t nc = c1 - c0, width = nc * S, j0 = c0 * S;
    double acc[kBlockColumns], colmean[kBlockColumns], m[kBlockColumns], ss[kBlockColumns];
    if (training) {
      std::fill(acc, acc + width, 0.0);
      column_sums(acc, L.batch, R, j0, width, [](int64_t, double v) { return v; }, px);
      fold_columns(m, acc, nc, S);
      for (int64_t k = 0; k < nc; ++k) m[k] /= count;
      for (int64_t j = 0; j < width; ++j) colmean[j] = m[j / S], acc[j] = 0;
      column_sums(acc, L.batch, R, j0, width, [&](int64_t j, double v) { return (v - colmean[j]) * (v - colmean[j]); },
                  px);
      fold_columns(ss, acc, nc, S);
    }
    T cm[kBlockColumns], cscale[kBlockColumns], cshift[kBlockColumns];
    for (int64_t k = 0; k < nc; ++k) {
      const auto [tm, scale, shift] = finish(c0 + k, training ? m[k] : 0.0, training ? ss[k] : 0.0);
      for (int64_t s = 0; s < S; ++s) cm[k * S + s] = tm, cscale[k * S + s] = scale, cshift[k * S + s] = shift;
    }
    for (int64_t n = 0; n < L.batch; ++n) {
      const T* xr = px + n * R + j0;
      T* yr = py + n * R + j0;
      for (int64_t j = 0; j < width; ++j) yr[j] = (xr[j] - cm[j]) * cscale[j] + cshift[j];
    }
  });
}

void batch_norm_cpu(const Tensor& out, const Tensor& mean, const Tensor& invstd, const Tensor& x,
                    const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                    const Tensor& running_var, bool training, double momentum, double eps) {
  dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
    batch_norm_typed<typename decltype(tag)::type>(out, mean, invstd, x, weight, bias, running_mean, running_var,
                                                   training, momentum, eps);
  });
}

template <typename T>
void batch_norm_backward_typed(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                               const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                               const Tensor& weight, bool training) {
  const ChannelLayout L(x);
  const int64_t S = L.spatial, R = L.row();
  const T *px = x.data<T>(), *pg = grad_out.data<T>(), *w = ptr_or_null<T>(weight);
  const T *pm = mean.data<T>(), *pi = invstd.data<T>();
  T *dx = ptr_or_null<T>(grad_in), *dw = ptr_or_null<T>(grad_weight), *db = ptr_or_null<T>(grad_bias);
  const double count = double(L.count());
  const bool need_sums = dw || db || (dx && training);
  // From channel c's sum(g) and sum(g * (x - mean)): writes grad_weight/grad_bias and gives the
  // constants of dx = (g - mean_g - (x - mean) * proj) * k.
  auto finish = [&](int64_t c, double sum_g, double sum_gx) {
    const double is = pi[c];
    if (db) db[c] = T(sum_g);
    if (dw) dw[c] = T(sum_gx * is);
    // Training: the batch statistics take their share, mean(g) + xhat * mean(g * xhat).
    return std::array<T, 4>{pm[c], training ? T(sum_g / count) : T(0), training ? T(sum_gx / count * is * is) : T(0),
                            T(w ? is * double(w[c]) : is)};
  };
  L.for_blocks([&](int64_t c0, int64_t c1) {
    if (S >= kLongRun) {
      const double m = pm[c0];
      double sum_g = 0, sum_gx = 0;
      for (int64_t n = 0; need_sums && n < L.batch; ++n) {
        const T *g = pg + n * R + c0 * S, *xr = px + n * R + c0 * S;
        sum_g += lane_sum(S, identity, g);
        sum_gx += lane_sum(S, [m](double gv, double xv) { return gv * (xv - m); }, g, xr);
      }
      const auto [tm, mean_g, proj, k] = finish(c0, sum_g, sum_gx);
      for (int64_t n = 0; dx && n < L.batch; ++n) {
        const T *g = pg + n * R + c0 * S, *xr = px + n * R + c0 * S;
        T* d = dx + n * R + c0 * S;
        for (int64_t s = 0; s < S; ++s) d[s] = (g[s] - mean_g - (xr[s] - tm) * proj) * k;
      }
      return;
    }
    const int64_t nc = c1 - c0, width = nc * S, j0 = c0 * S;
    double acc_g[kBlockColumns] = {}, acc_gx[kBlockColumns] = {}, sum_g[kBlockColumns], sum_gx[kBlockColumns];
    double colmean[kBlockColumns];
    for (int64_t j = 0; j < width; ++j) colmean[j] = pm[c0 + j / S];
    if (need_sums) {
      column_sums(acc_g, L.batch, R, j0, width, [](int64_t, double gv) { return gv; }, pg);
      column_sums(acc_gx, L.batch, R, j0, width, [&](int64_t j, double gv, double xv) { return gv * (xv - colmean[j]); },
                  pg, px);
    }
    fold_columns(sum_g, acc_g, nc, S);
    fold_columns(sum_gx, acc_gx, nc, S);
    T cm[kBlockColumns], cmean_g[kBlockColumns], cproj[kBlockColumns], ck[kBlockColumns];
    for (int64_t k = 0; k < nc; ++k) {
      const auto [tm, mean_g, proj, kk] = finish(c0 + k, sum_g[k], sum_gx[k]);
      for (int64_t s = 0; s < S; ++s)
        cm[k * S + s] = tm, cmean_g[k * S + s] = mean_g, cproj[k * S + s] = proj, ck[k * S + s] = kk;
    }
    for (int64_t n = 0; dx && n < L.batch; ++n) {
      const T *g = pg + n * R + j0, *xr = px + n * R + j0;
      T* d = dx + n * R + j0;
      for (int64_t j = 0; j < width; ++j) d[j] = (g[j] - cmean_g[j] - (xr[j] - cm[j]) * cproj[j]) * ck[j];
    }
  });
}

void batch_norm_backward_cpu(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                             const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                             const Tensor& weight, bool training) {
  dispatch_floating(x.dtype(), "batch_norm_backward", [&](auto tag) {
    batch_norm_backward_typed<typename decltype(tag)::type>(grad_in, grad_weight, grad_bias, grad_out, x, mean,
                                                            invstd, weight, training);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(layer_norm_kernel, CPU, &layer_norm_cpu);
EMBER_REGISTER_KERNEL(layer_norm_backward_kernel, CPU, &layer_norm_backward_cpu);
EMBER_REGISTER_KERNEL(rms_norm_kernel, CPU, &rms_norm_cpu);
EMBER_REGISTER_KERNEL(rms_norm_backward_kernel, CPU, &rms_norm_backward_cpu);
EMBER_REGISTER_KERNEL(batch_norm_kernel, CPU, &batch_norm_cpu);
EMBER_REGISTER_KERNEL(batch_norm_backward_kernel, CPU, &batch_norm_backward_cpu);

}  // namespace ember::cpu
