// Bessel functions of integer order 0 and 1 (J, Y, K), the spherical j0 and the Airy function Ai,
// in double precision. Three methods cover the real line:
//   - J and Y below kHankelFrom: Miller's backward recurrence for J_n, normalised by
//     J0 + 2 sum J_2k = 1, and Neumann's series of Y0 (and its derivative for Y1) in those J_n;
//   - J and Y above it: Hankel's asymptotic expansion, whose smallest term is ~exp(-2x) there;
//   - K: the power series up to x = 2, above it the trapezoidal rule on
//     K_nu(x) = int_0^inf exp(-x cosh t) cosh(nu t) dt, which converges geometrically for this
//     analytic, doubly exponentially decaying integrand (also used for Ai through K_1/3).
#include <algorithm>
#include <cmath>
#include <limits>

#include "cpu/special_math.h"

namespace ember::cpu::special {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846, kTwoOverPi = 0.63661977236758134308;
constexpr double kEulerGamma = 0.57721566490153286061, kSqrtHalf = 0.70710678118654752440;
constexpr double kLn2 = 0.69314718055994530942;

/// log(x / 2) + Euler's gamma, the log term of Y and K; x / 2 would underflow for the smallest x.
double log_half_plus_gamma(double x) { return std::log(x) - kLn2 + kEulerGamma; }

constexpr double kHankelFrom = 25;
// Below this J0 = 1, J1 = x/2, Y0 = 2/pi (log(x/2) + gamma), Y1 = -2/(pi x) to rounding.
constexpr double kTinyArgument = 1e-9;

struct BesselJY {
  double j0, j1, y0, y1;
};

// The highest start order the recurrence uses (x < kHankelFrom), rounded up.
constexpr int kMaxStart = 64;

/// The weights of Neumann's series by order m, tabulated so that the recurrence loop divides by
/// nothing: y0_weight[m] = (-1)^k / k for m = 2k, y1_weight[m] = (-1)^((m+1)/2) 4m / (m^2 - 1) for
/// odd m >= 3 and -1 for m = 1 (see below), norm_weight[m] = 2 for even m > 0, 1 at 0.
struct NeumannWeights {
  double y0[kMaxStart + 1] = {}, y1[kMaxStart + 1] = {}, norm[kMaxStart + 1] = {};
  NeumannWeights() {
    norm[0] = 1;
    for (int m = 1; m <= kMaxStart; ++m) {
      if (m % 2 == 0) {
        const int k = m / 2;
        norm[m] = 2;
        y0[m] = (k % 2 ? -1.0 : 1.0) / k;
      } else {
        const double weight = m == 1 ? 1.0 : 4.0 * m / (double(m) * m - 1);
        y1[m] = (m + 1) / 2 % 2 ? -weight : weight;
      }
    }
  }
};

/// J0, J1, Y0, Y1 for kTinyArgument <= x < kHankelFrom.
BesselJY bessel_jy_recurrence(double x) {
  static const NeumannWeights weights;
  // An even start far enough above x that the arbitrary starting values have decayed below
  // rounding by the time the recurrence reaches order 1.
  const int start = std::min(kMaxStart, 2 * static_cast<int>((x + 8 * std::cbrt(x) + 14) / 2));
  // Unnormalised J_{m+1}, J_m, and the sums the normalisation and Neumann's series need:
  // norm = J0 + 2 sum_k J_2k, y0_sum = sum_k (-1)^k J_2k / k,
  // y1_sum = sum_k (-1)^k (J_2k-1 - J_2k+1) / k, which gathered by odd order is the y1 weight.
  const double two_over_x = 2 / x;
  double above = 0, current = 1e-30, norm = 0, y0_sum = 0, y1_sum = 0, j1 = 0;
  for (int m = start; m > 0; --m) {
    norm += weights.norm[m] * current;
    y0_sum += weights.y0[m] * current;
    y1_sum += weights.y1[m] * current;
    if (m == 1) j1 = current;
    const double below = m * two_over_x * current - above;
    above = current;
    current = below;
    if (std::fabs(current) > 1e250) {  // rescale everything: only ratios matter
      above *= 1e-250, current *= 1e-250, norm *= 1e-250, y0_sum *= 1e-250, y1_sum *= 1e-250;
      j1 *= 1e-250;
    }
  }
  norm += current;  // J0
  const double scale = 1 / norm, log_term = log_half_plus_gamma(x);
  BesselJY r;
  r.j0 = current * scale;
  r.j1 = j1 * scale;
  r.y0 = kTwoOverPi * (log_term * r.j0 - 2 * y0_sum * scale);
  r.y1 = kTwoOverPi * (-r.j0 / x + log_term * r.j1 + y1_sum * scale);
  return r;
}

/// Hankel's P and Q for order nu (0 or 1) at x >= kHankelFrom: J_nu = sqrt(2/(pi x)) (P cos chi -
/// Q sin chi), Y_nu = sqrt(2/(pi x)) (P sin chi + Q cos chi), chi = x - (nu/2 + 1/4) pi.
void hankel_pq(int nu, double x, double& p, double& q) {
  const double mu = 4.0 * nu * nu;
  double term = 1, previous = kInf;
  p = 1, q = 0;
  for (int k = 1; k < 100; ++k) {
    const double odd = 2.0 * k - 1;
    term *= (mu - odd * odd) / (8.0 * k * x);
    if (std::fabs(term) < 1e-17 * std::fabs(p) || std::fabs(term) > previous) break;
    previous = std::fabs(term);
    // t1 - t3 + t5 ... into Q, t0 - t2 + t4 ... into P.
    const double signed_term = (k / 2) % 2 ? -term : term;
    (k % 2 ? q : p) += signed_term;
  }
}

BesselJY bessel_jy_hankel(double x) {
  const double c = std::cos(x), s = std::sin(x), amplitude = std::sqrt(kTwoOverPi / x);
  double p0, q0, p1, q1;
  hankel_pq(0, x, p0, q0);
  hankel_pq(1, x, p1, q1);
  // cos and sin of x - pi/4 and x - 3pi/4 from those of x, with no rounded multiple of pi.
  const double cos0 = (c + s) * kSqrtHalf, sin0 = (s - c) * kSqrtHalf;
  const double cos1 = (s - c) * kSqrtHalf, sin1 = -(s + c) * kSqrtHalf;
  return {amplitude * (p0 * cos0 - q0 * sin0), amplitude * (p1 * cos1 - q1 * sin1),
          amplitude * (p0 * sin0 + q0 * cos0), amplitude * (p1 * sin1 + q1 * cos1)};
}

/// J0, J1, Y0, Y1 at x > 0 (finite).
BesselJY bessel_jy(double x) {
  if (x < kTinyArgument) {
    return {1, x / 2, kTwoOverPi * log_half_plus_gamma(x), -kTwoOverPi / x};
  }
  return x < kHankelFrom ? bessel_jy_recurrence(x) : bessel_jy_hankel(x);
}

/// exp(x) K_nu(x) for x > 0 by the trapezoidal rule on int_0^inf exp(-x (cosh t - 1)) cosh(nu t) dt.
/// The step bounds the error by exp(-2 pi^2 / (h^2 x)) near t = 0 for large x and by
/// exp(-2 pi d / h) with d < pi/2 otherwise: both below 1e-18 with this choice.
double bessel_k_scaled_integral(double nu, double x) {
  const double h = std::fmin(0.15, 0.6 / std::sqrt(x));
  // exp(t/2) and exp(nu t) at the nodes t = j h by repeated multiplication (j roundings, j < 100),
  // so each node costs one exp: cosh t - 1 = 2 sinh^2(t/2), cosh(nu t) from exp(+-nu t).
  const double half_step = std::exp(h / 2), nu_step = std::exp(nu * h);
  double half = 1, grow = 1, sum = 0.5;  // the t = 0 node, weighted 1/2
  for (int j = 1; j < 100000; ++j) {
    half *= half_step;
    grow *= nu_step;
    const double half_sinh = 0.5 * (half - 1 / half);
    const double f = std::exp(-2 * x * half_sinh * half_sinh) * 0.5 * (grow + 1 / grow);
    sum += f;
    if (f < 1e-18 * sum) break;
  }
  return h * sum;
}

/// Power series of K0 and K1 at 0 < x <= 2 (psi(k + 1) = H_k - gamma folded into the log term):
/// K0 = -(log(x/2) + gamma) I0 + sum_k H_k y^k / k!^2,
/// K1 = 1/x + (log(x/2) + gamma) I1 - x/4 sum_k (H_k + H_k+1) y^k / (k! (k+1)!), y = x^2/4.
double bessel_k_series(int nu, double x) {
  const double y = 0.25 * x * x, log_term = log_half_plus_gamma(x);
  double term = 1, harmonic = 0, sum = nu == 0 ? 0 : 1;  // k = 0: H_0 = 0, H_0 + H_1 = 1
  for (int k = 1; k < 60; ++k) {
    term *= y / (double(k) * (k + nu));
    const double next_harmonic = harmonic + 1.0 / k;
    const double weight = nu == 0 ? next_harmonic : next_harmonic + (next_harmonic + 1.0 / (k + 1));
    harmonic = next_harmonic;
    sum += term * weight;
    if (term * weight < 1e-17 * sum) break;
  }
  if (nu == 0) return -log_term * bessel_i0(x) + sum;
  return 1 / x + log_term * bessel_i1(x) - 0.25 * x * sum;
}

constexpr double kKSeriesUpTo = 2;

/// K_nu (scaled: exp(x) K_nu) for nu = 0, 1, with PyTorch's values off the positive reals.
double bessel_k(int nu, double x, bool scaled) {
  if (std::isnan(x) || x < 0) return kNaN;
  if (x == 0) return kInf;
  if (x == kInf) return 0;
  if (x <= kKSeriesUpTo) {
    const double k = bessel_k_series(nu, x);
    return scaled ? k * std::exp(x) : k;
  }
  const double k = bessel_k_scaled_integral(nu, x);
  return scaled ? k : k * std::exp(-x);
}

// ---- Airy Ai ----

constexpr double kAiryAtZero = 0.35502805388781723926, kAiryPrimeAtZeroNeg = 0.25881940379280679840;
// The Maclaurin series is summed in extended precision between these (its terms grow like
// exp(2/3 |x|^1.5) while Ai stays O(1)); below it the asymptotic oscillating form, above it K_1/3.
constexpr double kAirySeriesFrom = -8, kAirySeriesUpTo = 2;

/// Ai(x) = Ai(0) f(x) + Ai'(0) g(x), f = sum 3^k (1/3)_k x^3k / (3k)!, g = sum 3^k (2/3)_k x^(3k+1) / (3k+1)!.
double airy_series(double x) {
  const long double x3 = static_cast<long double>(x) * x * x;
  long double f_term = 1, g_term = x, f = 1, g = x;
  for (int k = 1; k < 200; ++k) {
    f_term *= x3 / ((3.0L * k - 1) * (3.0L * k));
    g_term *= x3 / ((3.0L * k) * (3.0L * k + 1));
    f += f_term;
    g += g_term;
    if (std::fabs(static_cast<double>(f_term)) + std::fabs(static_cast<double>(g_term)) < 1e-21) break;
  }
  return static_cast<double>(kAiryAtZero * f - kAiryPrimeAtZeroNeg * g);
}

/// Ai(-z) ~ z^(-1/4) / sqrt(pi) (cos(zeta - pi/4) P + sin(zeta - pi/4) Q), zeta = 2/3 z^1.5, with
/// P = sum (-1)^k u_2k zeta^-2k, Q = sum (-1)^k u_2k+1 zeta^-(2k+1) and
/// u_k = u_k-1 (6k-5)(6k-3)(6k-1) / (216 k (2k-1)).
double airy_negative_asymptotic(double z) {
  const double zeta = 2.0 / 3.0 * z * std::sqrt(z);
  double u = 1, power = 1, p = 1, q = 0, previous = kInf;
  for (int k = 1; k < 100; ++k) {
    u *= (6.0 * k - 5) * (6.0 * k - 3) * (6.0 * k - 1) / (216.0 * k * (2.0 * k - 1));
    power /= zeta;
    const double term = u * power;
    if (term < 1e-17 || term > previous) break;
    previous = term;
    const double signed_term = (k / 2) % 2 ? -term : term;
    (k % 2 ? q : p) += signed_term;
  }
  const double c = std::cos(zeta), s = std::sin(zeta);
  return ((c + s) * kSqrtHalf * p + (s - c) * kSqrtHalf * q) / (std::sqrt(kPi) * std::pow(z, 0.25));
}

}  // namespace

double bessel_j0(double x) {
  x = std::fabs(x);
  if (!(x < kInf)) return kNaN;
  return x == 0 ? 1 : bessel_jy(x).j0;
}

double bessel_j1(double x) {
  const double ax = std::fabs(x);
  if (!(ax < kInf)) return kNaN;
  if (ax == 0) return x;
  const double j1 = bessel_jy(ax).j1;  // J1 is odd
  return x < 0 ? -j1 : j1;
}

double bessel_y0(double x) {
  if (!(x >= 0 && x < kInf)) return kNaN;
  return x == 0 ? -kInf : bessel_jy(x).y0;
}

double bessel_y1(double x) {
  if (!(x >= 0 && x < kInf)) return kNaN;
  return x == 0 ? -kInf : bessel_jy(x).y1;
}

double bessel_k0(double x) { return bessel_k(0, x, false); }
double bessel_k1(double x) { return bessel_k(1, x, false); }
double bessel_k0e(double x) { return bessel_k(0, x, true); }
double bessel_k1e(double x) { return bessel_k(1, x, true); }

double spherical_bessel_j0(double x) {
  if (std::isinf(x)) return 0;
  const double x2 = x * x;
  // 1 - x^2/6 + x^4/120 is exact to rounding below |x| = 1e-3; sin(x)/x loses nothing above.
  if (std::fabs(x) < 1e-3) return 1 - x2 / 6 * (1 - x2 / 20);
  return std::sin(x) / x;
}

double airy_ai(double x) {
  if (!(std::fabs(x) < kInf)) return kNaN;  // PyTorch's value at +-inf and NaN
  if (x < kAirySeriesFrom) return airy_negative_asymptotic(-x);
  if (x <= kAirySeriesUpTo) return airy_series(x);
  // Ai(x) = sqrt(x/3) / pi K_1/3(zeta), zeta = 2/3 x^1.5.
  const double zeta = 2.0 / 3.0 * x * std::sqrt(x);
  return std::sqrt(x / 3) / kPi * bessel_k_scaled_integral(1.0 / 3.0, zeta) * std::exp(-zeta);
}

}  // namespace ember::cpu::special
