// CPU kernels of the binary elementwise family: one switch per call picks the functor and the
// dtypes it is instantiated for; the shared loop in loops.h does the rest.
#include "cpu/functors.h"
#include "cpu/loops.h"
#include "ops/elementwise.h"

namespace ember::cpu {
namespace {

// Which dtypes a functor is instantiated for. The op layer has already converted the operands to
// a dtype the op accepts (and raised PyTorch's error otherwise).
enum class Types { All, Numeric, Floating, Integral };

template <Types types, typename F>
void dispatch(DType t, F&& f) {
  if constexpr (types == Types::Floating) {
    dispatch_floating(t, "binary", f);
  } else if constexpr (types == Types::Numeric) {
    dispatch_numeric(t, "binary", f);
  } else if constexpr (types == Types::Integral) {
    dispatch_all(t, [&](auto tag) {
      if constexpr (!std::is_floating_point_v<typename decltype(tag)::type>) f(tag);
    });
  } else {
    dispatch_all(t, f);
  }
}

// Output of the operands' type.
template <Types types, typename Op>
void arithmetic(const Tensor& out, const Tensor& a, const Tensor& b) {
  StridedLoop loop{out, a, b};
  dispatch<types>(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_loop<T, T, T>(loop, Op{});
  });
}

// Comparisons and logical ops: bool output.
template <typename Op>
void predicate(const Tensor& out, const Tensor& a, const Tensor& b) {
  StridedLoop loop{out, a, b};
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_loop<bool, T, T>(loop, Op{});
  });
}

void binary_cpu(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  using B = BinaryOp;
  constexpr Types A = Types::All, N = Types::Numeric, F = Types::Floating, I = Types::Integral;
  switch (op) {
    case B::Add: return arithmetic<A, AddOp>(out, a, b);
    case B::Sub: return arithmetic<N, SubOp>(out, a, b);
    case B::Mul: return arithmetic<A, MulOp>(out, a, b);
    case B::Div: return arithmetic<F, DivOp>(out, a, b);
    case B::DivTrunc: return arithmetic<N, DivTruncOp>(out, a, b);
    case B::DivFloor: return arithmetic<N, DivFloorOp>(out, a, b);
    case B::Remainder: return arithmetic<N, RemainderOp>(out, a, b);
    case B::Fmod: return arithmetic<N, FmodOp>(out, a, b);
    case B::Pow: return arithmetic<N, PowOp>(out, a, b);
    case B::Maximum: return arithmetic<A, MaximumOp>(out, a, b);
    case B::Minimum: return arithmetic<A, MinimumOp>(out, a, b);
    case B::Fmax: return arithmetic<A, FmaxOp>(out, a, b);
    case B::Fmin: return arithmetic<A, FminOp>(out, a, b);
    case B::Atan2: return arithmetic<F, Atan2Op>(out, a, b);
    case B::BitwiseAnd: return arithmetic<I, BitwiseAndOp>(out, a, b);
    case B::BitwiseOr: return arithmetic<I, BitwiseOrOp>(out, a, b);
    case B::BitwiseXor: return arithmetic<I, BitwiseXorOp>(out, a, b);
    case B::Eq: return predicate<EqOp>(out, a, b);
    case B::Ne: return predicate<NeOp>(out, a, b);
    case B::Lt: return predicate<LtOp>(out, a, b);
    case B::Le: return predicate<LeOp>(out, a, b);
    case B::Gt: return predicate<GtOp>(out, a, b);
    case B::Ge: return predicate<GeOp>(out, a, b);
    case B::LogicalAnd: return predicate<LogicalAndOp>(out, a, b);
    case B::LogicalOr: return predicate<LogicalOrOp>(out, a, b);
    case B::LogicalXor: return predicate<LogicalXorOp>(out, a, b);
    case B::Hypot: return arithmetic<F, HypotOp>(out, a, b);
    case B::LogAddExp: return arithmetic<F, LogAddExpOp>(out, a, b);
    case B::LogAddExp2: return arithmetic<F, LogAddExp2Op>(out, a, b);
    case B::Xlogy: return arithmetic<F, XlogyOp>(out, a, b);
    case B::Xlog1py: return arithmetic<F, Xlog1pyOp>(out, a, b);
    case B::Copysign: return arithmetic<F, CopysignOp>(out, a, b);
    case B::NextAfter: return arithmetic<F, NextAfterOp>(out, a, b);
    case B::Igamma: return arithmetic<F, IgammaOp>(out, a, b);
    case B::Igammac: return arithmetic<F, IgammacOp>(out, a, b);
    case B::Zeta: return arithmetic<F, ZetaOp>(out, a, b);
    case B::Gcd: return arithmetic<I, GcdOp>(out, a, b);
    case B::Lcm: return arithmetic<I, LcmOp>(out, a, b);
    case B::LeftShift: return arithmetic<I, LeftShiftOp>(out, a, b);
    case B::RightShift: return arithmetic<I, RightShiftOp>(out, a, b);
    case B::Heaviside: return arithmetic<A, HeavisideOp>(out, a, b);
    case B::ChebyshevT: return arithmetic<F, ChebyshevTOp>(out, a, b);
    case B::ChebyshevU: return arithmetic<F, ChebyshevUOp>(out, a, b);
    case B::ChebyshevV: return arithmetic<F, ChebyshevVOp>(out, a, b);
    case B::ChebyshevW: return arithmetic<F, ChebyshevWOp>(out, a, b);
    case B::ShiftedChebyshevT: return arithmetic<F, ShiftedChebyshevTOp>(out, a, b);
    case B::ShiftedChebyshevU: return arithmetic<F, ShiftedChebyshevUOp>(out, a, b);
    case B::ShiftedChebyshevV: return arithmetic<F, ShiftedChebyshevVOp>(out, a, b);
    case B::ShiftedChebyshevW: return arithmetic<F, ShiftedChebyshevWOp>(out, a, b);
    case B::HermiteH: return arithmetic<F, HermiteHOp>(out, a, b);
    case B::HermiteHe: return arithmetic<F, HermiteHeOp>(out, a, b);
    case B::LaguerreL: return arithmetic<F, LaguerreLOp>(out, a, b);
    case B::LegendreP: return arithmetic<F, LegendrePOp>(out, a, b);
  }
}

}  // namespace

EMBER_REGISTER_KERNEL(binary_kernel, CPU, &binary_cpu);

}  // namespace ember::cpu
