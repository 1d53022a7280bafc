// AVX2+FMA micro-kernels for gemm (see gemm.cpp for the loop nest that feeds them).
//
// Both kernels hold a 6 x (2 vectors) tile of C in 12 ymm accumulators; each step of k loads two
// vectors of the packed B panel and broadcasts six values of the packed A panel: 12 FMAs for 8
// loads, which keeps both FMA ports busy out of L1.

#include <immintrin.h>

#include "cpu/gemm.h"

namespace ember::cpu::detail {
namespace {

template <typename T>
struct Simd;

template <>
struct Simd<float> {
  using Vec = __m256;
  static constexpr int width = 8;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec set1(float x) { return _mm256_set1_ps(x); }
  static Vec broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_ps(a, b); }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
};

template <>
struct Simd<double> {
  using Vec = __m256d;
  static constexpr int width = 4;
  static Vec zero() { return _mm256_setzero_pd(); }
  static Vec set1(double x) { return _mm256_set1_pd(x); }
  static Vec broadcast(const double* p) { return _mm256_broadcast_sd(p); }
  static Vec load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, Vec v) { _mm256_storeu_pd(p, v); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_pd(a, b); }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_pd(a, b, c); }
};

constexpr int kMR = 6;

// C = beta*C + alpha*acc for one row of 2 vectors; beta == 0 never reads C (it may hold NaN).
template <typename T>
void update_row(T* c, const typename Simd<T>::Vec* acc, T alpha, T beta) {
  using S = Simd<T>;
  const typename S::Vec va = S::set1(alpha);
  for (int v = 0; v < 2; ++v) {
    T* p = c + v * S::width;
    S::store(p, beta == T(0) ? S::mul(va, acc[v]) : S::fmadd(S::set1(beta), S::load(p), S::mul(va, acc[v])));
  }
}

// Edge tiles and strided C go through a scalar update of the valid m x n corner.
template <typename T>
void update_edge(T* c, int64_t rsc, int64_t csc, int64_t m, int64_t n,
                 const typename Simd<T>::Vec (*acc)[2], T alpha, T beta) {
  constexpr int nr = 2 * Simd<T>::width;
  alignas(32) T tile[kMR][nr];
  for (int i = 0; i < kMR; ++i) {
    for (int v = 0; v < 2; ++v) Simd<T>::store(&tile[i][v * Simd<T>::width], acc[i][v]);
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      T& cij = c[i * rsc + j * csc];
      cij = beta == T(0) ? alpha * tile[i][j] : alpha * tile[i][j] + beta * cij;
    }
  }
}

template <typename T>
void kernel_6x2v(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t csc, int64_t m,
                 int64_t n, T alpha, T beta) {
  using S = Simd<T>;
  constexpr int nr = 2 * S::width;
  typename S::Vec acc[kMR][2];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) acc[i][0] = acc[i][1] = S::zero();
  // The C tile is needed right after the loop; start fetching it now. A row of the tile spans
  // two cache lines unless C happens to be 64-byte aligned, so touch both ends.
  for (int64_t i = 0; i < m; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * rsc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * rsc + (n - 1) * csc), _MM_HINT_T0);
  }

#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const typename S::Vec b0 = S::load(b), b1 = S::load(b + S::width);
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) {
      const typename S::Vec ai = S::broadcast(a + i);
      acc[i][0] = S::fmadd(ai, b0, acc[i][0]);
      acc[i][1] = S::fmadd(ai, b1, acc[i][1]);
    }
    a += kMR;
    b += nr;
  }

  // A copy, so the address taken below does not pin the accumulators to the stack in the loop.
  typename S::Vec out[kMR][2];
#pragma GCC unroll 6
  for (int i = 0; i < kMR; ++i) out[i][0] = acc[i][0], out[i][1] = acc[i][1];
  if (m == kMR && n == nr && csc == 1) {
#pragma GCC unroll 6
    for (int i = 0; i < kMR; ++i) update_row(c + i * rsc, out[i], alpha, beta);
  } else {
    update_edge(c, rsc, csc, m, n, out, alpha, beta);
  }
}

}  // namespace

void kernel_f32_6x16_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t rsc,
                          int64_t csc, int64_t m, int64_t n, float alpha, float beta) {
  kernel_6x2v(kc, a, b, c, rsc, csc, m, n, alpha, beta);
}

void kernel_f64_6x8_avx2(int64_t kc, const double* a, const double* b, double* c, int64_t rsc,
                         int64_t csc, int64_t m, int64_t n, double alpha, double beta) {
  kernel_6x2v(kc, a, b, c, rsc, csc, m, n, alpha, beta);
}

}  // namespace ember::cpu::detail
