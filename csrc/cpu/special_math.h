#pragma once
// Scalar special functions in double precision, for the functors of functors.h (float32 inputs are
// computed in double and rounded). Defined out of line in special_math.cpp, compiled once with the
// baseline flags, so the AVX files that include functors.h never get their own copies.
#include <cstdint>

namespace ember::cpu::special {

/// d/dx log Gamma(x): -inf at +0, +inf at -0, NaN at the negative integers and -inf.
double digamma(double x);
/// The n-th derivative of digamma (n >= 0): digamma, trigamma, then (-1)^(n+1) n! zeta(n+1, x).
double polygamma(int64_t n, double x);
/// Hurwitz zeta sum_k (q + k)^-s: +inf at s == 1 and at integer q <= 0, NaN for s < 1.
double hurwitz_zeta(double s, double q);
/// Modified Bessel functions of the first kind, orders 0 and 1, and their exp(-|x|)-scaled forms.
double bessel_i0(double x);
double bessel_i0e(double x);
double bessel_i1(double x);
double bessel_i1e(double x);
/// exp(x^2) erfc(x), without the overflow of exp(x^2) or the underflow of erfc(x).
double erfcx(double x);
/// The inverse of the standard normal CDF: -inf at 0, +inf at 1, NaN outside [0, 1].
double ndtri(double p);
/// log of the standard normal CDF, accurate far into the lower tail.
double log_ndtr(double x);
/// The regularized lower and upper incomplete gamma functions P(a, x) and Q(a, x).
double igamma(double a, double x);
double igammac(double a, double x);

}  // namespace ember::cpu::special
