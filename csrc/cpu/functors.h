#pragma once
// One small functor per elementwise op. Kernels inline them into the shared loops in loops.h.
#include <cmath>
#include <cstdint>
#include <type_traits>

namespace ember::cpu {

// ---- unary ----
struct NegOp { template <typename T> T operator()(T a) const { return -a; } };
struct ExpOp { template <typename T> T operator()(T a) const { return std::exp(a); } };
struct LogOp { template <typename T> T operator()(T a) const { return std::log(a); } };
struct SqrtOp { template <typename T> T operator()(T a) const { return std::sqrt(a); } };
struct AbsOp {
  template <typename T> T operator()(T a) const {
    if constexpr (std::is_unsigned_v<T>) return a; else return a < 0 ? T(-a) : a;
  }
};
struct TanhOp { template <typename T> T operator()(T a) const { return std::tanh(a); } };
struct SigmoidOp { template <typename T> T operator()(T a) const { return T(1) / (T(1) + std::exp(-a)); } };
struct ReluOp { template <typename T> T operator()(T a) const { return a > T(0) ? a : T(0); } };

// ---- binary ----
struct AddOp { template <typename T> T operator()(T a, T b) const { return a + b; } };
struct SubOp { template <typename T> T operator()(T a, T b) const { return a - b; } };
struct MulOp { template <typename T> T operator()(T a, T b) const { return a * b; } };
struct DivOp { template <typename T> T operator()(T a, T b) const { return a / b; } };
struct EqOp { template <typename T> bool operator()(T a, T b) const { return a == b; } };
struct NeOp { template <typename T> bool operator()(T a, T b) const { return a != b; } };
struct LtOp { template <typename T> bool operator()(T a, T b) const { return a < b; } };
struct LeOp { template <typename T> bool operator()(T a, T b) const { return a <= b; } };
struct GtOp { template <typename T> bool operator()(T a, T b) const { return a > b; } };
struct GeOp { template <typename T> bool operator()(T a, T b) const { return a >= b; } };

}  // namespace ember::cpu
