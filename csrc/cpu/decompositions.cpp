// CPU decompositions on contiguous row-major matrices, one matrix per task across the batch.
// Every inner loop runs along a contiguous row (an axpy or a dot), so it vectorises.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "ops/decompositions.h"

namespace ember::cpu {
namespace {

// Matrices in a batch of contiguous (*, rows, cols) tensors.
int64_t batch_count(const Tensor& t) {
  return t.numel() == 0 ? 0 : t.numel() / (t.size(-1) * t.size(-2));
}

// Runs f(i) for every batch index; small matrices share a thread.
template <typename F>
void for_each_matrix(int64_t batches, int64_t n, F f) {
  const int64_t work = std::max<int64_t>(n * n * n, 1);
  parallel_for(0, batches, std::max<int64_t>(1, (64 * 64 * 64) / work), [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) f(i);
  });
}

// row[0, len) -= s * src[0, len)
template <typename T>
void axpy_neg(int64_t len, T s, const T* src, T* row) {
  for (int64_t j = 0; j < len; ++j) row[j] -= s * src[j];
}

template <typename T>
void lu_factor_one(int64_t n, T* a, int64_t* piv, int64_t* info) {
  for (int64_t k = 0; k < n; ++k) {
    int64_t p = k;
    for (int64_t i = k + 1; i < n; ++i)
      if (std::abs(a[i * n + k]) > std::abs(a[p * n + k])) p = i;
    piv[k] = p;
    if (a[p * n + k] == T(0)) {  // LAPACK goes on factoring; the first zero pivot is reported
      if (*info == 0) *info = k + 1;
      continue;
    }
    if (p != k) std::swap_ranges(a + k * n, a + (k + 1) * n, a + p * n);
    const T inv_pivot = T(1) / a[k * n + k];
    for (int64_t i = k + 1; i < n; ++i) {
      T* row = a + i * n;
      row[k] *= inv_pivot;
      axpy_neg(n - k - 1, row[k], a + k * n + k + 1, row + k + 1);
    }
  }
}

// b (n, m) <- A^-1 b for triangular a (n, n).
template <typename T>
void triangular_solve_one(int64_t n, int64_t m, const T* a, T* b, bool upper, bool unit) {
  for (int64_t s = 0; s < n; ++s) {
    const int64_t i = upper ? n - 1 - s : s;
    T* row = b + i * m;
    const int64_t lo = upper ? i + 1 : 0, hi = upper ? n : i;
    for (int64_t j = lo; j < hi; ++j) axpy_neg(m, a[i * n + j], b + j * m, row);
    if (!unit) {
      const T inv_d = T(1) / a[i * n + i];
      for (int64_t c = 0; c < m; ++c) row[c] *= inv_d;
    }
  }
}

template <typename T>
void cholesky_one(int64_t n, T* a, int64_t* info) {
  for (int64_t j = 0; j < n; ++j) {
    T* rj = a + j * n;
    T d = rj[j];
    for (int64_t k = 0; k < j; ++k) d -= rj[k] * rj[k];
    if (!(d > T(0))) {  // also catches NaN
      *info = j + 1;
      return;
    }
    rj[j] = std::sqrt(d);
    const T inv_d = T(1) / rj[j];
    for (int64_t i = j + 1; i < n; ++i) {
      T* ri = a + i * n;
      T s = ri[j];
      for (int64_t k = 0; k < j; ++k) s -= ri[k] * rj[k];
      ri[j] = s * inv_d;
    }
  }
  for (int64_t i = 0; i < n; ++i) std::fill(a + i * n + i + 1, a + (i + 1) * n, T(0));
}

// One Jacobi rotation zeroing a[p][q]: a <- J^T a J, v <- v J.
template <typename T>
void jacobi_rotate(int64_t n, T* a, T* v, int64_t p, int64_t q) {
  const T apq = a[p * n + q];
  const T theta = (a[q * n + q] - a[p * n + p]) / (T(2) * apq);
  const T t = (theta >= 0 ? T(1) : T(-1)) / (std::abs(theta) + std::sqrt(theta * theta + T(1)));
  const T c = T(1) / std::sqrt(t * t + T(1)), s = t * c;
  for (int64_t k = 0; k < n; ++k) {  // columns p, q
    const T akp = a[k * n + p], akq = a[k * n + q];
    a[k * n + p] = c * akp - s * akq;
    a[k * n + q] = s * akp + c * akq;
    const T vkp = v[k * n + p], vkq = v[k * n + q];
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
  T *rp = a + p * n, *rq = a + q * n;  // rows p, q
  for (int64_t k = 0; k < n; ++k) {
    const T apk = rp[k], aqk = rq[k];
    rp[k] = c * apk - s * aqk;
    rq[k] = s * apk + c * aqk;
  }
}

// Sweeps until the off-diagonal mass is rounding-level, then sorts the eigenpairs ascending.
template <typename T>
void symmetric_eigen_one(int64_t n, T* a, T* w, T* v) {
  std::fill(v, v + n * n, T(0));
  for (int64_t i = 0; i < n; ++i) v[i * n + i] = T(1);
  T total = 0;
  for (int64_t i = 0; i < n * n; ++i) total += a[i] * a[i];
  const T tiny = std::numeric_limits<T>::epsilon() * std::numeric_limits<T>::epsilon() * total;
  for (int sweep = 0; sweep < 100; ++sweep) {
    T off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    if (!(off > tiny)) break;  // also stops on NaN input
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q)
        if (a[p * n + q] != T(0)) jacobi_rotate(n, a, v, p, q);
  }
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return a[x * n + x] < a[y * n + y]; });
  std::vector<T> col(n * n);
  std::copy(v, v + n * n, col.begin());
  for (int64_t j = 0; j < n; ++j) {
    w[j] = a[order[j] * n + order[j]];
    for (int64_t k = 0; k < n; ++k) v[k * n + j] = col[k * n + order[j]];
  }
}

void symmetric_eigen_cpu(const Tensor& a, const Tensor& w, const Tensor& v) {
  const int64_t n = a.size(-1);
  dispatch_floating(a.dtype(), "eigh", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T *pa = a.data<T>(), *pw = w.data<T>(), *pv = v.data<T>();
    for_each_matrix(batch_count(a), n, [&](int64_t i) {
      symmetric_eigen_one<T>(n, pa + i * n * n, pw + i * n, pv + i * n * n);
    });
  });
}

template <typename T>
T dot(int64_t len, const T* x, const T* y) {
  T acc = 0;
  for (int64_t i = 0; i < len; ++i) acc += x[i] * y[i];
  return acc;
}

// Rotates rows x, y of length len by (c, s): x <- c x - s y, y <- s x + c y.
template <typename T>
void rotate_rows(int64_t len, T* x, T* y, T c, T s) {
  for (int64_t i = 0; i < len; ++i) {
    const T xi = x[i], yi = y[i];
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

// Fills rows [0, k) of q (k, m) that are flagged in `missing` with unit vectors orthogonal to every
// other row: standard basis vectors, Gram-Schmidt twice against the rows already set.
template <typename T>
void complete_orthonormal(int64_t k, int64_t m, T* q, std::vector<char>& missing) {
  int64_t candidate = 0;
  for (int64_t r = 0; r < k; ++r) {
    if (!missing[r]) continue;
    T* row = q + r * m;
    for (; candidate < m; ++candidate) {
      std::fill(row, row + m, T(0));
      row[candidate] = T(1);
      for (int pass = 0; pass < 2; ++pass)
        for (int64_t o = 0; o < k; ++o)
          if (o != r && !missing[o]) axpy_neg(m, dot(m, q + o * m, row), q + o * m, row);
      const T norm = std::sqrt(dot(m, row, row));
      if (norm > T(0.5)) {
        for (int64_t i = 0; i < m; ++i) row[i] /= norm;
        missing[r] = 0;
        ++candidate;
        break;
      }
    }
  }
}

template <typename T>
void svd_one(int64_t n, int64_t m, int64_t k, T* w, T* s, T* ut, T* vt) {
  std::fill(vt, vt + n * n, T(0));
  for (int64_t i = 0; i < n; ++i) vt[i * n + i] = T(1);
  const T eps = std::numeric_limits<T>::epsilon();
  for (int sweep = 0; sweep < 100; ++sweep) {
    bool rotated = false;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) {
        T *wi = w + i * m, *wj = w + j * m;
        const T alpha = dot(m, wi, wi), beta = dot(m, wj, wj), gamma = dot(m, wi, wj);
        if (!(std::abs(gamma) > eps * std::sqrt(alpha * beta))) continue;
        rotated = true;
        const T zeta = (beta - alpha) / (T(2) * gamma);
        const T t = (zeta >= 0 ? T(1) : T(-1)) / (std::abs(zeta) + std::sqrt(T(1) + zeta * zeta));
        const T c = T(1) / std::sqrt(T(1) + t * t);
        rotate_rows(m, wi, wj, c, c * t);
        rotate_rows(n, vt + i * n, vt + j * n, c, c * t);
      }
    if (!rotated) break;
  }
  std::vector<T> norms(n);
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) {
    norms[i] = std::sqrt(dot(m, w + i * m, w + i * m));
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return norms[x] > norms[y]; });
  std::vector<T> vt_rows(vt, vt + n * n);
  std::vector<char> missing(k, 1);
  const T cutoff = norms.empty() ? T(0) : norms[order[0]] * eps * T(n);
  for (int64_t r = 0; r < n; ++r) {
    const int64_t src = order[r];
    s[r] = norms[src];
    std::copy(vt_rows.begin() + src * n, vt_rows.begin() + (src + 1) * n, vt + r * n);
    if (norms[src] > cutoff && norms[src] > T(0)) {
      for (int64_t i = 0; i < m; ++i) ut[r * m + i] = w[src * m + i] / norms[src];
      missing[r] = 0;
    }
  }
  complete_orthonormal(k, m, ut, missing);
}

void svd_cpu(const Tensor& w, const Tensor& s, const Tensor& ut, const Tensor& vt) {
  const int64_t n = w.size(-2), m = w.size(-1), k = ut.size(-2);
  dispatch_floating(w.dtype(), "svd", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T *pw = w.data<T>(), *ps = s.data<T>(), *pu = ut.data<T>(), *pv = vt.data<T>();
    for_each_matrix(batch_count(ut), m, [&](int64_t i) {
      svd_one<T>(n, m, k, pw + i * n * m, ps + i * n, pu + i * k * m, pv + i * n * n);
    });
  });
}

void lu_factor_cpu(const Tensor& lu, const Tensor& pivots, const Tensor& info) {
  const int64_t n = lu.size(-1);
  dispatch_floating(lu.dtype(), "lu_factor", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* a = lu.data<T>();
    int64_t *piv = pivots.data<int64_t>(), *inf = info.data<int64_t>();
    for_each_matrix(batch_count(lu), n, [&](int64_t i) { lu_factor_one<T>(n, a + i * n * n, piv + i * n, inf + i); });
  });
}

void lu_solve_cpu(const Tensor& lu, const Tensor& pivots, const Tensor& b) {
  const int64_t n = lu.size(-1), m = b.size(-1);
  dispatch_floating(lu.dtype(), "lu_solve", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = lu.data<T>();
    const int64_t* piv = pivots.data<int64_t>();
    T* x = b.data<T>();
    for_each_matrix(batch_count(b), std::max(n, m), [&](int64_t i) {
      T* xb = x + i * n * m;
      const int64_t* p = piv + i * n;
      for (int64_t k = 0; k < n; ++k)
        if (p[k] != k) std::swap_ranges(xb + k * m, xb + (k + 1) * m, xb + p[k] * m);
      triangular_solve_one<T>(n, m, a + i * n * n, xb, false, true);
      triangular_solve_one<T>(n, m, a + i * n * n, xb, true, false);
    });
  });
}

void cholesky_cpu(const Tensor& a, const Tensor& info) {
  const int64_t n = a.size(-1);
  dispatch_floating(a.dtype(), "cholesky", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = a.data<T>();
    int64_t* inf = info.data<int64_t>();
    for_each_matrix(batch_count(a), n, [&](int64_t i) { cholesky_one<T>(n, p + i * n * n, inf + i); });
  });
}

void triangular_solve_cpu(const Tensor& a, const Tensor& b, bool upper, bool unit) {
  const int64_t n = a.size(-1), m = b.size(-1);
  dispatch_floating(a.dtype(), "solve_triangular", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* pa = a.data<T>();
    T* pb = b.data<T>();
    for_each_matrix(batch_count(b), std::max(n, m), [&](int64_t i) {
      triangular_solve_one<T>(n, m, pa + i * n * n, pb + i * n * m, upper, unit);
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(lu_factor_kernel, CPU, &lu_factor_cpu);
EMBER_REGISTER_KERNEL(lu_solve_kernel, CPU, &lu_solve_cpu);
EMBER_REGISTER_KERNEL(cholesky_kernel, CPU, &cholesky_cpu);
EMBER_REGISTER_KERNEL(triangular_solve_kernel, CPU, &triangular_solve_cpu);
EMBER_REGISTER_KERNEL(svd_kernel, CPU, &svd_cpu);
EMBER_REGISTER_KERNEL(symmetric_eigen_kernel, CPU, &symmetric_eigen_cpu);

}  // namespace ember::cpu
