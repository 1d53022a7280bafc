// AVX2/FMA builds of the float32 transcendental loops: the compiler vectorises the branch-free
// vec_math.h formulas 8 wide here (see Note [Internal linkage for SIMD code]). Compiled with
// -mavx2 -mfma; called only after a run-time CPU check (cpu/elementwise.cpp).
// Note [No trapping math]: GCC keeps the float selects of vec_math.h as branches (and so does not
// vectorise the loops) while it must preserve floating-point exception flags; ember never reads
// them. Set for the whole file so the inlined formulas and their loops share one setting.
#pragma GCC optimize("no-trapping-math")
#include "cpu/vec_math.h"

namespace ember::cpu {

namespace {
template <float (*fn)(float)>
void run(float* __restrict out, const float* __restrict in, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = fn(in[i]);
}
// In place (out == in) the restrict loop above would be wrong to assume no aliasing.
template <float (*fn)(float)>
void run_inplace(float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = fn(out[i]);
}
template <float (*fn)(float)>
void apply(float* out, const float* in, int64_t n) {
  if (out == in) run_inplace<fn>(out, n);
  else run<fn>(out, in, n);
}
}  // namespace

bool unary_f32_avx2(UnaryOp op, float* out, const float* in, int64_t n) {
  switch (op) {
    case UnaryOp::Exp: apply<vec::exp>(out, in, n); return true;
    case UnaryOp::Log: apply<vec::log>(out, in, n); return true;
    case UnaryOp::Tanh: apply<vec::tanh>(out, in, n); return true;
    case UnaryOp::Sigmoid: apply<vec::sigmoid>(out, in, n); return true;
    case UnaryOp::Gelu: apply<vec::gelu>(out, in, n); return true;
    case UnaryOp::GeluTanh: apply<vec::gelu_tanh>(out, in, n); return true;
    case UnaryOp::Silu: apply<vec::silu>(out, in, n); return true;
    default: return false;
  }
}

}  // namespace ember::cpu
