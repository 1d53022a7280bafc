// CPU kernels of the unary and ternary elementwise families: one switch per call picks the
// functor and the dtypes it is instantiated for; the shared loop in loops.h does the rest.
// Note [No trapping math]: GCC keeps the float selects of vec_math.h as branches (and so does not
// vectorise the loops) while it must preserve floating-point exception flags; ember never reads
// them. Set for the whole file so the inlined formulas and their loops share one setting.
#pragma GCC optimize("no-trapping-math")
#include "cpu/cpu_features.h"
#include "cpu/functors.h"
#include "cpu/loops.h"
#include "ops/elementwise.h"

namespace ember::cpu {
namespace {

// Which dtypes a unary functor is instantiated for. The op layer has already converted the input
// to a dtype the op accepts, so the other cases are unreachable.
enum class Types { Floating, All, Integral, Predicate, FloatingToInt32 };

template <Types types, typename Op>
void unary_typed(const Tensor& out, const Tensor& in, const Op& op) {
  StridedLoop loop{out, in};
  auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (types == Types::Predicate) elementwise_loop<bool, T>(loop, op);
    else if constexpr (types == Types::FloatingToInt32) elementwise_loop<int32_t, T>(loop, op);
    else elementwise_loop<T, T>(loop, op);
  };
  if constexpr (types == Types::Floating || types == Types::FloatingToInt32) {
    dispatch_floating(in.dtype(), "unary", run);
  } else if constexpr (types == Types::Integral) {
    EMBER_CHECK(!is_floating(in.dtype()), "[unary] integral dtype expected");
    dispatch_all(in.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (!std::is_floating_point_v<T>) run(tag);
    });
  } else {
    dispatch_all(in.dtype(), run);
  }
}

// float32 exp/log/tanh/sigmoid/gelu/silu: contiguous runs go to the AVX2 loops when the CPU has
// them; everything else takes the portable loop over the same vec_math.h formulas.
template <typename Op>
bool unary_f32_fast(UnaryOp op, const Tensor& out, const Tensor& in, const Op& functor) {
#ifdef EMBER_HAVE_X86
  if (in.dtype() != DType::Float32 || !cpu_has_avx2_fma()) return false;
  auto simd_loop = cpu_use_avx512() ? unary_f32_avx512 : unary_f32_avx2;
  StridedLoop loop{out, in};
  loop.for_each([&](char** data, const int64_t* s, int64_t n) {
    if (s[0] == 4 && s[1] == 4 && simd_loop(op, reinterpret_cast<float*>(data[0]),
                                            reinterpret_cast<const float*>(data[1]), n))
      return;
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<float*>(data[0] + i * s[0]) =
          functor(*reinterpret_cast<const float*>(data[1] + i * s[1]));
  });
  return true;
#else
  return false;
#endif
}

template <typename Op>
void unary_fast_float(UnaryOp op, const Tensor& out, const Tensor& in, const Op& functor) {
  if (!unary_f32_fast(op, out, in, functor)) unary_typed<Types::Floating>(out, in, functor);
}

void unary_cpu(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args) {
  using U = UnaryOp;
  constexpr Types F = Types::Floating, A = Types::All;
  switch (op) {
    case U::Neg: return unary_typed<A>(out, in, NegOp{});
    case U::Exp: return unary_fast_float(op, out, in, ExpOp{});
    case U::Exp2: return unary_typed<F>(out, in, Exp2Op{});
    case U::Log: return unary_fast_float(op, out, in, LogOp{});
    case U::Log2: return unary_typed<F>(out, in, Log2Op{});
    case U::Log10: return unary_typed<F>(out, in, Log10Op{});
    case U::Log1p: return unary_typed<F>(out, in, Log1pOp{});
    case U::Expm1: return unary_typed<F>(out, in, Expm1Op{});
    case U::Sqrt: return unary_typed<F>(out, in, SqrtOp{});
    case U::Rsqrt: return unary_typed<F>(out, in, RsqrtOp{});
    case U::Abs: return unary_typed<A>(out, in, AbsOp{});
    case U::Sign: return unary_typed<A>(out, in, SignOp{});
    case U::Sin: return unary_fast_float(op, out, in, SinOp{});
    case U::Cos: return unary_fast_float(op, out, in, CosOp{});
    case U::Tan: return unary_typed<F>(out, in, TanOp{});
    case U::Asin: return unary_typed<F>(out, in, AsinOp{});
    case U::Acos: return unary_typed<F>(out, in, AcosOp{});
    case U::Atan: return unary_typed<F>(out, in, AtanOp{});
    case U::Sinh: return unary_typed<F>(out, in, SinhOp{});
    case U::Cosh: return unary_typed<F>(out, in, CoshOp{});
    case U::Tanh: return unary_fast_float(op, out, in, TanhOp{});
    case U::Sigmoid: return unary_fast_float(op, out, in, SigmoidOp{});
    case U::Relu: return unary_typed<A>(out, in, ReluOp{});
    case U::Gelu: return unary_fast_float(op, out, in, GeluOp{});
    case U::GeluTanh: return unary_fast_float(op, out, in, GeluTanhOp{});
    case U::Silu: return unary_fast_float(op, out, in, SiluOp{});
    case U::Softplus: return unary_typed<F>(out, in, SoftplusOp{args.a, args.b});
    case U::Erf: return unary_typed<F>(out, in, ErfOp{});
    case U::Erfc: return unary_typed<F>(out, in, ErfcOp{});
    case U::Erfinv: return unary_typed<F>(out, in, ErfinvOp{});
    case U::Floor: return unary_typed<A>(out, in, FloorOp{});
    case U::Ceil: return unary_typed<A>(out, in, CeilOp{});
    case U::Round:
      if (args.a == 0) return unary_typed<A>(out, in, RoundOp{});
      return unary_typed<F>(out, in, RoundDecimalsOp{args.a});
    case U::Trunc: return unary_typed<A>(out, in, TruncOp{});
    case U::Frac: return unary_typed<F>(out, in, FracOp{});
    case U::Reciprocal: return unary_typed<F>(out, in, ReciprocalOp{});
    case U::Square: return unary_typed<A>(out, in, SquareOp{});
    case U::NanToNum: return unary_typed<A>(out, in, NanToNumOp{args.a, args.b, args.c});
    case U::BitwiseNot: return unary_typed<Types::Integral>(out, in, BitwiseNotOp{});
    case U::LogicalNot: return unary_typed<Types::Predicate>(out, in, LogicalNotOp{});
    case U::IsNan: return unary_typed<Types::Predicate>(out, in, IsNanOp{});
    case U::IsInf: return unary_typed<Types::Predicate>(out, in, IsInfOp{});
    case U::IsFinite: return unary_typed<Types::Predicate>(out, in, IsFiniteOp{});
    case U::Asinh: return unary_typed<F>(out, in, AsinhOp{});
    case U::Acosh: return unary_typed<F>(out, in, AcoshOp{});
    case U::Atanh: return unary_typed<F>(out, in, AtanhOp{});
    case U::Lgamma: return unary_typed<F>(out, in, LgammaOp{});
    case U::Digamma: return unary_typed<F>(out, in, DigammaOp{});
    case U::Polygamma: return unary_typed<F>(out, in, PolygammaOp{static_cast<int64_t>(args.a)});
    case U::I0: return unary_typed<F>(out, in, I0Op{});
    case U::I0e: return unary_typed<F>(out, in, I0eOp{});
    case U::I1: return unary_typed<F>(out, in, I1Op{});
    case U::I1e: return unary_typed<F>(out, in, I1eOp{});
    case U::Sinc: return unary_typed<F>(out, in, SincOp{});
    case U::Logit: return unary_typed<F>(out, in, LogitOp{args.a});
    case U::Erfcx: return unary_typed<F>(out, in, ErfcxOp{});
    case U::Ndtr: return unary_typed<F>(out, in, NdtrOp{});
    case U::Ndtri: return unary_typed<F>(out, in, NdtriOp{});
    case U::LogNdtr: return unary_typed<F>(out, in, LogNdtrOp{});
    case U::Entr: return unary_typed<F>(out, in, EntrOp{});
    case U::Angle: return unary_typed<F>(out, in, AngleOp{});
    case U::FrexpMantissa: return unary_typed<F>(out, in, FrexpMantissaOp{});
    case U::FrexpExponent: return unary_typed<Types::FloatingToInt32>(out, in, FrexpExponentOp{});
    case U::Signbit: return unary_typed<Types::Predicate>(out, in, SignbitOp{});
    case U::IsPosInf: return unary_typed<Types::Predicate>(out, in, IsPosInfOp{});
    case U::IsNegInf: return unary_typed<Types::Predicate>(out, in, IsNegInfOp{});
    case U::BesselJ0: return unary_typed<F>(out, in, BesselJ0Op{});
    case U::BesselJ1: return unary_typed<F>(out, in, BesselJ1Op{});
    case U::BesselY0: return unary_typed<F>(out, in, BesselY0Op{});
    case U::BesselY1: return unary_typed<F>(out, in, BesselY1Op{});
    case U::BesselK0: return unary_typed<F>(out, in, BesselK0Op{});
    case U::BesselK1: return unary_typed<F>(out, in, BesselK1Op{});
    case U::BesselK0e: return unary_typed<F>(out, in, BesselK0eOp{});
    case U::BesselK1e: return unary_typed<F>(out, in, BesselK1eOp{});
    case U::SphericalBesselJ0: return unary_typed<F>(out, in, SphericalBesselJ0Op{});
    case U::AiryAi: return unary_typed<F>(out, in, AiryAiOp{});
  }
}

void ternary_cpu(TernaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c) {
  StridedLoop loop{out, a, b, c};
  switch (op) {
    case TernaryOp::Clamp:
      return dispatch_all(out.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        elementwise_loop<T, T, T, T>(loop, ClampOp{});
      });
    case TernaryOp::Where:
      return dispatch_all(out.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        elementwise_loop<T, bool, T, T>(loop, WhereOp{});
      });
    case TernaryOp::Lerp:
      return dispatch_floating(out.dtype(), "lerp", [&](auto tag) {
        using T = typename decltype(tag)::type;
        elementwise_loop<T, T, T, T>(loop, LerpOp{});
      });
  }
}

}  // namespace

EMBER_REGISTER_KERNEL(unary_kernel, CPU, &unary_cpu);
EMBER_REGISTER_KERNEL(ternary_kernel, CPU, &ternary_cpu);

}  // namespace ember::cpu
