// ember::cpu::gemm against a naive triple loop, for every dtype, edge shape and stride pattern.

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
#include "cpu/gemm.h"

namespace {

using ember::cpu::gemm;

// A dense M x N matrix that is either row-major or column-major, to exercise both strides.
template <typename T>
struct Matrix {
  int64_t rows, cols;
  bool col_major;
  std::vector<T> data;
  int64_t rs() const { return col_major ? 1 : cols; }
  int64_t cs() const { return col_major ? rows : 1; }
  T& at(int64_t i, int64_t j) { return data[i * rs() + j * cs()]; }
  T at(int64_t i, int64_t j) const { return data[i * rs() + j * cs()]; }
};

// Small integers keep int32 sums exact and below overflow; floats get the same values.
template <typename T>
Matrix<T> random_matrix(int64_t rows, int64_t cols, bool col_major, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(std::is_unsigned_v<T> ? 0 : -4, 4);
  Matrix<T> m{rows, cols, col_major, std::vector<T>(rows * cols)};
  for (T& x : m.data) x = static_cast<T>(dist(rng));
  return m;
}

// Reference in double for floats and int64 for integers; the cast back wraps like uint8 does.
template <typename T>
T reference(const Matrix<T>& a, const Matrix<T>& b, T c_old, int64_t i, int64_t j, T alpha, T beta) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  Acc acc = 0;
  for (int64_t k = 0; k < a.cols; ++k) acc += Acc(a.at(i, k)) * Acc(b.at(k, j));
  Acc out = Acc(alpha) * acc;
  if (beta != T(0)) out += Acc(beta) * Acc(c_old);
  return static_cast<T>(out);
}

struct Case {
  int64_t M, N, K;
  bool a_col_major, b_col_major, c_col_major;
  double alpha, beta;
};

template <typename T>
void check(const Case& tc, std::mt19937& rng) {
  Matrix<T> a = random_matrix<T>(tc.M, tc.K, tc.a_col_major, rng);
  Matrix<T> b = random_matrix<T>(tc.K, tc.N, tc.b_col_major, rng);
  Matrix<T> c = random_matrix<T>(tc.M, tc.N, tc.c_col_major, rng);
  if constexpr (std::is_floating_point_v<T>) {
    // beta == 0 must not read C: NaN there would poison the result.
    if (tc.beta == 0) {
      for (T& x : c.data) x = std::numeric_limits<T>::quiet_NaN();
    }
  }
  const Matrix<T> c_old = c;
  const T alpha = static_cast<T>(tc.alpha), beta = static_cast<T>(tc.beta);
  gemm<T>(tc.M, tc.N, tc.K, alpha, a.data.data(), a.rs(), a.cs(), b.data.data(), b.rs(), b.cs(),
          beta, c.data.data(), c.rs(), c.cs());
  for (int64_t i = 0; i < tc.M; ++i) {
    for (int64_t j = 0; j < tc.N; ++j) {
      const T want = reference(a, b, c_old.at(i, j), i, j, alpha, beta);
      const T got = c.at(i, j);
      if constexpr (std::is_floating_point_v<T>) {
        const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
        ASSERT_NEAR(got, want, tol * (1 + std::abs(double(want))))
            << tc.M << "x" << tc.N << "x" << tc.K << " at (" << i << "," << j << ")";
      } else {
        ASSERT_EQ(got, want) << tc.M << "x" << tc.N << "x" << tc.K << " at (" << i << "," << j
                             << ")";
      }
    }
  }
}

template <typename T>
class GemmTest : public ::testing::Test {};
using Types = ::testing::Types<float, double, int64_t, int32_t, uint8_t>;
TYPED_TEST_SUITE(GemmTest, Types);

// Shapes cover: scalar, both unpacked paths (narrow and by rows, one wider than a 64-column
// chunk), 0-sized, K == 0, primes (edge tiles), exact tiles, multi-block, skinny.
const std::vector<std::array<int64_t, 3>> kShapes = {
    {1, 1, 1},    {2, 2, 2},     {3, 1, 5},      {3, 10, 7},   {2, 70, 3},
    {0, 4, 3},    {4, 0, 3},     {5, 4, 0},      {37, 53, 29}, {6, 16, 300},
    {7, 17, 65},  {64, 64, 64},  {200, 300, 150}, {1, 500, 40}, {300, 2, 70}};

TYPED_TEST(GemmTest, MatchesNaiveLoop) {
  std::mt19937 rng(42);
  const bool is_float = std::is_floating_point_v<TypeParam>;
  for (const auto& s : kShapes) {
    for (double beta : {0.0, 1.0, is_float ? 0.5 : 2.0}) {
      for (double alpha : {1.0, is_float ? -1.5 : 3.0}) {
        check<TypeParam>({s[0], s[1], s[2], false, false, false, alpha, beta}, rng);
      }
    }
  }
}

TYPED_TEST(GemmTest, TransposedStrides) {
  std::mt19937 rng(7);
  for (const auto& s : kShapes) {
    for (int layout = 1; layout < 8; ++layout) {
      check<TypeParam>({s[0], s[1], s[2], bool(layout & 1), bool(layout & 2), bool(layout & 4),
                        2.0, 1.0},
                       rng);
    }
  }
}

TYPED_TEST(GemmTest, AlphaZeroOnlyScalesC) {
  std::mt19937 rng(3);
  check<TypeParam>({40, 50, 60, false, false, false, 0.0, 2.0}, rng);
  check<TypeParam>({40, 50, 60, false, false, false, 0.0, 0.0}, rng);
}

TYPED_TEST(GemmTest, SingleAndMultiThreadAgree) {
  std::mt19937 rng(11);
  const int saved = ember::get_num_threads();
  for (int threads : {1, 2, 3}) {
    ember::set_num_threads(threads);
    check<TypeParam>({130, 70, 90, false, true, false, 1.0, 0.0}, rng);   // split over M
    check<TypeParam>({50, 260, 90, true, false, false, 1.0, 1.0}, rng);   // split over N
  }
  ember::set_num_threads(saved);
}

// A column slice of a wider buffer: row stride larger than the column count.
TEST(Gemm, SlicedInputsAndOutput) {
  const int64_t M = 33, N = 41, K = 27, pad = 5;
  std::vector<float> a(M * (K + pad)), b(K * (N + pad)), c(M * (N + pad), -7.f);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (float& x : a) x = dist(rng);
  for (float& x : b) x = dist(rng);
  gemm<float>(M, N, K, 1.f, a.data(), K + pad, 1, b.data(), N + pad, 1, 0.f, c.data(), N + pad, 1);
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N + pad; ++j) {
      double want = -7.0;  // the padding columns of C must be untouched
      if (j < N) {
        want = 0;
        for (int64_t k = 0; k < K; ++k) want += double(a[i * (K + pad) + k]) * b[k * (N + pad) + j];
      }
      ASSERT_NEAR(c[i * (N + pad) + j], want, 1e-4);
    }
  }
}

}  // namespace
