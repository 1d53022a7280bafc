#pragma once
// Branch-free float32 exp, log, tanh and erfc. libm's expf/logf are opaque calls that stop the
// compiler from vectorising a loop; these are plain arithmetic, bit casts and selects, so the same
// source becomes SSE2 code in the portable kernels and AVX2/FMA code in elementwise_avx2.cpp.
//
// Note [Internal linkage for SIMD code]: everything here is `static`. The AVX2 translation unit
// includes this header too; with external (inline) linkage the linker could keep its AVX2 copy of
// a function for every caller and crash a CPU without AVX2.
//
// Accuracy: exp/log/tanh follow Cephes (about 1-2 ulp); erfc is Abramowitz & Stegun 7.1.26 (absolute
// error <= 1.5e-7), used only by gelu.
#include <cstdint>
#include <cstring>

#include "ops/elementwise.h"

namespace ember::cpu::vec {

static inline float from_bits(uint32_t i) {
  float f;
  std::memcpy(&f, &i, 4);
  return f;
}
static inline uint32_t to_bits(float f) {
  uint32_t i;
  std::memcpy(&i, &f, 4);
  return i;
}

static inline float exp(float x) {
  // e^hi is just below FLT_MAX; e^lo is half the smallest denormal.
  const float hi = 88.72283935546875f, lo = -103.97207708f;
  const float magic = 12582912.f;  // 1.5 * 2^23: adding it rounds to an integer held in the low bits
  float c = x > hi ? hi : x;
  c = c < lo ? lo : c;  // a NaN stays NaN through both selects
  float z = c * 1.44269504088896341f + magic;
  int32_t k = int32_t(to_bits(z) - to_bits(magic));  // round(x / ln 2), in [-150, 128]
  float kf = z - magic;
  float r = c - kf * 0.693359375f;  // ln 2 split in two so that kf * hi-part is exact
  r = r - kf * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  // 2^k as 2^k1 * 2^k2 with both halves normal, so that k = 128 (results just below FLT_MAX) and
  // k < -126 (denormal results) work.
  int32_t k1 = k >> 1, k2 = k - k1;
  float res = p * from_bits(uint32_t(k1 + 127) << 23) * from_bits(uint32_t(k2 + 127) << 23);
  res = x > hi ? from_bits(0x7f800000u) : res;
  return x < lo ? 0.f : res;
}

static inline float log(float x) {
  // Denormals are scaled into the normal range first.
  bool tiny = x < 1.17549435e-38f;
  float s = tiny ? x * 8388608.f : x;
  uint32_t b = to_bits(s);
  float e = float(int32_t((b >> 23) & 0xffu) - 126) - (tiny ? 23.f : 0.f);
  float m = from_bits((b & 0x807fffffu) | 0x3f000000u);  // mantissa in [0.5, 1)
  bool small = m < 0.707106781186547524f;
  e = small ? e - 1.f : e;
  m = small ? m + m - 1.f : m - 1.f;
  float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y = y + e * -2.12194440e-4f;
  y = y - 0.5f * z;
  float res = m + y + e * 0.693359375f;
  const float inf = from_bits(0x7f800000u), nan = from_bits(0x7fc00000u);
  res = x == inf ? inf : res;
  res = x == 0.f ? -inf : res;
  return (x < 0.f || x != x) ? nan : res;
}

/// sin(x), or cos(x) when is_cos, for |x| <= kSinCosLimit (Cephes sinf/cosf, about 1 ulp): x less
/// the nearest even multiple j of pi/4 (pi/4 split in three parts so that j * part is exact), then
/// a sine or cosine polynomial on [-pi/4, pi/4] picked by the quadrant. cos(x) = sin(x + pi/2).
constexpr float kSinCosLimit = 8192.f;
static inline float sin_or_cos(float x, bool is_cos) {
  float ax = x < 0.f ? -x : x;
  int32_t j = int32_t(ax * 1.27323954473516f);
  j = (j + 1) & ~1;
  float y = float(j);
  float r = ((ax - y * 0.78515625f) - y * 2.4187564849853515625e-4f) - y * 3.77489497744594108e-8f;
  float z = r * r;
  float s = ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
  float c = ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z -
            0.5f * z + 1.f;
  int32_t quadrant = (j >> 1) + (is_cos ? 1 : 0);
  float v = (quadrant & 1) ? c : s;
  bool negative = ((quadrant & 2) != 0) != (!is_cos && x < 0.f);
  return negative ? -v : v;
}
static inline float sin(float x) { return sin_or_cos(x, false); }
static inline float cos(float x) { return sin_or_cos(x, true); }

static inline float tanh(float x) {
  float ax = x < 0.f ? -x : x;
  // Small |x|: odd polynomial (the exp form below loses digits to cancellation there).
  float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  float small = p * z * x + x;
  float big = 1.f - 2.f / (exp(2.f * ax) + 1.f);
  big = x < 0.f ? -big : big;
  return ax < 0.625f ? small : big;
}

static inline float sigmoid(float x) { return 1.f / (1.f + exp(-x)); }

/// erfc(z) for z >= 0 (Abramowitz & Stegun 7.1.26).
static inline float erfc_nonneg(float z) {
  float t = 1.f / (1.f + 0.3275911f * z);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  return p * t * exp(-z * z);
}

/// x * Phi(x) computed without cancellation for negative x: 1 + erf(-z) = erfc(z).
static inline float gelu(float x) {
  float q = erfc_nonneg((x < 0.f ? -x : x) * 0.70710678118654752f);
  return 0.5f * x * (x < 0.f ? q : 2.f - q);
}

static inline float gelu_tanh(float x) {
  float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.f + tanh(inner));
}

static inline float silu(float x) { return x / (1.f + exp(-x)); }

}  // namespace ember::cpu::vec

namespace ember::cpu {
/// Run `op` over n contiguous float32 values with AVX2/FMA (AVX-512F) code; false when `op` has
/// no such loop. Call only when cpu_has_avx2_fma() (cpu_use_avx512()) says the CPU has them.
bool unary_f32_avx2(UnaryOp op, float* out, const float* in, int64_t n);
bool unary_f32_avx512(UnaryOp op, float* out, const float* in, int64_t n);
}  // namespace ember::cpu
