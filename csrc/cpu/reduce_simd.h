#pragma once
// The exp pass of softmax: out[i] = exp(x[i] - mx), returning the sum of the out[i] in double.
// float rows take an AVX2 path (reduce_avx2.cpp) on CPUs that have it: a scalar std::exp per
// element costs ~4x the rest of the softmax.
#include <cmath>
#include <cstdint>

#include "cpu/cpu_features.h"

namespace ember::cpu {

namespace detail {
/// AVX2+FMA version for float; call only when the CPU has both.
double exp_sub_sum_f32_avx2(float* out, const float* x, int64_t n, float mx);
}  // namespace detail

template <typename T>
double exp_sub_sum(T* out, const T* x, int64_t n, T mx) {
#ifdef EMBER_HAVE_X86
  if constexpr (sizeof(T) == 4) {
    if (cpu_has_avx2_fma()) return detail::exp_sub_sum_f32_avx2(out, x, n, mx);
  }
#endif
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = std::exp(x[i] - mx);
    sum += out[i];
  }
  return sum;
}

}  // namespace ember::cpu
