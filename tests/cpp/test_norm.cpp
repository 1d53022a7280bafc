// The fused normalisation kernels against naive double-precision loops, on one and several threads
// (layer_norm rows split across threads; batch_norm's short-run block walk and long-run channel walk).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/parallel.h"
#include "ops/ops.h"

namespace ember {
namespace {

struct ThreadCountGuard {
  int saved = get_num_threads();
  ~ThreadCountGuard() { set_num_threads(saved); }
};

std::vector<double> values(const Tensor& t) {
  Tensor d = contiguous(to_dtype(t, DType::Float64));
  return {d.data<double>(), d.data<double>() + d.numel()};
}

TEST(Norm, LayerNormMatchesNaiveRowsOnAnyThreadCount) {
  ThreadCountGuard guard;
  const int64_t rows = 300, n = 257;
  Tensor x = add(mul(randn({rows, n}, DType::Float32), Scalar(3.0)), Scalar(100.0));
  std::vector<double> xs = values(x), ref(rows * n);
  for (int64_t r = 0; r < rows; ++r) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < n; ++i) m += xs[r * n + i] / n;
    for (int64_t i = 0; i < n; ++i) v += (xs[r * n + i] - m) * (xs[r * n + i] - m) / n;
    for (int64_t i = 0; i < n; ++i) ref[r * n + i] = (xs[r * n + i] - m) / std::sqrt(v + 1e-5);
  }
  std::vector<double> first;
  for (int threads : {1, 2, 4}) {
    set_num_threads(threads);
    std::vector<double> out = values(layer_norm(x, {n}));
    for (int64_t i = 0; i < rows * n; ++i) ASSERT_NEAR(out[i], ref[i], 1e-4) << i;
    if (first.empty()) first = out;
    EXPECT_EQ(out, first) << "rows are independent: the thread count must not change a bit";
  }
}

TEST(Norm, BatchNormShortAndLongRunsMatchNaiveChannels) {
  ThreadCountGuard guard;
  set_num_threads(2);
  for (Shape shape : {Shape{40, 1500}, Shape{6, 300, 5}, Shape{4, 7, 90}}) {
    Tensor x = randn(shape, DType::Float64);
    Tensor rm = zeros({shape[1]}, DType::Float64), rv = ones({shape[1]}, DType::Float64);
    auto [out, mean, invstd] = native_batch_norm(x, {}, {}, rm, rv, true, 0.25, 1e-5);
    const int64_t b = shape[0], c = shape[1], s = x.numel() / (b * c);
    std::vector<double> xs = values(x), ys = values(out), ms = values(mean), rvs = values(rv);
    for (int64_t k = 0; k < c; ++k) {
      double m = 0, v = 0;
      for (int64_t n = 0; n < b; ++n)
        for (int64_t j = 0; j < s; ++j) m += xs[(n * c + k) * s + j] / (b * s);
      for (int64_t n = 0; n < b; ++n)
        for (int64_t j = 0; j < s; ++j) v += std::pow(xs[(n * c + k) * s + j] - m, 2);
      ASSERT_NEAR(ms[k], m, 1e-12);
      ASSERT_NEAR(rvs[k], 0.75 + 0.25 * v / (b * s - 1), 1e-12);
      for (int64_t n = 0; n < b; ++n)
        for (int64_t j = 0; j < s; ++j) {
          const int64_t i = (n * c + k) * s + j;
          ASSERT_NEAR(ys[i], (xs[i] - m) / std::sqrt(v / (b * s) + 1e-5), 1e-10) << shape << " " << i;
        }
    }
  }
}

}  // namespace
}  // namespace ember
