#pragma once
// Row loops shared by the CPU kernels that work on whole rows along one dim (sort, topk,
// kthvalue, unique, mode, cummax, ...): a StridedLoop over the "row start" views (the operands
// without dim), and PyTorch's ordering of floats, where NaN is the largest value.
// See Note [Strides are in elements].
#include <algorithm>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpu/loops.h"

namespace ember::cpu {

/// t without dim d: element i is where row i along d starts.
inline Tensor row_starts(const Tensor& t, int d) {
  Shape sizes = t.sizes(), strides = t.strides();
  sizes.erase(d);
  strides.erase(d);
  return make_tensor(t.storage(), sizes, strides, t.storage_offset(), t.dtype());
}

/// Calls chunk(rows, n) with rows(i, k) the start of row i of operand k, for runs of n rows;
/// the operands must agree on every dim but d. Rows of `row_len` elements are split over threads
/// so that each thread gets about kParallelGrain elements or more.
template <typename Chunk, typename... Ts>
void for_each_row(int d, int64_t row_len, const Chunk& chunk, const Ts&... ts) {
  StridedLoop loop{row_starts(ts, d)...};
  int64_t grain = std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(row_len, 1));
  loop.for_each([&](char** data, const int64_t* s, int64_t n) {
    auto rows = [data, s](int64_t i, int k) { return data[k] + i * s[k]; };
    chunk(rows, n);
  }, grain);
}

/// The order PyTorch sorts in: NaN is larger than every number (and equal to NaN).
template <typename T>
bool nan_last_less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a < b || (b != b && a == a);
  else
    return a < b;
}
template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v; else return false;
}

/// A value and its position in its row.
template <typename T>
using Entry = std::pair<T, int64_t>;
// Comparators as types (not function pointers) so that std::sort inlines them.
struct EntryLess {
  template <typename T>
  bool operator()(const Entry<T>& a, const Entry<T>& b) const { return nan_last_less(a.first, b.first); }
};
struct EntryGreater {
  template <typename T>
  bool operator()(const Entry<T>& a, const Entry<T>& b) const { return nan_last_less(b.first, a.first); }
};

/// Reads row `x` (stride xs) into (value, index) pairs.
template <typename T>
void load_row(std::vector<Entry<T>>& buf, const T* x, int64_t xs, int64_t n) {
  buf.resize(n);
  for (int64_t j = 0; j < n; ++j) buf[j] = {x[j * xs], j};
}

}  // namespace ember::cpu
