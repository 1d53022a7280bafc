// AVX-512F float32 micro-kernel for gemm (see gemm.cpp for the loop nest that feeds it).
//
// A 12 x 32 tile of C lives in 24 zmm accumulators; each step of k loads two vectors of the packed
// B panel and broadcasts twelve values of the packed A panel (folded into the FMAs as embedded
// broadcasts): 24 FMAs per 14 loads, against 12 per 8 for the AVX2 6 x 16 kernel. 24 accumulators
// + 2 B vectors leave registers for the broadcasts of the 32 zmm.

#include <immintrin.h>

#include "cpu/gemm.h"

namespace ember::cpu::detail {
namespace {

constexpr int kMR = 12;
constexpr int kNR = 32;

// Edge tiles and strided C go through a scalar update of the valid m x n corner; beta == 0 never
// reads C (it may hold NaN).
void update_edge(float* c, int64_t rsc, int64_t csc, int64_t m, int64_t n, const __m512 (*acc)[2],
                 float alpha, float beta) {
  alignas(64) float tile[kMR][kNR];
  for (int i = 0; i < kMR; ++i) {
    _mm512_store_ps(&tile[i][0], acc[i][0]);
    _mm512_store_ps(&tile[i][16], acc[i][1]);
  }
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float& cij = c[i * rsc + j * csc];
      cij = beta == 0.f ? alpha * tile[i][j] : alpha * tile[i][j] + beta * cij;
    }
  }
}

}  // namespace

void kernel_f32_12x32_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t rsc,
                             int64_t csc, int64_t m, int64_t n, float alpha, float beta) {
  __m512 acc[kMR][2];
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  // The C tile is needed right after the loop; start fetching both ends of each row now.
  for (int64_t i = 0; i < m; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * rsc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * rsc + (n - 1) * csc), _MM_HINT_T0);
  }

#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += kMR;
    b += kNR;
  }

  // A copy, so the address taken below does not pin the accumulators to the stack in the loop.
  __m512 out[kMR][2];
#pragma GCC unroll 12
  for (int i = 0; i < kMR; ++i) out[i][0] = acc[i][0], out[i][1] = acc[i][1];
  if (m == kMR && n == kNR && csc == 1) {
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
    for (int i = 0; i < kMR; ++i) {
      float* p = c + i * rsc;
      for (int v = 0; v < 2; ++v) {
        const __m512 prod = _mm512_mul_ps(va, out[i][v]);
        _mm512_storeu_ps(p + 16 * v, beta == 0.f ? prod : _mm512_fmadd_ps(vb, _mm512_loadu_ps(p + 16 * v), prod));
      }
    }
  } else {
    update_edge(c, rsc, csc, m, n, out, alpha, beta);
  }
}

}  // namespace ember::cpu::detail
