#pragma once
// The CPU loop every elementwise op and reduction shares. Operands arrive with one common shape
// (broadcast inputs are stride-0 views); StridedLoop drops size-1 dims, orders dims so the output's
// smallest stride is innermost, merges dims that are contiguous for every operand, and hands an
// inner-loop function (data pointers, byte strides, length) chunks of the flattened index space.
// elementwise_loop then gives the compiler a plain contiguous loop whenever it can.
#include <cstring>
#include <tuple>
#include <utility>

#include "core/gil.h"
#include "core/parallel.h"
#include "core/tensor.h"

namespace ember::cpu {

/// Elementwise work below this many elements stays on one thread.
constexpr int64_t kParallelGrain = 32768;

class StridedLoop {
 public:
  static constexpr int kMaxOperands = 4;

  /// operands[0] is the output; all must have sizes == operands[0].sizes(). Dims are walked in
  /// the memory order of operand `order_by` (a reduction passes its input, whose output has
  /// stride-0 dims).
  StridedLoop(std::initializer_list<Tensor> operands, int order_by = 0);

  int64_t numel() const { return numel_; }
  int ndim() const { return ndim_; }
  int ntensors() const { return ntensors_; }
  const int64_t* shape() const { return shape_; }
  /// Byte stride of operand k along (reordered, merged) dim d; dim 0 is innermost.
  int64_t stride(int k, int d) const { return strides_[d][k]; }
  char* data(int k) const { return data_[k]; }

  /// Calls inner(data, strides, n) over flattened indices [begin, end): each call covers part of
  /// one innermost row. strides are the byte strides of the operands along the innermost dim.
  template <typename Inner>
  void serial_for(int64_t begin, int64_t end, const Inner& inner) const;
  /// serial_for over everything, split across threads when large; a large loop releases the
  /// GIL (Note [Kernels run without the GIL]).
  template <typename Inner>
  void for_each(const Inner& inner, int64_t grain = kParallelGrain) const {
    LongKernelScope nogil(numel_);
    parallel_for(0, numel_, grain, [&](int64_t b, int64_t e) { serial_for(b, e, inner); });
  }

 private:
  int ntensors_ = 0;
  int ndim_ = 0;
  int64_t numel_ = 1;
  int64_t shape_[kMaxDims];
  int64_t strides_[kMaxDims][kMaxOperands];  // [dim][operand], dim 0 innermost
  char* data_[kMaxOperands];
};

template <typename Inner>
void StridedLoop::serial_for(int64_t begin, int64_t end, const Inner& inner) const {
  if (begin >= end) return;
  if (ndim_ == 0) {  // a single element
    char* ptrs[kMaxOperands];
    int64_t zero[kMaxOperands] = {0, 0, 0, 0};
    std::memcpy(ptrs, data_, sizeof(ptrs));
    inner(ptrs, zero, 1);
    return;
  }
  // Multi-index of `begin` over dims 1..ndim-1; dim 0 is handled by the inner loop.
  int64_t idx[kMaxDims];
  int64_t rest = begin;
  for (int d = 0; d < ndim_; ++d) {
    idx[d] = rest % shape_[d];
    rest /= shape_[d];
  }
  int64_t pos = begin;
  while (pos < end) {
    char* ptrs[kMaxOperands];
    for (int k = 0; k < ntensors_; ++k) {
      int64_t off = 0;
      for (int d = 0; d < ndim_; ++d) off += idx[d] * strides_[d][k];
      ptrs[k] = data_[k] + off;
    }
    int64_t n = shape_[0] - idx[0];
    if (n > end - pos) n = end - pos;
    inner(ptrs, strides_[0], n);
    pos += n;
    idx[0] = 0;
    for (int d = 1; d < ndim_; ++d) {
      if (++idx[d] < shape_[d]) break;
      idx[d] = 0;
    }
  }
}

namespace detail {

// out[i] = op(in_k[i]...), where inputs whose bit is set in Mask are scalars (stride 0). The mask
// is a template argument so each combination compiles to its own plain loop the compiler vectorises.
template <unsigned Mask, typename Out, typename... In, typename Op, size_t... I>
void dense_loop(char** data, int64_t n, const Op& op, std::index_sequence<I...>) {
  Out* out = reinterpret_cast<Out*>(data[0]);
  std::tuple<const In*...> in{reinterpret_cast<const In*>(data[I + 1])...};
  for (int64_t i = 0; i < n; ++i)
    out[i] = op(std::get<I>(in)[((Mask >> I) & 1) ? 0 : i]...);
}

template <typename Out, typename... In, typename Op, size_t... I>
void strided_loop(char** data, const int64_t* s, int64_t n, const Op& op,
                  std::index_sequence<I...>) {
  for (int64_t i = 0; i < n; ++i)
    *reinterpret_cast<Out*>(data[0] + i * s[0]) =
        op(*reinterpret_cast<const In*>(data[I + 1] + i * s[I + 1])...);
}

template <typename Out, typename... In, typename Op, size_t... M>
void dense_dispatch(unsigned mask, char** data, int64_t n, const Op& op,
                    std::index_sequence<M...>) {
  using Fn = void (*)(char**, int64_t, const Op&, std::index_sequence_for<In...>);
  static constexpr Fn table[] = {&dense_loop<M, Out, In...>...};
  table[mask](data, n, op, std::index_sequence_for<In...>{});
}

}  // namespace detail

/// Runs out = op(inputs...) over a StridedLoop whose operand 0 has type Out and operand k+1 type
/// In_k. The functor is called per element and inlined; there is no per-element dispatch.
template <typename Out, typename... In, typename Op>
void elementwise_loop(const StridedLoop& loop, const Op& op) {
  constexpr size_t N = sizeof...(In);
  constexpr int64_t sizes[] = {int64_t(sizeof(In))..., 0};
  loop.for_each([&](char** data, const int64_t* s, int64_t n) {
    bool dense = s[0] == int64_t(sizeof(Out));
    unsigned mask = 0;
    for (size_t k = 0; k < N && dense; ++k) {
      if (s[k + 1] == 0)
        mask |= 1u << k;
      else if (s[k + 1] != sizes[k])
        dense = false;
    }
    if (dense)
      detail::dense_dispatch<Out, In...>(mask, data, n, op, std::make_index_sequence<(1u << N)>{});
    else
      detail::strided_loop<Out, In...>(data, s, n, op, std::index_sequence_for<In...>{});
  });
}

}  // namespace ember::cpu
