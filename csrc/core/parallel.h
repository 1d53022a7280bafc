#pragma once
// Placeholder until the thread pool lands: runs the range inline.
#include <cstdint>

namespace ember {
template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& fn) {
  if (begin < end) fn(begin, end);
}
}  // namespace ember
