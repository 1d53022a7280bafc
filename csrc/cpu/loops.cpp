#include "cpu/loops.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace ember::cpu {

StridedLoop::StridedLoop(std::initializer_list<Tensor> operands, int order_by) {
  ntensors_ = static_cast<int>(operands.size());
  EMBER_CHECK(ntensors_ <= kMaxOperands, "StridedLoop supports at most ", kMaxOperands, " operands");
  const Tensor& out = *operands.begin();
  const Shape& sizes = out.sizes();
  numel_ = out.numel();
  int k = 0;
  for (const Tensor& t : operands) data_[k++] = t.data_ptr();

  // Keep dims of size > 1, innermost first, ordered by one operand's strides so that it is
  // walked in memory order (an in-place op on a transposed tensor still gets a contiguous inner
  // loop). Broadcast (stride-0) dims go outermost.
  const Shape& key = (operands.begin() + order_by)->strides();
  auto rank = [&](int d) { return key[d] == 0 ? INT64_MAX : std::abs(key[d]); };
  int order[kMaxDims];
  int n = 0;
  for (int d = sizes.size() - 1; d >= 0; --d)
    if (sizes[d] != 1) order[n++] = d;
  std::stable_sort(order, order + n, [&](int a, int b) { return rank(a) < rank(b); });

  ndim_ = 0;
  for (int i = 0; i < n; ++i) {
    int d = order[i];
    int64_t st[kMaxOperands];
    k = 0;
    for (const Tensor& t : operands) st[k++] = t.strides()[d] * static_cast<int64_t>(t.itemsize());
    // Merge with the previous (inner) dim when every operand steps through both as one.
    bool merge = ndim_ > 0;
    for (int j = 0; j < ntensors_ && merge; ++j)
      merge = st[j] == strides_[ndim_ - 1][j] * shape_[ndim_ - 1];
    if (merge) {
      shape_[ndim_ - 1] *= sizes[d];
    } else {
      shape_[ndim_] = sizes[d];
      for (int j = 0; j < ntensors_; ++j) strides_[ndim_][j] = st[j];
      ++ndim_;
    }
  }
  for (int j = ntensors_; j < kMaxOperands; ++j) {
    data_[j] = nullptr;
    for (int d = 0; d < ndim_; ++d) strides_[d][j] = 0;
  }
}

}  // namespace ember::cpu
