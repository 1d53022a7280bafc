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

// ---- special_bessel.cpp ----
/// Bessel functions of the first kind J0, J1 and second kind Y0, Y1 (NaN for x < 0 and at +-inf,
/// as PyTorch; Y is -inf at 0).
double bessel_j0(double x);
double bessel_j1(double x);
double bessel_y0(double x);
double bessel_y1(double x);
/// Modified Bessel functions of the second kind K0, K1 and exp(x) K0, exp(x) K1 (+inf at 0, NaN
/// for x < 0).
double bessel_k0(double x);
double bessel_k1(double x);
double bessel_k0e(double x);
double bessel_k1e(double x);
/// sin(x) / x.
double spherical_bessel_j0(double x);
/// The Airy function Ai.
double airy_ai(double x);

// ---- special_polynomials.cpp: the classical orthogonal polynomials of degree n (0 for n < 0;
// PyTorch truncates a fractional degree) ----
/// Chebyshev polynomials of the first to fourth kind T, U, V, W.
double chebyshev_t(double x, double n);
double chebyshev_u(double x, double n);
double chebyshev_v(double x, double n);
double chebyshev_w(double x, double n);
/// Physicists' Hermite H and probabilists' Hermite He.
double hermite_h(double x, double n);
double hermite_he(double x, double n);
double laguerre_l(double x, double n);
double legendre_p(double x, double n);

}  // namespace ember::cpu::special
