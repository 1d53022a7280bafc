#pragma once
// Elementwise ops: broadcasting, PyTorch's type promotion, and the backward of each.
#include <optional>
#include <string>
#include <utility>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// Ops of the unary kernel. Predicates (LogicalNot..IsFinite, Signbit..IsNegInf) write bool,
/// FrexpExponent writes int32.
enum class UnaryOp : uint8_t {
  Neg, Exp, Exp2, Log, Log2, Log10, Log1p, Expm1, Sqrt, Rsqrt, Abs, Sign, Sin, Cos, Tan, Asin, Acos,
  Atan, Sinh, Cosh, Tanh, Sigmoid, Relu, Gelu, GeluTanh, Silu, Softplus, Erf, Erfc, Erfinv, Floor, Ceil,
  Round, Trunc, Frac, Reciprocal, Square, NanToNum, BitwiseNot, LogicalNot, IsNan, IsInf, IsFinite,
  Asinh, Acosh, Atanh, Lgamma, Digamma, Polygamma, I0, I0e, I1, I1e, Sinc, Logit, Erfcx, Ndtr, Ndtri,
  LogNdtr, Entr, Angle, FrexpMantissa, FrexpExponent, Signbit, IsPosInf, IsNegInf,
  BesselJ0, BesselJ1, BesselY0, BesselY1, BesselK0, BesselK1, BesselK0e, BesselK1e, SphericalBesselJ0, AiryAi
};
/// Ops of the binary kernel. Eq..LogicalXor write bool.
enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, DivTrunc, DivFloor, Remainder, Fmod, Pow, Maximum, Minimum, Fmax, Fmin,
  Atan2, BitwiseAnd, BitwiseOr, BitwiseXor, Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor,
  Hypot, LogAddExp, LogAddExp2, Xlogy, Xlog1py, Copysign, NextAfter, Igamma, Igammac, Zeta, Gcd, Lcm,
  LeftShift, RightShift, Heaviside,
  ChebyshevT, ChebyshevU, ChebyshevV, ChebyshevW, ShiftedChebyshevT, ShiftedChebyshevU,
  ShiftedChebyshevV, ShiftedChebyshevW, HermiteH, HermiteHe, LaguerreL, LegendreP
};
/// Ops of the ternary kernel: clamp(x, lo, hi), where(cond, a, b), lerp(start, end, weight).
enum class TernaryOp : uint8_t { Clamp, Where, Lerp };

/// The parameters of the parametrised unary ops: Softplus (a = beta, b = threshold), Round
/// (a = decimals), NanToNum (a = nan, b = posinf, c = neginf), Polygamma (a = n), Logit (a = eps,
/// negative for none).
struct UnaryArgs {
  double a = 0, b = 0, c = 0;
};

/// out = op(in); out and in have the same shape; in has the compute dtype.
EMBER_DECLARE_KERNEL(unary_kernel,
                     void(UnaryOp op, const Tensor& out, const Tensor& in, const UnaryArgs& args));
/// out = op(a, b); a and b are expanded to out's shape and have the compute dtype.
EMBER_DECLARE_KERNEL(binary_kernel,
                     void(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b));
/// out = op(a, b, c); operands expanded to out's shape, with out's dtype (Where's a is bool).
EMBER_DECLARE_KERNEL(ternary_kernel, void(TernaryOp op, const Tensor& out, const Tensor& a,
                                          const Tensor& b, const Tensor& c));

/// PyTorch's result type of operands (dimensioned tensors over 0-d tensors over numbers);
/// undefined tensors are skipped.
DType result_type(const TensorList& operands);
DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Scalar& b);

// ---- binary ----
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
/// True division (integers divide as floats).
Tensor div(const Tensor& a, const Tensor& b);
/// rounding_mode "trunc" or "floor" (anything else is a RuntimeError); keeps integer dtypes.
Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode);
Tensor floor_divide(const Tensor& a, const Tensor& b);
/// Python's %: the sign of the divisor.
Tensor remainder(const Tensor& a, const Tensor& b);
/// C's fmod: the sign of the dividend.
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor pow(const Tensor& a, const Scalar& exponent);
Tensor pow(const Scalar& base, const Tensor& exponent);
/// Elementwise max/min; NaN propagates, ties split the gradient equally.
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
/// Elementwise max/min ignoring NaN.
Tensor fmax(const Tensor& a, const Tensor& b);
Tensor fmin(const Tensor& a, const Tensor& b);
Tensor atan2(const Tensor& a, const Tensor& b);
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, const Scalar& b);
Tensor sub(const Tensor& a, const Scalar& b);
Tensor rsub(const Tensor& a, const Scalar& b);  // b - a
Tensor mul(const Tensor& a, const Scalar& b);
Tensor div(const Tensor& a, const Scalar& b);
Tensor rdiv(const Tensor& a, const Scalar& b);  // b / a
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);

// ---- unary ----
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor exp2(const Tensor& a);
Tensor log(const Tensor& a);
Tensor log2(const Tensor& a);
Tensor log10(const Tensor& a);
Tensor log1p(const Tensor& a);
Tensor expm1(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor rsqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);
Tensor sin(const Tensor& a);
Tensor cos(const Tensor& a);
Tensor tan(const Tensor& a);
Tensor asin(const Tensor& a);
Tensor acos(const Tensor& a);
Tensor atan(const Tensor& a);
Tensor sinh(const Tensor& a);
Tensor cosh(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor relu(const Tensor& a);
/// approximate: "none" (erf form) or "tanh"; anything else is a RuntimeError.
Tensor gelu(const Tensor& a, const std::string& approximate = "none");
Tensor silu(const Tensor& a);
/// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold.
Tensor softplus(const Tensor& a, const Scalar& beta = 1, const Scalar& threshold = 20);
Tensor erf(const Tensor& a);
Tensor erfc(const Tensor& a);
/// Inverse of erf on [-1, 1]: +-inf at +-1, nan outside.
Tensor erfinv(const Tensor& a);
Tensor floor(const Tensor& a);
Tensor ceil(const Tensor& a);
/// Round half to even, at `decimals` decimal digits.
Tensor round(const Tensor& a, int64_t decimals = 0);
Tensor trunc(const Tensor& a);
Tensor frac(const Tensor& a);
Tensor reciprocal(const Tensor& a);
Tensor square(const Tensor& a);
/// NaN, +inf and -inf replaced; the infinities default to the dtype's largest/lowest value.
Tensor nan_to_num(const Tensor& a, double nan = 0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
Tensor bitwise_not(const Tensor& a);
Tensor logical_not(const Tensor& a);
Tensor isnan(const Tensor& a);
Tensor isinf(const Tensor& a);
Tensor isfinite(const Tensor& a);

// ---- special functions and more unary math (floating results; integers go to the default float) ----
Tensor asinh(const Tensor& a);
Tensor acosh(const Tensor& a);
Tensor atanh(const Tensor& a);
Tensor deg2rad(const Tensor& a);
Tensor rad2deg(const Tensor& a);
Tensor lgamma(const Tensor& a);
/// +-inf at +-0, NaN at the negative integers.
Tensor digamma(const Tensor& a);
/// The n-th derivative of digamma; n < 0 is a RuntimeError.
Tensor polygamma(int64_t n, const Tensor& a);
/// The multivariate log-gamma of dimension p: sum_i lgamma(x - i/2) + p (p - 1) / 4 log(pi).
Tensor mvlgamma(const Tensor& a, int64_t p);
/// Modified Bessel functions of the first kind (orders 0, 1) and their exp(-|x|)-scaled forms.
Tensor i0(const Tensor& a);
Tensor i0e(const Tensor& a);
Tensor i1(const Tensor& a);
Tensor i1e(const Tensor& a);
/// torch.special's Bessel functions: J0, J1, Y0, Y1, K0, K1, exp(x) K0, exp(x) K1, the spherical j0
/// and the Airy Ai (which, as in PyTorch, has no derivative).
Tensor bessel_j0(const Tensor& a);
Tensor bessel_j1(const Tensor& a);
Tensor bessel_y0(const Tensor& a);
Tensor bessel_y1(const Tensor& a);
Tensor modified_bessel_k0(const Tensor& a);
Tensor modified_bessel_k1(const Tensor& a);
Tensor scaled_modified_bessel_k0(const Tensor& a);
Tensor scaled_modified_bessel_k1(const Tensor& a);
Tensor spherical_bessel_j0(const Tensor& a);
Tensor airy_ai(const Tensor& a);
/// sin(pi x) / (pi x), 1 at 0.
Tensor sinc(const Tensor& a);
/// log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given.
Tensor logit(const Tensor& a, std::optional<double> eps = std::nullopt);
/// exp(x^2) erfc(x).
Tensor erfcx(const Tensor& a);
/// The standard normal CDF, its inverse and its log.
Tensor ndtr(const Tensor& a);
Tensor ndtri(const Tensor& a);
Tensor log_ndtr(const Tensor& a);
/// -x log x (0 at 0, -inf below).
Tensor entr(const Tensor& a);
/// The argument of a real number: pi where x < 0, else 0.
Tensor angle(const Tensor& a);
/// x itself (a RuntimeError for bool, as unary +).
Tensor positive(const Tensor& a);
Tensor signbit(const Tensor& a);
Tensor isposinf(const Tensor& a);
Tensor isneginf(const Tensor& a);
/// True everywhere: ember tensors are real.
Tensor isreal(const Tensor& a);
/// x = mantissa * 2^exponent with |mantissa| in [0.5, 1); the exponent is int32.
std::pair<Tensor, Tensor> frexp(const Tensor& a);

// ---- more binary math ----
Tensor hypot(const Tensor& a, const Tensor& b);
Tensor logaddexp(const Tensor& a, const Tensor& b);
Tensor logaddexp2(const Tensor& a, const Tensor& b);
/// x log(y) and x log1p(y), 0 where x == 0 (unless y is NaN).
Tensor xlogy(const Tensor& x, const Tensor& y);
Tensor xlog1py(const Tensor& x, const Tensor& y);
Tensor copysign(const Tensor& a, const Tensor& b);
Tensor nextafter(const Tensor& a, const Tensor& b);
/// a * 2^b.
Tensor ldexp(const Tensor& a, const Tensor& b);
/// pow in float64 whatever the operands' dtypes.
Tensor float_power(const Tensor& a, const Tensor& exponent);
Tensor float_power(const Tensor& a, const Scalar& exponent);
Tensor float_power(const Scalar& base, const Tensor& exponent);
/// The regularized lower / upper incomplete gamma functions P(a, x), Q(a, x).
Tensor igamma(const Tensor& a, const Tensor& x);
Tensor igammac(const Tensor& a, const Tensor& x);
/// Hurwitz zeta(s, q).
Tensor zeta(const Tensor& s, const Tensor& q);
/// torch.special's orthogonal polynomials P_n(x), degree n truncated to an integer (no derivative, as in
/// PyTorch).
Tensor chebyshev_polynomial_t(const Tensor& x, const Tensor& n);
Tensor chebyshev_polynomial_u(const Tensor& x, const Tensor& n);
Tensor chebyshev_polynomial_v(const Tensor& x, const Tensor& n);
Tensor chebyshev_polynomial_w(const Tensor& x, const Tensor& n);
Tensor shifted_chebyshev_polynomial_t(const Tensor& x, const Tensor& n);
Tensor shifted_chebyshev_polynomial_u(const Tensor& x, const Tensor& n);
Tensor shifted_chebyshev_polynomial_v(const Tensor& x, const Tensor& n);
Tensor shifted_chebyshev_polynomial_w(const Tensor& x, const Tensor& n);
Tensor hermite_polynomial_h(const Tensor& x, const Tensor& n);
Tensor hermite_polynomial_he(const Tensor& x, const Tensor& n);
Tensor laguerre_polynomial_l(const Tensor& x, const Tensor& n);
Tensor legendre_polynomial_p(const Tensor& x, const Tensor& n);
Tensor gcd(const Tensor& a, const Tensor& b);
Tensor lcm(const Tensor& a, const Tensor& b);
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b);
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b);
/// 0 / 1 by the sign of x, `values` where x == 0; x and values of one dtype.
Tensor heaviside(const Tensor& x, const Tensor& values);

// ---- ternary and parametrised ----
/// Bounds may be undefined (None), not both; NaN propagates; gradient flows where lo <= x <= hi.
Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max);
Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max);
Tensor clamp_min(const Tensor& a, const Tensor& min);
Tensor clamp_max(const Tensor& a, const Tensor& max);
/// cond ? a : b elementwise; cond must be bool.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/// start + weight * (end - start).
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight);
Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight);
/// a + value * t1 * t2.
Tensor addcmul(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
/// a + value * t1 / t2.
Tensor addcdiv(const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);

// ---- in-place: self = op(self, ...) ----
// Each keeps self's dtype (RuntimeError when the result type cannot be cast to it), bumps the
// version counter, refuses a leaf that requires grad, and rebases self's autograd history.
Tensor& add_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor& sub_(Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor& mul_(Tensor& self, const Tensor& other);
Tensor& div_(Tensor& self, const Tensor& other);
Tensor& div_(Tensor& self, const Tensor& other, const std::string& rounding_mode);
Tensor& floor_divide_(Tensor& self, const Tensor& other);
Tensor& remainder_(Tensor& self, const Tensor& other);
Tensor& fmod_(Tensor& self, const Tensor& other);
Tensor& pow_(Tensor& self, const Tensor& exponent);
Tensor& pow_(Tensor& self, const Scalar& exponent);
Tensor& atan2_(Tensor& self, const Tensor& other);
Tensor& bitwise_and_(Tensor& self, const Tensor& other);
Tensor& bitwise_or_(Tensor& self, const Tensor& other);
Tensor& bitwise_xor_(Tensor& self, const Tensor& other);
Tensor& clamp_(Tensor& self, const Tensor& min, const Tensor& max);
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight);
Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value = 1);
Tensor& hypot_(Tensor& self, const Tensor& other);
Tensor& xlogy_(Tensor& self, const Tensor& other);
Tensor& copysign_(Tensor& self, const Tensor& other);
Tensor& nextafter_(Tensor& self, const Tensor& other);
Tensor& ldexp_(Tensor& self, const Tensor& other);
/// RuntimeError unless self is float64 (the result's dtype), as PyTorch.
Tensor& float_power_(Tensor& self, const Tensor& exponent);
Tensor& float_power_(Tensor& self, const Scalar& exponent);
Tensor& igamma_(Tensor& self, const Tensor& other);
Tensor& igammac_(Tensor& self, const Tensor& other);
Tensor& gcd_(Tensor& self, const Tensor& other);
Tensor& lcm_(Tensor& self, const Tensor& other);
Tensor& bitwise_left_shift_(Tensor& self, const Tensor& other);
Tensor& bitwise_right_shift_(Tensor& self, const Tensor& other);
Tensor& heaviside_(Tensor& self, const Tensor& values);
Tensor& mvlgamma_(Tensor& self, int64_t p);
Tensor& polygamma_(Tensor& self, int64_t n);
// Comparisons and logical ops in place: the bool results are written in self's dtype.
Tensor& eq_(Tensor& self, const Tensor& other);
Tensor& ne_(Tensor& self, const Tensor& other);
Tensor& lt_(Tensor& self, const Tensor& other);
Tensor& le_(Tensor& self, const Tensor& other);
Tensor& gt_(Tensor& self, const Tensor& other);
Tensor& ge_(Tensor& self, const Tensor& other);
Tensor& logical_and_(Tensor& self, const Tensor& other);
Tensor& logical_or_(Tensor& self, const Tensor& other);
Tensor& logical_xor_(Tensor& self, const Tensor& other);
/// The in-place form of a unary op (exp_, relu_, ...), with the checks of every in-place op.
Tensor& unary_inplace(Tensor& self, UnaryOp op, const UnaryArgs& args = {});

/// Sums `grad` down to `sizes` over the dims that broadcasting expanded (backward of broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& sizes);

// Operators for writing backward formulas readably.
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, b); }
inline Tensor operator-(const Scalar& a, const Tensor& b) { return rsub(b, a); }
inline Tensor operator*(const Scalar& a, const Tensor& b) { return mul(b, a); }

}  // namespace ember
