// CPU kernels of the counting and order-statistic ops: unique (sort, then one pass over runs),
// bincount and histograms (one serial pass), searchsorted (a binary search per value, values
// split over threads) and the row kernels (running max/min, logcumsumexp, mode, nanmedian) on
// for_each_row. See Note [Strides are in elements].
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "cpu/row_loops.h"
#include "ops/factory.h"
#include "ops/sort_count.h"

namespace ember::cpu {
namespace {

// ---- unique ----------------------------------------------------------------------------------

/// Group ids of a sorted (or, for unique_consecutive, original) order: order[k] is the k-th row;
/// rows k-1 and k share a group when same(order[k-1], order[k]). Writes inverse (when given)
/// and returns the first row of each group and the group sizes.
template <typename Same>
std::pair<std::vector<int64_t>, std::vector<int64_t>> group_runs(const std::vector<int64_t>& order, int64_t* inverse,
                                                                 const Same& same) {
  std::vector<int64_t> firsts, counts;
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || !same(order[k - 1], order[k])) {
      firsts.push_back(order[k]);
      counts.push_back(0);
    }
    ++counts.back();
    if (inverse) inverse[order[k]] = static_cast<int64_t>(firsts.size()) - 1;
  }
  return {firsts, counts};
}

Tensor to_long_tensor(const std::vector<int64_t>& v, Device device) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64, device);
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

// One value per row, no inverse: sort the plain values (the common, fastest case).
template <typename T>
std::tuple<Tensor, Tensor, Tensor> unique_values(const Tensor& in, bool consecutive) {
  const T* x = in.data<T>();
  std::vector<T> v(x, x + in.numel());
  if (!consecutive) std::sort(v.begin(), v.end(), [](T a, T b) { return nan_last_less(a, b); });
  std::vector<int64_t> counts;
  size_t u = 0;
  for (size_t k = 0; k < v.size(); ++k) {
    if (k == 0 || !(v[k] == v[u - 1])) {
      v[u++] = v[k];
      counts.push_back(0);
    }
    ++counts.back();
  }
  Tensor values = empty({static_cast<int64_t>(u), 1}, in.dtype(), in.device());
  std::copy(v.begin(), v.begin() + u, values.data<T>());
  return {values, Tensor(), to_long_tensor(counts, in.device())};
}

template <typename T>
std::tuple<Tensor, Tensor, Tensor> unique_rows(const Tensor& rows, bool consecutive, bool need_inverse) {
  const int64_t n = rows.sizes()[0], m = rows.sizes()[1];
  if (m == 1 && !need_inverse) return unique_values<T>(rows, consecutive);
  const T* x = rows.data<T>();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  auto same = [x, m](int64_t a, int64_t b) {
    for (int64_t j = 0; j < m; ++j)
      if (!(x[a * m + j] == x[b * m + j])) return false;
    return true;
  };
  if (!consecutive) {
    if (m == 1) {
      std::vector<Entry<T>> entries;
      load_row(entries, x, 1, n);
      std::sort(entries.begin(), entries.end(), EntryLess{});
      for (int64_t k = 0; k < n; ++k) order[k] = entries[k].second;
    } else {
      std::sort(order.begin(), order.end(), [x, m](int64_t a, int64_t b) {
        return std::lexicographical_compare(x + a * m, x + a * m + m, x + b * m, x + b * m + m,
                                            [](T p, T q) { return nan_last_less(p, q); });
      });
    }
  }
  Tensor inverse = need_inverse ? empty({n}, DType::Int64, rows.device()) : Tensor();
  auto [firsts, counts] = group_runs(order, need_inverse ? inverse.data<int64_t>() : nullptr, same);
  Tensor values = empty({static_cast<int64_t>(firsts.size()), m}, rows.dtype(), rows.device());
  T* out = values.data<T>();
  for (size_t g = 0; g < firsts.size(); ++g) std::copy(x + firsts[g] * m, x + firsts[g] * m + m, out + g * m);
  return {values, inverse, to_long_tensor(counts, rows.device())};
}

std::tuple<Tensor, Tensor, Tensor> unique_cpu(const Tensor& rows, bool consecutive, bool need_inverse) {
  LongKernelScope nogil(rows.numel());
  return dispatch_all(rows.dtype(), [&](auto tag) {
    return unique_rows<typename decltype(tag)::type>(rows, consecutive, need_inverse);
  });
}

// ---- bincount and histograms -----------------------------------------------------------------

Tensor bincount_cpu(const Tensor& in, const Tensor& weights, int64_t minlength, DType out_dtype) {
  const int64_t* x = in.data<int64_t>();
  const int64_t n = in.numel();
  int64_t top = -1;
  for (int64_t i = 0; i < n; ++i) {
    EMBER_CHECK(x[i] >= 0, "bincount only supports 1-d non-negative integral inputs.");
    top = std::max(top, x[i]);
  }
  const int64_t length = std::max(top + 1, minlength);
  if (!weights.defined()) {
    Tensor out = zeros({length}, DType::Int64, in.device());
    int64_t* o = out.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) ++o[x[i]];
    return out;
  }
  Tensor out = zeros({length}, out_dtype, in.device());
  dispatch_floating(out_dtype, "bincount", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* w = weights.data<T>();
    T* o = out.data<T>();
    for (int64_t i = 0; i < n; ++i) o[x[i]] += w[i];
  });
  return out;
}

void histogram_cpu(const Tensor& hist, const Tensor& in, const Tensor& weight, const Tensor& edges, bool uniform) {
  dispatch_floating(in.dtype(), "histogram", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    const T* e = edges.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    T* h = hist.data<T>();
    const int64_t bins = hist.numel(), n = in.numel();
    const T lo = e[0], hi = e[bins];
    for (int64_t i = 0; i < n; ++i) {
      const T v = x[i];
      if (!(v >= lo && v <= hi)) continue;  // also skips NaN
      int64_t b;
      if (uniform) {
        b = static_cast<int64_t>((static_cast<double>(v) - lo) * bins / (static_cast<double>(hi) - lo));
        b = std::min(std::max<int64_t>(b, 0), bins - 1);
        // The computed bin can be one off at an edge; the edges themselves decide.
        if (b > 0 && v < e[b]) --b;
        else if (b < bins - 1 && v >= e[b + 1]) ++b;
      } else {
        b = std::min<int64_t>(std::upper_bound(e, e + bins + 1, v) - e - 1, bins - 1);
      }
      h[b] += w ? w[i] : T(1);
    }
  });
}

// ---- searchsorted ----------------------------------------------------------------------------

// The comparisons PyTorch's searchsorted makes, so that NaN values land past the end.
template <typename T>
int64_t insertion_point(const T* seq, const int64_t* sorter, int64_t n, T v, bool right) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const T m = sorter ? seq[sorter[mid]] : seq[mid];
    const bool go_right = right ? !(m > v) : !(m >= v);
    if (go_right) lo = mid + 1; else hi = mid;
  }
  return lo;
}

void searchsorted_cpu(const Tensor& out, const Tensor& sorted, const Tensor& values, const Tensor& sorter,
                      bool right) {
  const int64_t n = sorted.sizes()[1], m = values.sizes()[1];
  const bool batched = sorted.sizes()[0] > 1;
  const int64_t* order = sorter.defined() ? sorter.data<int64_t>() : nullptr;
  if (order)
    for (int64_t i = 0; i < sorter.numel(); ++i)
      EMBER_CHECK(order[i] >= 0 && order[i] < n, "torch.searchsorted(): sorter index out of range");
  const bool int32 = out.dtype() == DType::Int32;
  LongKernelScope nogil(values.numel());
  dispatch_numeric(values.dtype(), "searchsorted", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* seq = sorted.data<T>();
    const T* v = values.data<T>();
    parallel_for(0, values.numel(), 4096, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t row = batched ? i / m : 0;
        int64_t pos = insertion_point(seq + row * n, order ? order + row * n : nullptr, n, v[i], right);
        if (int32) out.data<int32_t>()[i] = static_cast<int32_t>(pos); else out.data<int64_t>()[i] = pos;
      }
    });
  });
}

// ---- row kernels -----------------------------------------------------------------------------

void cum_extreme_cpu(const Tensor& values, const Tensor& indices, const Tensor& in, int d, bool is_max) {
  const int64_t n = in.sizes()[d], vs = values.strides()[d], is = indices.strides()[d], xs = in.strides()[d];
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row(d, n, [&](auto rows, int64_t count) {
      for (int64_t r = 0; r < count; ++r) {
        const T* x = reinterpret_cast<const T*>(rows(r, 2));
        T* v = reinterpret_cast<T*>(rows(r, 0));
        int64_t* ix = reinterpret_cast<int64_t*>(rows(r, 1));
        T best = x[0];
        int64_t at = 0;
        for (int64_t j = 0; j < n; ++j) {
          const T cur = x[j * xs];
          // Ties move the index forward (PyTorch's >= / <=); a NaN sticks once reached.
          if (is_nan(cur) || (!is_nan(best) && (is_max ? cur >= best : cur <= best))) {
            best = cur;
            at = j;
          }
          v[j * vs] = best;
          ix[j * is] = at;
        }
      }
    }, values, indices, in);
  });
}

/// log(exp(a) + exp(b)), exact for infinities and propagating NaN.
double log_add_exp(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  const double lo = std::min(a, b), hi = std::max(a, b);
  if (lo == hi && !std::isfinite(lo)) return a;  // both -inf or both +inf
  return hi + std::log1p(std::exp(lo - hi));
}

void logcumsumexp_cpu(const Tensor& out, const Tensor& in, int d) {
  const int64_t n = in.sizes()[d], os = out.strides()[d], xs = in.strides()[d];
  dispatch_floating(in.dtype(), "logcumsumexp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row(d, n, [&](auto rows, int64_t count) {
      for (int64_t r = 0; r < count; ++r) {
        const T* x = reinterpret_cast<const T*>(rows(r, 1));
        T* o = reinterpret_cast<T*>(rows(r, 0));
        double acc = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < n; ++j) {
          acc = log_add_exp(acc, static_cast<double>(x[j * xs]));
          o[j * os] = static_cast<T>(acc);
        }
      }
    }, out, in);
  });
}

void mode_cpu(const Tensor& values, const Tensor& indices, const Tensor& in, int d) {
  const int64_t n = in.sizes()[d], xs = in.strides()[d];
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row(d, n, [&](auto rows, int64_t count) {
      std::vector<Entry<T>> buf;
      for (int64_t r = 0; r < count; ++r) {
        load_row(buf, reinterpret_cast<const T*>(rows(r, 2)), xs, n);
        // By value, then by position, so the last entry of a run is the value's last index.
        std::sort(buf.begin(), buf.end(), [](const Entry<T>& a, const Entry<T>& b) {
          return nan_last_less(a.first, b.first) || (!nan_last_less(b.first, a.first) && a.second < b.second);
        });
        int64_t best_len = 0, best_end = 0, run = 0;
        for (int64_t j = 0; j < n; ++j) {
          run = (j > 0 && buf[j].first == buf[j - 1].first) ? run + 1 : 1;
          if (run > best_len) {  // strictly longer: the smallest of equally frequent values wins
            best_len = run;
            best_end = j;
          }
        }
        *reinterpret_cast<T*>(rows(r, 0)) = buf[best_end].first;
        *reinterpret_cast<int64_t*>(rows(r, 1)) = buf[best_end].second;
      }
    }, values, indices, in);
  });
}

void nanmedian_cpu(const Tensor& values, const Tensor& indices, const Tensor& in, int d) {
  const int64_t n = in.sizes()[d], xs = in.strides()[d];
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    for_each_row(d, n, [&](auto rows, int64_t count) {
      std::vector<Entry<T>> buf;
      for (int64_t r = 0; r < count; ++r) {
        const T* x = reinterpret_cast<const T*>(rows(r, 2));
        buf.clear();
        for (int64_t j = 0; j < n; ++j)
          if (!is_nan(x[j * xs])) buf.push_back({x[j * xs], j});
        T* v = reinterpret_cast<T*>(rows(r, 0));
        int64_t* ix = reinterpret_cast<int64_t*>(rows(r, 1));
        if (buf.empty()) {  // all NaN: the median is NaN
          *v = x[0];
          *ix = 0;
          continue;
        }
        const int64_t k = (static_cast<int64_t>(buf.size()) - 1) / 2;
        std::nth_element(buf.begin(), buf.begin() + k, buf.end(), EntryLess{});
        *v = buf[k].first;
        *ix = buf[k].second;
      }
    }, values, indices, in);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(unique_kernel, CPU, &unique_cpu);
EMBER_REGISTER_KERNEL(bincount_kernel, CPU, &bincount_cpu);
EMBER_REGISTER_KERNEL(histogram_kernel, CPU, &histogram_cpu);
EMBER_REGISTER_KERNEL(searchsorted_kernel, CPU, &searchsorted_cpu);
EMBER_REGISTER_KERNEL(cum_extreme_kernel, CPU, &cum_extreme_cpu);
EMBER_REGISTER_KERNEL(logcumsumexp_kernel, CPU, &logcumsumexp_cpu);
EMBER_REGISTER_KERNEL(mode_kernel, CPU, &mode_cpu);
EMBER_REGISTER_KERNEL(nanmedian_kernel, CPU, &nanmedian_cpu);

}  // namespace ember::cpu
