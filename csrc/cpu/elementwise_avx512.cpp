// AVX-512F builds of the float32 transcendental loops: the same vec_math.h formulas as
// elementwise_avx2.cpp, 16 wide. Compiled with -mavx512f -mfma; called only when
// cpu_use_avx512() (see Note [No trapping math] in elementwise_avx2.cpp).
#pragma GCC optimize("no-trapping-math")
#include "cpu/unary_f32_loops.h"

namespace ember::cpu {

bool unary_f32_avx512(UnaryOp op, float* out, const float* in, int64_t n) {
  return unary_f32_loops(op, out, in, n);
}

}  // namespace ember::cpu
