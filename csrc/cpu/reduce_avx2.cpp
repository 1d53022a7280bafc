// AVX2+FMA exp for softmax rows (see reduce_simd.h).
//
// exp(t) = 2^k * exp(r) with k = round(t / ln 2) and r = t - k ln 2 in [-ln2/2, ln2/2]; exp(r) is
// the degree-6 Cephes polynomial (relative error ~1e-7, i.e. float rounding) and 2^k is built in
// the exponent bits. t = x - max <= 0, so only underflow needs care: t < ln(FLT_MIN) gives 0, and
// NaN passes through.
#include <immintrin.h>

#include "cpu/reduce_simd.h"

namespace ember::cpu::detail {

static inline __m256 exp_ps(__m256 t) {
  const __m256 lo = _mm256_set1_ps(-87.33654f);
  const __m256 underflow = _mm256_cmp_ps(t, lo, _CMP_LT_OQ);
  const __m256 nan = _mm256_cmp_ps(t, t, _CMP_UNORD_Q);
  const __m256 x = _mm256_max_ps(t, lo);
  const __m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
  y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  y = _mm256_andnot_ps(underflow, y);
  return _mm256_blendv_ps(y, t, nan);
}

double exp_sub_sum_f32_avx2(float* out, const float* x, int64_t n, float mx) {
  const __m256 m = _mm256_set1_ps(mx);
  __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 y = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    _mm256_storeu_ps(out + i, y);
    s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(y)));
    s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1)));
  }
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, _mm256_add_pd(s0, s1));
  double sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  if (i < n) {  // the tail through the same polynomial, so a row never mixes two exp versions
    alignas(32) float buf[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t r = n - i;
    for (int64_t j = 0; j < r; ++j) buf[j] = x[i + j] - mx;
    _mm256_store_ps(buf, exp_ps(_mm256_load_ps(buf)));
    for (int64_t j = 0; j < r; ++j) {
      out[i + j] = buf[j];
      sum += buf[j];
    }
  }
  return sum;
}

}  // namespace ember::cpu::detail
