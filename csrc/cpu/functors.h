#pragma once
// One small functor per elementwise op. Kernels inline them into the shared loops in loops.h; the
// kernel picks which dtypes each functor is instantiated for (float-only math never sees an int).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <type_traits>

#include "core/error.h"
#include "cpu/special_math.h"
#include "cpu/vec_math.h"

namespace ember::cpu {

template <typename T>
constexpr bool is_f32 = std::is_same_v<T, float>;
template <typename T>
constexpr bool is_bool = std::is_same_v<T, bool>;

/// erf^-1(y) in double. The first guess is M. Giles' single-precision polynomial in
/// w = -log(1 - y^2) ("Approximating the erfinv function", GPU Computing Gems, 2011; relative error
/// ~4e-7 in float's range), then refined. Below |y| = 0.5: Halley steps on f = erf(x) - |y|,
/// x -= f / (f' + x f) (f'' = -2 x f'), cubic. Above: Newton steps on log(erfc(x)) = log(1 - |y|),
/// whose target is exact there (Sterbenz) and which is nearly linear in x^2, so it converges
/// quadratically even from the polynomial's poor extrapolation as |y| -> 1 in double (w >= 5).
inline double erfinv_scalar(double y) {
  const double a = std::fabs(y);
  if (!(a < 1)) return a == 1 ? std::copysign(std::numeric_limits<double>::infinity(), y)
                              : std::numeric_limits<double>::quiet_NaN();
  double w = -std::log((1 - a) * (1 + a)), p;
  const bool far_tail = w >= 5;
  if (!far_tail) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                     -0.00417768164, 0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                     0.00943887047, 1.00167406, 2.83297682})
      p = c + p * w;
  }
  double x = p * a;
  if (a < 0.5) {
    for (int i = 0; i < 2; ++i) {
      const double f = std::erf(x) - a;
      x -= f / (1.12837916709551257390 * std::exp(-x * x) + x * f);
    }
  } else {
    const double log_q = std::log(1 - a);
    for (int i = 0; i < (far_tail ? 4 : 2); ++i) {
      const double e = std::erfc(x);
      x += (std::log(e) - log_q) * e * 0.88622692545275801365 * std::exp(x * x);
    }
  }
  return std::copysign(x, y);
}

// ---- unary, floating point only --------------------------------------------------------------

#define EMBER_FLOAT_UNARY(Name, expr) \
  struct Name {                       \
    template <typename T>             \
    T operator()(T a) const {         \
      return expr;                    \
    }                                 \
  };
// exp/log/tanh/sigmoid/gelu/silu use the vectorisable float32 forms of vec_math.h.
EMBER_FLOAT_UNARY(ExpOp, is_f32<T> ? T(vec::exp(float(a))) : std::exp(a))
EMBER_FLOAT_UNARY(Exp2Op, std::exp2(a))
EMBER_FLOAT_UNARY(LogOp, is_f32<T> ? T(vec::log(float(a))) : std::log(a))
EMBER_FLOAT_UNARY(Log2Op, std::log2(a))
EMBER_FLOAT_UNARY(Log10Op, std::log10(a))
EMBER_FLOAT_UNARY(Log1pOp, std::log1p(a))
EMBER_FLOAT_UNARY(Expm1Op, std::expm1(a))
EMBER_FLOAT_UNARY(SqrtOp, std::sqrt(a))
EMBER_FLOAT_UNARY(RsqrtOp, T(1) / std::sqrt(a))
EMBER_FLOAT_UNARY(SinOp, std::sin(a))
EMBER_FLOAT_UNARY(CosOp, std::cos(a))
EMBER_FLOAT_UNARY(TanOp, std::tan(a))
EMBER_FLOAT_UNARY(AsinOp, std::asin(a))
EMBER_FLOAT_UNARY(AcosOp, std::acos(a))
EMBER_FLOAT_UNARY(AtanOp, std::atan(a))
EMBER_FLOAT_UNARY(SinhOp, std::sinh(a))
EMBER_FLOAT_UNARY(CoshOp, std::cosh(a))
EMBER_FLOAT_UNARY(TanhOp, is_f32<T> ? T(vec::tanh(float(a))) : std::tanh(a))
EMBER_FLOAT_UNARY(SigmoidOp, is_f32<T> ? T(vec::sigmoid(float(a))) : T(1) / (T(1) + std::exp(-a)))
EMBER_FLOAT_UNARY(GeluOp, is_f32<T> ? T(vec::gelu(float(a)))
                                    : T(0.5) * a * (T(1) + std::erf(a * T(0.70710678118654752440))))
EMBER_FLOAT_UNARY(GeluTanhOp,
                  is_f32<T> ? T(vec::gelu_tanh(float(a)))
                            : T(0.5) * a * (T(1) + std::tanh(T(0.79788456080286535588) * (a + T(0.044715) * a * a * a))))
EMBER_FLOAT_UNARY(SiluOp, is_f32<T> ? T(vec::silu(float(a))) : a / (T(1) + std::exp(-a)))
EMBER_FLOAT_UNARY(ErfOp, std::erf(a))
EMBER_FLOAT_UNARY(ErfcOp, std::erfc(a))
EMBER_FLOAT_UNARY(ErfinvOp, T(erfinv_scalar(double(a))))
EMBER_FLOAT_UNARY(FracOp, a - std::trunc(a))
EMBER_FLOAT_UNARY(ReciprocalOp, T(1) / a)

// ---- special functions: float32 is computed in double (special_math.h) and rounded -------------

EMBER_FLOAT_UNARY(AsinhOp, std::asinh(a))
EMBER_FLOAT_UNARY(AcoshOp, std::acosh(a))
EMBER_FLOAT_UNARY(AtanhOp, std::atanh(a))
EMBER_FLOAT_UNARY(LgammaOp, std::lgamma(a))
EMBER_FLOAT_UNARY(DigammaOp, T(special::digamma(double(a))))
EMBER_FLOAT_UNARY(I0Op, T(special::bessel_i0(double(a))))
EMBER_FLOAT_UNARY(I0eOp, T(special::bessel_i0e(double(a))))
EMBER_FLOAT_UNARY(I1Op, T(special::bessel_i1(double(a))))
EMBER_FLOAT_UNARY(I1eOp, T(special::bessel_i1e(double(a))))
EMBER_FLOAT_UNARY(ErfcxOp, T(special::erfcx(double(a))))
EMBER_FLOAT_UNARY(NdtrOp, T(0.5 * std::erfc(-double(a) * 0.70710678118654752440)))
EMBER_FLOAT_UNARY(NdtriOp, T(special::ndtri(double(a))))
EMBER_FLOAT_UNARY(LogNdtrOp, T(special::log_ndtr(double(a))))
EMBER_FLOAT_UNARY(BesselJ0Op, T(special::bessel_j0(double(a))))
EMBER_FLOAT_UNARY(BesselJ1Op, T(special::bessel_j1(double(a))))
EMBER_FLOAT_UNARY(BesselY0Op, T(special::bessel_y0(double(a))))
EMBER_FLOAT_UNARY(BesselY1Op, T(special::bessel_y1(double(a))))
EMBER_FLOAT_UNARY(BesselK0Op, T(special::bessel_k0(double(a))))
EMBER_FLOAT_UNARY(BesselK1Op, T(special::bessel_k1(double(a))))
EMBER_FLOAT_UNARY(BesselK0eOp, T(special::bessel_k0e(double(a))))
EMBER_FLOAT_UNARY(BesselK1eOp, T(special::bessel_k1e(double(a))))
EMBER_FLOAT_UNARY(SphericalBesselJ0Op, T(special::spherical_bessel_j0(double(a))))
EMBER_FLOAT_UNARY(AiryAiOp, T(special::airy_ai(double(a))))
// -x log x: 0 at 0, -inf for negative x (PyTorch's entr), NaN stays NaN.
EMBER_FLOAT_UNARY(EntrOp, a > T(0) ? -a * std::log(a) : a == T(0) ? T(0)
                          : a < T(0) ? -std::numeric_limits<T>::infinity() : a)
// The argument of a real number: pi for negative x, 0 otherwise, NaN stays NaN.
EMBER_FLOAT_UNARY(AngleOp, a != a ? a : a < T(0) ? T(3.14159265358979323846) : T(0))
EMBER_FLOAT_UNARY(FrexpMantissaOp, [a] { int e; return std::frexp(a, &e); }())
/// sin(pi x) / (pi x), 1 at 0, evaluated as PyTorch does.
struct SincOp {
  template <typename T>
  T operator()(T a) const {
    if (a == T(0)) return T(1);
    T pi_a = T(3.14159265358979323846) * a;
    return std::sin(pi_a) / pi_a;
  }
};
struct PolygammaOp {
  int64_t n;
  template <typename T>
  T operator()(T a) const { return T(special::polygamma(n, double(a))); }
};
/// log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps >= 0.
struct LogitOp {
  double eps;
  template <typename T>
  T operator()(T a) const {
    if (eps >= 0) {
      const T lo = T(eps), hi = T(1) - lo;
      a = a < lo ? lo : a > hi ? hi : a;
    }
    return std::log(a / (T(1) - a));
  }
};
#undef EMBER_FLOAT_UNARY

struct SoftplusOp {
  double beta, threshold;
  template <typename T>
  T operator()(T a) const {
    T b = T(beta);
    return a * b > T(threshold) ? a : std::log1p(std::exp(a * b)) / b;
  }
};

/// PyTorch's round with decimals: scale, round half to even, scale back.
struct RoundDecimalsOp {
  double decimals;
  template <typename T>
  T operator()(T a) const {
    bool neg = decimals < 0;
    T ten_pow = T(std::pow(10.0, neg ? -decimals : decimals));
    return neg ? std::nearbyint(a / ten_pow) * ten_pow : std::nearbyint(a * ten_pow) / ten_pow;
  }
};

// ---- unary, every dtype (integer forms are exact) --------------------------------------------

struct NegOp {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_bool<T>) return a;
    else return T(-a);
  }
};
struct AbsOp {
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_unsigned_v<T> || is_bool<T>) return a;
    else return a < T(0) ? T(-a) : a;
  }
};
/// sign(NaN) is 0, as in PyTorch.
struct SignOp {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_bool<T>) return a;
    else return T((T(0) < a) - (a < T(0)));
  }
};
/// relu(NaN) is NaN.
struct ReluOp {
  template <typename T>
  T operator()(T a) const { return a < T(0) ? T(0) : a; }
};
struct SquareOp {
  template <typename T>
  T operator()(T a) const { return T(a * a); }
};
#define EMBER_ROUNDING_UNARY(Name, fn)                    \
  struct Name {                                           \
    template <typename T>                                 \
    T operator()(T a) const {                             \
      if constexpr (std::is_floating_point_v<T>) return fn(a); \
      else return a;                                      \
    }                                                     \
  };
EMBER_ROUNDING_UNARY(FloorOp, std::floor)
EMBER_ROUNDING_UNARY(CeilOp, std::ceil)
EMBER_ROUNDING_UNARY(RoundOp, std::nearbyint)  // half to even, like PyTorch
EMBER_ROUNDING_UNARY(TruncOp, std::trunc)
#undef EMBER_ROUNDING_UNARY

struct NanToNumOp {
  double nan, posinf, neginf;
  template <typename T>
  T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) {
      const T inf = std::numeric_limits<T>::infinity();
      return a != a ? T(nan) : a == inf ? T(posinf) : a == -inf ? T(neginf) : a;
    } else {
      return a;
    }
  }
};

/// bool and integers only; ~ on bool is logical not.
struct BitwiseNotOp {
  template <typename T>
  T operator()(T a) const {
    if constexpr (is_bool<T>) return !a;
    else return T(~a);
  }
};

// ---- unary predicates (bool output) -----------------------------------------------------------

struct LogicalNotOp {
  template <typename T>
  bool operator()(T a) const { return !(a != T(0)); }
};
struct IsNanOp {
  template <typename T>
  bool operator()(T a) const { return a != a; }
};
struct IsInfOp {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) return std::abs(a) == std::numeric_limits<T>::infinity();
    else return false;
  }
};
struct IsFiniteOp {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) return a - a == T(0);  // false for inf and NaN
    else return true;
  }
};

struct SignbitOp {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) return std::signbit(a);
    else if constexpr (std::is_signed_v<T>) return a < T(0);
    else return false;
  }
};
struct IsPosInfOp {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) return a == std::numeric_limits<T>::infinity();
    else return false;
  }
};
struct IsNegInfOp {
  template <typename T>
  bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) return a == -std::numeric_limits<T>::infinity();
    else return false;
  }
};

// ---- unary, int32 output ---------------------------------------------------------------------

struct FrexpExponentOp {
  template <typename T>
  int32_t operator()(T a) const {
    int e;
    std::frexp(a, &e);
    return e;
  }
};

// ---- binary arithmetic -----------------------------------------------------------------------

struct AddOp { template <typename T> T operator()(T a, T b) const { return T(a + b); } };
struct SubOp { template <typename T> T operator()(T a, T b) const { return T(a - b); } };
struct MulOp { template <typename T> T operator()(T a, T b) const { return T(a * b); } };
struct DivOp { template <typename T> T operator()(T a, T b) const { return a / b; } };
struct Atan2Op { template <typename T> T operator()(T a, T b) const { return std::atan2(a, b); } };

// Integer division by zero is PyTorch's "ZeroDivisionError" RuntimeError, never a SIGFPE; so is the
// one overflowing quotient, min / -1, which wraps instead.
template <typename T>
T checked_int_div(T a, T b) {
  if (b == T(0)) throw RuntimeError("ZeroDivisionError");
  if constexpr (std::is_signed_v<T>)
    if (b == T(-1)) return T(-static_cast<std::make_unsigned_t<T>>(a));
  return T(a / b);
}

struct DivTruncOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return std::trunc(a / b);
    else return checked_int_div(a, b);
  }
};
/// Floor division as PyTorch computes it (exact for floats, whose a / b may round up to an integer).
struct DivFloorOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (b == T(0)) return a / b;
      T mod = std::fmod(a, b);
      T div = (a - mod) / b;
      if (mod != T(0) && (b < T(0)) != (mod < T(0))) div -= T(1);
      if (div == T(0)) return std::copysign(T(0), a / b);
      T floordiv = std::floor(div);
      return div - floordiv > T(0.5) ? floordiv + T(1) : floordiv;
    } else {
      T q = checked_int_div(a, b);
      if constexpr (std::is_signed_v<T>)
        if (T(q * b) != a && ((a < 0) != (b < 0))) --q;
      return q;
    }
  }
};
/// Python's %: the result takes the sign of the divisor.
struct RemainderOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      T mod = std::fmod(a, b);
      return mod != T(0) && (b < T(0)) != (mod < T(0)) ? mod + b : mod;
    } else {
      if (b == T(0)) throw RuntimeError("ZeroDivisionError");
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return T(0);
        T r = T(a % b);
        return r != 0 && ((r < 0) != (b < 0)) ? T(r + b) : r;
      } else {
        return T(a % b);
      }
    }
  }
};
/// C's fmod: the result takes the sign of the dividend.
struct FmodOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fmod(a, b);
    } else {
      if (b == T(0)) throw RuntimeError("ZeroDivisionError");
      if constexpr (std::is_signed_v<T>)
        if (b == T(-1)) return T(0);
      return T(a % b);
    }
  }
};
/// Integer powers stay integers: by squaring; a negative exponent gives 1/a truncated.
struct PowOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::pow(a, b);
    } else {
      if constexpr (std::is_signed_v<T>) {
        if (b < 0) return a == 1 ? T(1) : a == -1 ? T((b & 1) ? -1 : 1) : T(0);
      }
      std::make_unsigned_t<T> r = 1, base = a;
      for (T e = b; e > 0; e >>= 1) {
        if (e & 1) r *= base;
        base *= base;
      }
      return T(r);
    }
  }
};
// maximum/minimum propagate NaN; fmax/fmin ignore it.
struct MaximumOp {
  template <typename T>
  T operator()(T a, T b) const { return (a > b || a != a) ? a : b; }
};
struct MinimumOp {
  template <typename T>
  T operator()(T a, T b) const { return (a < b || a != a) ? a : b; }
};
struct FmaxOp {
  template <typename T>
  T operator()(T a, T b) const { return (a > b || b != b) ? a : b; }
};
struct FminOp {
  template <typename T>
  T operator()(T a, T b) const { return (a < b || b != b) ? a : b; }
};
struct BitwiseAndOp { template <typename T> T operator()(T a, T b) const { return T(a & b); } };
struct BitwiseOrOp { template <typename T> T operator()(T a, T b) const { return T(a | b); } };
struct BitwiseXorOp { template <typename T> T operator()(T a, T b) const { return T(a ^ b); } };

// ---- binary, floating point (special functions in double) -------------------------------------

struct HypotOp { template <typename T> T operator()(T a, T b) const { return std::hypot(a, b); } };
struct CopysignOp { template <typename T> T operator()(T a, T b) const { return std::copysign(a, b); } };
struct NextAfterOp { template <typename T> T operator()(T a, T b) const { return std::nextafter(a, b); } };
/// log(e^a + e^b) as max + log1p(e^-|a - b|); equal infinities give themselves, not NaN.
struct LogAddExpOp {
  template <typename T>
  T operator()(T a, T b) const {
    if (std::isinf(a) && a == b) return a;
    return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
  }
};
struct LogAddExp2Op {
  template <typename T>
  T operator()(T a, T b) const {
    if (std::isinf(a) && a == b) return a;
    return std::max(a, b) + std::log1p(std::exp2(-std::abs(a - b))) * T(1.44269504088896340736);
  }
};
/// x log(y), 0 where x == 0 unless y is NaN.
struct XlogyOp {
  template <typename T>
  T operator()(T x, T y) const { return y != y ? y : x == T(0) ? T(0) : x * std::log(y); }
};
struct Xlog1pyOp {
  template <typename T>
  T operator()(T x, T y) const { return y != y ? y : x == T(0) ? T(0) : x * std::log1p(y); }
};
struct IgammaOp {
  template <typename T>
  T operator()(T a, T x) const { return T(special::igamma(double(a), double(x))); }
};
struct IgammacOp {
  template <typename T>
  T operator()(T a, T x) const { return T(special::igammac(double(a), double(x))); }
};
struct ZetaOp {
  template <typename T>
  T operator()(T s, T q) const { return T(special::hurwitz_zeta(double(s), double(q))); }
};

/// The orthogonal polynomials P_n(x) of torch.special (x first, the degree n second); the shifted
/// Chebyshev kinds are those of 2x - 1.
#define EMBER_POLYNOMIAL(Name, expr)              \
  struct Name {                                    \
    template <typename T>                          \
    T operator()(T x, T n) const { return T(expr); } \
  };
EMBER_POLYNOMIAL(ChebyshevTOp, special::chebyshev_t(double(x), double(n)))
EMBER_POLYNOMIAL(ChebyshevUOp, special::chebyshev_u(double(x), double(n)))
EMBER_POLYNOMIAL(ChebyshevVOp, special::chebyshev_v(double(x), double(n)))
EMBER_POLYNOMIAL(ChebyshevWOp, special::chebyshev_w(double(x), double(n)))
EMBER_POLYNOMIAL(ShiftedChebyshevTOp, special::chebyshev_t(2 * double(x) - 1, double(n)))
EMBER_POLYNOMIAL(ShiftedChebyshevUOp, special::chebyshev_u(2 * double(x) - 1, double(n)))
EMBER_POLYNOMIAL(ShiftedChebyshevVOp, special::chebyshev_v(2 * double(x) - 1, double(n)))
EMBER_POLYNOMIAL(ShiftedChebyshevWOp, special::chebyshev_w(2 * double(x) - 1, double(n)))
EMBER_POLYNOMIAL(HermiteHOp, special::hermite_h(double(x), double(n)))
EMBER_POLYNOMIAL(HermiteHeOp, special::hermite_he(double(x), double(n)))
EMBER_POLYNOMIAL(LaguerreLOp, special::laguerre_l(double(x), double(n)))
EMBER_POLYNOMIAL(LegendrePOp, special::legendre_p(double(x), double(n)))
#undef EMBER_POLYNOMIAL

// ---- binary, integers --------------------------------------------------------------------------

/// |a| without the overflow of -min.
template <typename T>
std::make_unsigned_t<T> magnitude(T a) {
  using U = std::make_unsigned_t<T>;
  if constexpr (std::is_signed_v<T>) return a < 0 ? U(U(0) - U(a)) : U(a);
  else return a;
}
template <typename T>
std::make_unsigned_t<T> gcd_magnitude(T a, T b) {
  std::make_unsigned_t<T> x = magnitude(a), y = magnitude(b);
  while (y != 0) {
    auto r = x % y;
    x = y;
    y = r;
  }
  return x;
}
// Bool never reaches the integer functors (the op raises first); they compile it as a no-op.
struct GcdOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_bool<T>) return a;
    else return T(gcd_magnitude(a, b));
  }
};
/// |a / gcd * b|, 0 when both are 0 (wrapping on overflow, as PyTorch).
struct LcmOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_bool<T>) return a;
    else {
      auto g = gcd_magnitude(a, b);
      return g == 0 ? T(0) : T(magnitude(a) / g * magnitude(b));
    }
  }
};
/// a << b; a shift that is negative or at least the width gives 0.
struct LeftShiftOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_bool<T>) return a;
    else {
      constexpr int width = sizeof(T) * 8;
      if (std::make_signed_t<T>(b) < 0 || b >= width) return T(0);
      return T(std::make_unsigned_t<T>(a) << b);
    }
  }
};
/// a >> b (arithmetic for signed types); a shift that is negative or too wide fills with the sign.
struct RightShiftOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_bool<T>) return a;
    else {
      constexpr int max_shift = sizeof(T) * 8 - std::is_signed_v<T>;
      if (std::make_signed_t<T>(b) < 0 || b >= max_shift) return T(a >> max_shift);
      return T(a >> b);
    }
  }
};
/// 0 / 1 by the sign of x, `values` where x == 0 (NaN gives 0, as PyTorch).
struct HeavisideOp {
  template <typename T>
  T operator()(T x, T values) const { return x == T(0) ? values : T(x > T(0)); }
};

// ---- binary, bool output ---------------------------------------------------------------------

struct EqOp { template <typename T> bool operator()(T a, T b) const { return a == b; } };
struct NeOp { template <typename T> bool operator()(T a, T b) const { return a != b; } };
struct LtOp { template <typename T> bool operator()(T a, T b) const { return a < b; } };
struct LeOp { template <typename T> bool operator()(T a, T b) const { return a <= b; } };
struct GtOp { template <typename T> bool operator()(T a, T b) const { return a > b; } };
struct GeOp { template <typename T> bool operator()(T a, T b) const { return a >= b; } };
struct LogicalAndOp {
  template <typename T>
  bool operator()(T a, T b) const { return (a != T(0)) & (b != T(0)); }
};
struct LogicalOrOp {
  template <typename T>
  bool operator()(T a, T b) const { return (a != T(0)) | (b != T(0)); }
};
struct LogicalXorOp {
  template <typename T>
  bool operator()(T a, T b) const { return (a != T(0)) != (b != T(0)); }
};

// ---- ternary ---------------------------------------------------------------------------------

/// min(max(x, lo), hi) with NaN propagating from any operand; lo > hi gives hi, as in PyTorch.
struct ClampOp {
  template <typename T>
  T operator()(T x, T lo, T hi) const { return MinimumOp{}(MaximumOp{}(x, lo), hi); }
};
struct WhereOp {
  template <typename T>
  T operator()(bool c, T a, T b) const { return c ? a : b; }
};
/// PyTorch's lerp: the form that is exact at weight 0 and at weight 1.
struct LerpOp {
  template <typename T>
  T operator()(T start, T end, T w) const {
    T diff = end - start;
    return std::abs(w) < T(0.5) ? start + w * diff : end - diff * (T(1) - w);
  }
};

}  // namespace ember::cpu
