// AVX2/FMA builds of the float32 transcendental loops: the compiler vectorises the branch-free
// vec_math.h formulas 8 wide here. Compiled with -mavx2 -mfma; called only after a run-time CPU
// check (cpu/elementwise.cpp).
// Note [No trapping math]: GCC keeps the float selects of vec_math.h as branches (and so does not
// vectorise the loops) while it must preserve floating-point exception flags; ember never reads
// them. Set for the whole file so the inlined formulas and their loops share one setting.
#pragma GCC optimize("no-trapping-math")
#include "cpu/unary_f32_loops.h"

namespace ember::cpu {

bool unary_f32_avx2(UnaryOp op, float* out, const float* in, int64_t n) {
  return unary_f32_loops(op, out, in, n);
}

}  // namespace ember::cpu
