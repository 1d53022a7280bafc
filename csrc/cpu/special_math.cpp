#include "cpu/special_math.h"

#include <cmath>
#include <limits>

#include "cpu/functors.h"  // erfinv_scalar

namespace ember::cpu::special {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kEps = std::numeric_limits<double>::epsilon() / 2;  // unit roundoff
constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrtPi = 1.77245385090551602730, kSqrtPiOverTwo = 0.88622692545275801365;
constexpr double kSqrt2 = 1.41421356237309504880, kSqrtHalf = 0.70710678118654752440;

/// The Bernoulli numbers B_2, B_4, ..., B_24: the coefficients of the Euler-Maclaurin and
/// Stirling-type expansions below.
constexpr double kBernoulli[] = {1.0 / 6,         -1.0 / 30,        1.0 / 42,        -1.0 / 30,
                                 5.0 / 66,        -691.0 / 2730,    7.0 / 6,         -3617.0 / 510,
                                 43867.0 / 798,   -174611.0 / 330,  854513.0 / 138,  -236364091.0 / 2730};

/// sin(pi x) through the exact reduction x - round(x) (sin(pi x) itself loses pi x's rounding for
/// large x); the sign may differ from sin(pi x), so only squares and tangents use it.
double sin_pi_reduced(double x) { return std::sin(kPi * (x - std::nearbyint(x))); }

double trigamma(double x) {
  if (!(x > -kInf)) return kNaN;  // NaN, -inf
  if (x <= 0 && x == std::floor(x)) return kInf;
  // Reflection below 1/2: psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x).
  double reflected = 0, sign = 1;
  if (x < 0.5) {
    double s = sin_pi_reduced(x);
    reflected = kPi * kPi / (s * s);
    sign = -1;
    x = 1 - x;
  }
  // Recurrence psi1(x) = psi1(x + 1) + 1/x^2 up to x >= 10, then the asymptotic series
  // psi1(x) ~ 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1) (8 terms: below 1e-16 relative there).
  double result = 0;
  for (; x < 10; x += 1) result += 1 / (x * x);
  double y = 1 / (x * x), series = 0;
  for (int k = 8; k >= 1; --k) series = (series + kBernoulli[k - 1]) * y;
  result += (1 + 0.5 / x + series) / x;
  return reflected + sign * result;
}

// ---- Bessel I0 and I1 ----

// Below this the power series is used, above it the asymptotic expansion; there its smallest term
// is ~exp(-2x), far below rounding.
constexpr double kBesselAsymptoticFrom = 20;

/// sum_k (x^2/4)^k / (k! (k + nu)!): I_nu(x) / (x/2)^nu for nu = 0, 1. All terms are positive, so
/// the sum is accurate to a few roundings.
double bessel_series(int nu, double x) {
  double y = 0.25 * x * x, term = 1, sum = 1;
  for (int k = 1; k < 200; ++k) {
    term *= y / (k * double(k + nu));
    sum += term;
    if (term < kEps * sum) break;
  }
  return sum;
}

/// Hankel's expansion of e^-x I_nu(x): (2 pi x)^-1/2 sum_k (-1)^k a_k(nu) / x^k with
/// a_k = prod_{j <= k} (4 nu^2 - (2j - 1)^2) / (k! 8^k), summed until below rounding.
double bessel_scaled_asymptotic(int nu, double x) {
  double mu = 4.0 * nu * nu, term = 1, sum = 1;
  for (int k = 1; k < 100; ++k) {
    double odd = 2.0 * k - 1;
    term *= -(mu - odd * odd) / (8.0 * k * x);
    sum += term;
    if (std::fabs(term) < kEps * std::fabs(sum)) break;
  }
  return sum / std::sqrt(2 * kPi * x);
}

/// e^x times the scaled value, as two factors: I0 and I1 stay finite up to x ~ 713.9, past the
/// overflow of exp(x) at 709.78.
double unscale(double scaled, double x) {
  double half = std::exp(0.5 * x);
  return half * (scaled * half);
}

// ---- incomplete gamma ----

/// P(a, x) = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a + 1) ... (a + n)); converges fast for x < a + 1.
double igamma_series(double a, double x) {
  double term = 1, sum = 1;
  for (int n = 1; n < 100000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (term < kEps * sum) break;
  }
  return sum * std::exp(a * std::log(x) - x - std::lgamma(a + 1));
}

/// Q(a, x) = x^a e^-x / Gamma(a) / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (x + 5 - a - ...))),
/// by the modified Lentz method; converges fast for x >= a + 1.
double igammac_continued_fraction(double a, double x) {
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, f = d;
  for (int n = 1; n < 100000; ++n) {
    double an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double delta = d * c;
    f *= delta;
    if (std::fabs(delta - 1) < kEps) break;
  }
  return f * std::exp(a * std::log(x) - x - std::lgamma(a));
}

/// PyTorch's value of P(a, x) (upper = false) or Q(a, x) (upper = true) at the edges of the domain
/// and for NaN; false when (a, x) is inside it and the value must be computed.
bool incomplete_gamma_edge(double a, double x, bool upper, double& value) {
  double at_zero = upper ? 1 : 0;
  if (x < 0 || a < 0) value = kNaN;
  else if (a == 0) value = x > 0 ? 1 - at_zero : kNaN;
  else if (x == 0) value = at_zero;
  else if (std::isinf(a)) value = std::isinf(x) ? kNaN : at_zero;
  else if (std::isinf(x)) value = 1 - at_zero;
  else if (std::isnan(a) || std::isnan(x)) value = kNaN;
  else return false;
  return true;
}

/// erfc^-1(c) for c in (0, 0.5]: Newton steps on log(erfc(x)) = log(c), written with erfcx so they
/// stay accurate where erfc(x) is subnormal. The first guess is erfinv(1 - c), or for tiny c (where
/// 1 - c has lost c) the leading asymptotic solution of erfc(x) ~ e^-x^2 / (x sqrt(pi)).
double erfc_inverse_tail(double c) {
  double x;
  if (c > 1e-6) {
    x = erfinv_scalar(1 - c);
  } else {
    double t = -std::log(c);
    x = std::sqrt(t - 0.5 * std::log(kPi * t));
  }
  const double log_c = std::log(c);
  for (int i = 0; i < 10; ++i) {
    double e = erfcx(x);
    double step = (std::log(e) - x * x - log_c) * e * kSqrtPiOverTwo;
    x += step;
    if (std::fabs(step) <= 2 * kEps * x) break;
  }
  return x;
}

}  // namespace

double digamma(double x) {
  if (x == 0) return std::copysign(kInf, -x);
  if (!(x > -kInf)) return kNaN;  // NaN, -inf
  if (x < 0) {
    if (x == std::floor(x)) return kNaN;
    // Reflection: psi(x) = psi(1 - x) - pi / tan(pi x).
    return digamma(1 - x) - kPi / std::tan(kPi * (x - std::nearbyint(x)));
  }
  // Recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series
  // psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k) (7 terms: below 1e-16 relative there).
  double result = 0;
  for (; x < 10; x += 1) result -= 1 / x;
  if (x == kInf) return kInf;
  double y = 1 / (x * x), series = 0;
  for (int k = 7; k >= 1; --k) series = (series + kBernoulli[k - 1] / (2 * k)) * y;
  return result + std::log(x) - 0.5 / x - series;
}

double polygamma(int64_t n, double x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  double factorial = 1;
  for (int64_t i = 2; i <= n && factorial < kInf; ++i) factorial *= double(i);
  return (n % 2 ? 1 : -1) * factorial * hurwitz_zeta(double(n + 1), x);
}

double hurwitz_zeta(double s, double q) {
  if (s == 1) return kInf;
  if (s < 1) return kNaN;
  if (q <= 0) {
    if (q == std::floor(q)) return kInf;
    if (s != std::floor(s)) return kNaN;  // a negative base to a non-integer power
  }
  // Past 1e8 the first terms of the asymptotic expansion in 1/q are exact to rounding (and q + 1
  // would start to round back to q in the sum below).
  if (q > 1e8) return (1 / (s - 1) + 0.5 / q) * std::pow(q, 1 - s);
  // The first terms directly, until the base is past 9 (at least 9 of them)...
  double sum = 0, a = q;
  for (int n = 0; n < 9 || a <= 9; ++n, a += 1) {
    double term = std::pow(a, -s);
    sum += term;
    if (n > 0 && std::fabs(term) < kEps * std::fabs(sum)) return sum;
  }
  // ...then the rest by Euler-Maclaurin: sum_{k >= 0} (a + k)^-s = a^(1-s) / (s - 1) + a^-s / 2
  //   + sum_j B_2j / (2j)! s (s + 1) ... (s + 2j - 2) a^(-s-2j+1).
  double power = std::pow(a, -s);
  sum += power * a / (s - 1) + 0.5 * power;
  double rising = s, factorial = 2, a_power = power / a;
  for (int j = 1; j <= 12; ++j) {
    double term = kBernoulli[j - 1] / factorial * rising * a_power;
    sum += term;
    if (std::fabs(term) < kEps * std::fabs(sum)) break;
    rising *= (s + 2 * j - 1) * (s + 2 * j);
    factorial *= (2 * j + 1) * (2 * j + 2);
    a_power /= a * a;
  }
  return sum;
}

double bessel_i0(double x) {
  x = std::fabs(x);
  if (std::isnan(x) || x == kInf) return x;
  if (x < kBesselAsymptoticFrom) return bessel_series(0, x);
  return unscale(bessel_scaled_asymptotic(0, x), x);
}

double bessel_i0e(double x) {
  x = std::fabs(x);
  if (std::isnan(x)) return x;
  if (x < kBesselAsymptoticFrom) return bessel_series(0, x) * std::exp(-x);
  return bessel_scaled_asymptotic(0, x);
}

double bessel_i1(double x) {
  double ax = std::fabs(x);
  if (std::isnan(x) || ax == kInf) return x;
  double v = ax < kBesselAsymptoticFrom ? 0.5 * ax * bessel_series(1, ax)
                                        : unscale(bessel_scaled_asymptotic(1, ax), ax);
  return std::copysign(v, x);
}

double bessel_i1e(double x) {
  double ax = std::fabs(x);
  if (std::isnan(x)) return x;
  double v = ax < kBesselAsymptoticFrom ? 0.5 * ax * bessel_series(1, ax) * std::exp(-ax)
                                        : bessel_scaled_asymptotic(1, ax);
  return std::copysign(v, x);
}

double erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < -26.7) return kInf;  // 2 exp(x^2) overflows (and the fma below would see inf - inf)
  if (x < 12) {
    // exp(x^2) with x^2 split into its rounded value and the exact rounding error (by fma): the
    // factor stays accurate where x^2 is large.
    double x2 = x * x, x2_error = std::fma(x, x, -x2);
    return std::exp(x2) * (1 + x2_error) * std::erfc(x);
  }
  // erfcx(x) ~ 1 / (x sqrt(pi)) sum_k (-1)^k (2k - 1)!! / (2 x^2)^k: below rounding in ~10 terms.
  double w = 0.5 / (x * x), term = 1, sum = 1;
  for (int k = 1; k < 40; ++k) {
    term *= -(2 * k - 1) * w;
    sum += term;
    if (std::fabs(term) < kEps * sum) break;
  }
  return sum / (x * kSqrtPi);
}

double ndtri(double p) {
  if (!(p >= 0 && p <= 1)) return kNaN;
  // ndtri(p) = sqrt(2) erfinv(2p - 1); for p >= 1/4 the argument 2p - 1 is exact.
  if (p >= 0.25) return kSqrt2 * erfinv_scalar(2 * p - 1);
  if (p == 0) return -kInf;
  return -kSqrt2 * erfc_inverse_tail(2 * p);
}

double log_ndtr(double x) {
  double t = x * kSqrtHalf;
  // In the lower tail log(erfc(-t) / 2) through erfcx, which neither underflows nor cancels.
  if (x < -1) return std::log(erfcx(-t) / 2) - t * t;
  return std::log1p(-std::erfc(t) / 2);
}

double igamma(double a, double x) {
  double edge;
  if (incomplete_gamma_edge(a, x, false, edge)) return edge;
  return x < a + 1 ? igamma_series(a, x) : 1 - igammac_continued_fraction(a, x);
}

double igammac(double a, double x) {
  double edge;
  if (incomplete_gamma_edge(a, x, true, edge)) return edge;
  return x < a + 1 ? 1 - igamma_series(a, x) : igammac_continued_fraction(a, x);
}

}  // namespace ember::cpu::special
