// The classical orthogonal polynomials P_n(x) of torch.special, by their three-term recurrences
// (the Chebyshev kinds by their trigonometric closed forms inside (-1, 1) for larger n, which cost
// O(1) and lose no accuracy with n). As in PyTorch, the degree is truncated to an integer and a
// negative degree gives 0.
#include <cmath>
#include <cstdint>
#include <limits>

#include "cpu/special_math.h"

namespace ember::cpu::special {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// From this degree on, the closed forms replace the recurrence inside (-1, 1).
constexpr int64_t kClosedFormFrom = 7;

/// Runs p_{k+1} = step(k, p_k, p_{k-1}) from p_0, p_1 up to degree n; stops early once the value
/// is no longer finite (it stays so), so a huge degree outside [-1, 1] does not loop for long.
template <typename Step>
double recurrence(int64_t n, double p0, double p1, Step step) {
  if (n == 0) return p0;
  double previous = p0, current = p1;
  for (int64_t k = 1; k < n && std::isfinite(current); ++k) {
    const double next = step(k, current, previous);
    previous = current;
    current = next;
  }
  return current;
}

/// The degree PyTorch uses: truncated toward zero (-1 for any negative degree, and for NaN, which
/// the callers test first).
int64_t degree(double n) {
  if (!(n >= 0)) return -1;
  if (n >= 9.2e18) return INT64_MAX;
  return static_cast<int64_t>(n);
}

/// The four Chebyshev kinds share p_{k+1} = 2x p_k - p_{k-1}; they differ in p_1 and closed form.
enum class Chebyshev { T, U, V, W };

double chebyshev(Chebyshev kind, double x, double n_value) {
  const int64_t n = degree(n_value);
  if (std::isnan(x) || std::isnan(n_value)) return kNaN;
  if (n < 0) return 0;
  const double odd_sign = n % 2 ? -1.0 : 1.0;
  // Values at the ends, where the closed forms divide by zero.
  if (std::fabs(x) == 1) {
    const bool right = x > 0;
    switch (kind) {
      case Chebyshev::T: return right ? 1 : odd_sign;
      case Chebyshev::U: return (right ? 1 : odd_sign) * double(n + 1);
      case Chebyshev::V: return right ? 1 : odd_sign * double(2 * n + 1);
      case Chebyshev::W: return right ? double(2 * n + 1) : odd_sign;
    }
  }
  if (n >= kClosedFormFrom && std::fabs(x) < 1) {
    const double theta = std::acos(x), m = double(n);
    switch (kind) {
      case Chebyshev::T: return std::cos(m * theta);
      case Chebyshev::U: return std::sin((m + 1) * theta) / std::sin(theta);
      case Chebyshev::V: return std::cos((m + 0.5) * theta) / std::cos(theta / 2);
      case Chebyshev::W: return std::sin((m + 0.5) * theta) / std::sin(theta / 2);
    }
  }
  const double p1 = kind == Chebyshev::T ? x : kind == Chebyshev::U ? 2 * x
                  : kind == Chebyshev::V ? 2 * x - 1 : 2 * x + 1;
  return recurrence(n, 1, p1, [x](int64_t, double p, double q) { return 2 * x * p - q; });
}

}  // namespace

double chebyshev_t(double x, double n) { return chebyshev(Chebyshev::T, x, n); }
double chebyshev_u(double x, double n) { return chebyshev(Chebyshev::U, x, n); }
double chebyshev_v(double x, double n) { return chebyshev(Chebyshev::V, x, n); }
double chebyshev_w(double x, double n) { return chebyshev(Chebyshev::W, x, n); }

double hermite_h(double x, double n_value) {
  const int64_t n = degree(n_value);
  if (std::isnan(x) || std::isnan(n_value)) return kNaN;
  if (n < 0) return 0;
  return recurrence(n, 1, 2 * x, [x](int64_t k, double p, double q) { return 2 * x * p - 2 * double(k) * q; });
}

double hermite_he(double x, double n_value) {
  const int64_t n = degree(n_value);
  if (std::isnan(x) || std::isnan(n_value)) return kNaN;
  if (n < 0) return 0;
  return recurrence(n, 1, x, [x](int64_t k, double p, double q) { return x * p - double(k) * q; });
}

double laguerre_l(double x, double n_value) {
  const int64_t n = degree(n_value);
  if (std::isnan(x) || std::isnan(n_value)) return kNaN;
  if (n < 0) return 0;
  return recurrence(n, 1, 1 - x, [x](int64_t k, double p, double q) {
    const double m = double(k);
    return ((2 * m + 1 - x) * p - m * q) / (m + 1);
  });
}

double legendre_p(double x, double n_value) {
  const int64_t n = degree(n_value);
  if (std::isnan(x) || std::isnan(n_value)) return kNaN;
  if (n < 0) return 0;
  if (std::fabs(x) == 1) return x > 0 || n % 2 == 0 ? 1 : -1;
  return recurrence(n, 1, x, [x](int64_t k, double p, double q) {
    const double m = double(k);
    return ((2 * m + 1) * x * p - m * q) / (m + 1);
  });
}

}  // namespace ember::cpu::special
