// StridedLoop (dims dropped, reordered and merged) and elementwise_loop, checked against a naive
// loop over multi-indices on contiguous, transposed, sliced, broadcast, empty and 0-d operands.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "cpu/loops.h"
#include "ops/ops.h"

namespace ember {
namespace {

using cpu::StridedLoop;

template <typename T>
Tensor iota(const Shape& sizes, DType dtype = dtype_of<T>()) {
  Tensor t = empty(sizes, dtype);
  T* p = t.data<T>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(i % 1000 + 1);
  return t;
}

// Element `flat` (row-major over t's sizes) read through t's strides.
template <typename T>
T element(const Tensor& t, int64_t flat) {
  int64_t off = 0;
  for (int d = t.dim() - 1; d >= 0; --d) {
    off += (flat % t.sizes()[d]) * t.strides()[d];
    flat /= t.sizes()[d];
  }
  return t.data<T>()[off];
}

// The loop's geometry as {size, byte stride of each operand} per dim, innermost first.
std::vector<std::vector<int64_t>> dims_of(const StridedLoop& loop) {
  std::vector<std::vector<int64_t>> out;
  for (int d = 0; d < loop.ndim(); ++d) {
    std::vector<int64_t> row{loop.shape()[d]};
    for (int k = 0; k < loop.ntensors(); ++k) row.push_back(loop.stride(k, d));
    out.push_back(row);
  }
  return out;
}

using Dims = std::vector<std::vector<int64_t>>;

TEST(StridedLoop, ContiguousOperandsMergeIntoOneDim) {
  Tensor out = empty({2, 3, 4}, DType::Float32), a = iota<float>({2, 3, 4});
  StridedLoop loop({out, a});
  EXPECT_EQ(loop.numel(), 24);
  EXPECT_EQ(dims_of(loop), (Dims{{24, 4, 4}}));
}

TEST(StridedLoop, SizeOneDimsAreDropped) {
  Tensor out = empty({3, 1, 4}, DType::Float64);
  Tensor a = as_strided(iota<double>({12}), {3, 1, 4}, {4, 77, 1});
  StridedLoop loop({out, a});
  EXPECT_EQ(dims_of(loop), (Dims{{12, 8, 8}}));
}

TEST(StridedLoop, TransposedInputKeepsTheOutputInnermost) {
  Tensor out = empty({3, 2}, DType::Float32);
  Tensor a = transpose(iota<float>({2, 3}), 0, 1);  // strides [1, 3]
  StridedLoop loop({out, a});
  // Inner dim: the output's last dim (size 2, 4 bytes), where a steps by 3 elements.
  EXPECT_EQ(dims_of(loop), (Dims{{2, 4, 12}, {3, 8, 4}}));
}

TEST(StridedLoop, OrderByPicksWhoseMemoryOrderIsWalked) {
  Tensor out = transpose(empty({4, 3}, DType::Float32), 0, 1);  // [3, 4], strides [1, 3]
  Tensor a = iota<float>({3, 4});
  StridedLoop by_out({out, a}, 0), by_a({out, a}, 1);
  EXPECT_EQ(dims_of(by_out), (Dims{{3, 4, 16}, {4, 12, 4}}));
  EXPECT_EQ(dims_of(by_a), (Dims{{4, 12, 4}, {3, 4, 16}}));
}

TEST(StridedLoop, PermutedOperandsWithTheSameLayoutStillMerge) {
  // Both operands are the same permutation of contiguous memory: one dim of 24.
  Tensor out = permute(empty({2, 3, 4}, DType::Int32), {2, 0, 1});
  Tensor a = permute(iota<int32_t>({2, 3, 4}), {2, 0, 1});
  StridedLoop loop({out, a});
  EXPECT_EQ(dims_of(loop), (Dims{{24, 4, 4}}));
}

TEST(StridedLoop, BroadcastDimsGoOutermostAndDoNotMerge) {
  Tensor out = empty({3, 4}, DType::Float32);
  Tensor row = expand_raw(iota<float>({4}), {3, 4});     // strides [0, 1]
  Tensor col = expand_raw(iota<float>({3, 1}), {3, 4});  // strides [1, 0]
  EXPECT_EQ(dims_of(StridedLoop({out, row})), (Dims{{4, 4, 4}, {3, 16, 0}}));
  EXPECT_EQ(dims_of(StridedLoop({out, col})), (Dims{{4, 4, 0}, {3, 16, 4}}));
  // Ordered by the broadcast input (as a reduction does), the stride-0 dim goes outermost.
  Tensor sum_out = expand_raw(empty({1, 4}, DType::Float32), {3, 4});
  EXPECT_EQ(dims_of(StridedLoop({sum_out, iota<float>({3, 4})}, 1)), (Dims{{4, 4, 4}, {3, 0, 16}}));
}

TEST(StridedLoop, ZeroDimAndEmpty) {
  Tensor out0 = empty({}, DType::Float32), a0 = iota<float>({});
  StridedLoop scalar({out0, a0});
  EXPECT_EQ(scalar.ndim(), 0);
  EXPECT_EQ(scalar.numel(), 1);
  int calls = 0;
  scalar.for_each([&](char** data, const int64_t*, int64_t n) {
    EXPECT_EQ(n, 1);
    EXPECT_EQ(data[0], out0.data_ptr());
    ++calls;
  });
  EXPECT_EQ(calls, 1);

  Tensor out = empty({3, 0, 2}, DType::Float32), a = iota<float>({3, 0, 2});
  StridedLoop none({out, a});
  EXPECT_EQ(none.numel(), 0);
  none.for_each([&](char**, const int64_t*, int64_t) { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(StridedLoop, SerialForCoversExactlyTheRequestedRange) {
  // A [5, 7] output walked in row-major order: indices [3, 20) cross two row boundaries.
  Tensor out = zeros({5, 7}, DType::Int64);
  Tensor a = transpose(iota<int64_t>({7, 5}), 0, 1);  // forces two dims
  StridedLoop loop({out, a});
  ASSERT_EQ(loop.ndim(), 2);
  loop.serial_for(3, 20, [](char** data, const int64_t* s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) *reinterpret_cast<int64_t*>(data[0] + i * s[0]) += 1;
  });
  for (int64_t i = 0; i < 35; ++i) EXPECT_EQ(out.data<int64_t>()[i], i >= 3 && i < 20 ? 1 : 0) << i;
}

// out = a * 2 + b through elementwise_loop, compared with the same formula element by element.
template <typename Out, typename A, typename B>
void check_elementwise(const Tensor& out, const Tensor& a, const Tensor& b) {
  cpu::elementwise_loop<Out, A, B>(StridedLoop({out, a, b}),
                                   [](A x, B y) { return static_cast<Out>(x * 2 + y); });
  for (int64_t i = 0; i < out.numel(); ++i) {
    Out want = static_cast<Out>(element<A>(a, i) * 2 + element<B>(b, i));
    ASSERT_EQ(element<Out>(out, i), want) << "element " << i;
  }
}

TEST(ElementwiseLoop, ContiguousOperands) {
  check_elementwise<float, float, float>(empty({4, 5}, DType::Float32), iota<float>({4, 5}),
                                         iota<float>({4, 5}));
}

TEST(ElementwiseLoop, MixedTypes) {
  check_elementwise<double, int32_t, double>(empty({6, 3}, DType::Float64), iota<int32_t>({6, 3}),
                                             iota<double>({6, 3}));
}

TEST(ElementwiseLoop, TransposedAndSlicedOperands) {
  Tensor a = transpose(iota<float>({5, 4}), 0, 1);               // [4, 5], strides [1, 4]
  Tensor b = slice(iota<float>({4, 10}), 1, 1, 10, 2);           // [4, 5], strides [10, 2]
  check_elementwise<float, float, float>(empty({4, 5}, DType::Float32), a, b);
  // A transposed output too.
  Tensor out = transpose(empty({5, 4}, DType::Float32), 0, 1);
  check_elementwise<float, float, float>(out, a, b);
}

TEST(ElementwiseLoop, BroadcastOperandsTakeTheScalarPath) {
  Tensor out = empty({3, 4}, DType::Float64);
  check_elementwise<double, double, double>(out, expand_raw(iota<double>({4}), {3, 4}),
                                            expand_raw(iota<double>({3, 1}), {3, 4}));
  check_elementwise<double, double, double>(out, iota<double>({3, 4}),
                                            expand_raw(iota<double>({}), {3, 4}));
  check_elementwise<double, double, double>(out, expand_raw(iota<double>({}), {3, 4}),
                                            expand_raw(iota<double>({}), {3, 4}));
}

TEST(ElementwiseLoop, ZeroDimAndEmpty) {
  check_elementwise<float, float, float>(empty({}, DType::Float32), iota<float>({}), iota<float>({}));
  check_elementwise<float, float, float>(empty({0, 3}, DType::Float32), iota<float>({0, 3}),
                                         iota<float>({0, 3}));
}

TEST(ElementwiseLoop, LargeStridedOperandsAcrossThreads) {
  // Above kParallelGrain, so parallel_for splits the rows between threads.
  Tensor a = transpose(iota<float>({300, 400}), 0, 1);
  Tensor b = expand_raw(iota<float>({1, 300}), {400, 300});
  ASSERT_GT(a.numel(), 2 * cpu::kParallelGrain);
  check_elementwise<float, float, float>(empty({400, 300}, DType::Float32), a, b);
}

}  // namespace
}  // namespace ember
