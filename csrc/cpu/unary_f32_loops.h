#pragma once
// The float32 transcendental loops over the branch-free vec_math.h formulas, included by
// elementwise_avx2.cpp and elementwise_avx512.cpp so that one source becomes 8-wide and 16-wide
// code. Everything is internal to the including file (Note [Internal linkage for SIMD code]).
#include <algorithm>
#include <cmath>

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

float libm_sin(float x) { return std::sin(x); }
float libm_cos(float x) { return std::cos(x); }

// The sin/cos formulas hold for |x| <= kSinCosLimit; a block holding anything else (a large value,
// inf, NaN) takes libm, so the common case stays one vector loop.
template <float (*fn)(float), float (*exact)(float)>
void apply_bounded(float* out, const float* in, int64_t n) {
  constexpr int64_t kBlock = 512;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t m = std::min(kBlock, n - b);
    int in_range = 1;
    for (int64_t i = 0; i < m; ++i) in_range &= std::fabs(in[b + i]) <= vec::kSinCosLimit;
    if (in_range) {
      apply<fn>(out + b, in + b, m);
    } else {
      for (int64_t i = 0; i < m; ++i) out[b + i] = exact(in[b + i]);
    }
  }
}

/// Runs `op` over n contiguous floats; false when `op` has no loop here.
bool unary_f32_loops(UnaryOp op, float* out, const float* in, int64_t n) {
  switch (op) {
    case UnaryOp::Exp: apply<vec::exp>(out, in, n); return true;
    case UnaryOp::Log: apply<vec::log>(out, in, n); return true;
    case UnaryOp::Tanh: apply<vec::tanh>(out, in, n); return true;
    case UnaryOp::Sin: apply_bounded<vec::sin, libm_sin>(out, in, n); return true;
    case UnaryOp::Cos: apply_bounded<vec::cos, libm_cos>(out, in, n); return true;
    case UnaryOp::Sigmoid: apply<vec::sigmoid>(out, in, n); return true;
    case UnaryOp::Gelu: apply<vec::gelu>(out, in, n); return true;
    case UnaryOp::GeluTanh: apply<vec::gelu_tanh>(out, in, n); return true;
    case UnaryOp::Silu: apply<vec::silu>(out, in, n); return true;
    default: return false;
  }
}

}  // namespace
}  // namespace ember::cpu
