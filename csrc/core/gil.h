#pragma once
// Lets long kernels release Python's GIL without the core knowing Python: the binding installs
// three callbacks at import (see python/module.cpp); a LongKernelScope around a kernel releases
// the GIL for its duration when the work is large and the calling thread holds it. Without
// installed hooks (C++ tests, embedding) the scope does nothing.
//
// Note [Kernels run without the GIL]: code under a LongKernelScope must not touch Python
// objects. Kernels only read and write tensor memory, and storages that wrap Python objects
// (NumPy arrays) take the GIL themselves when they are freed.
#include <cstdint>

namespace ember {

struct GilHooks {
  bool (*holds_gil)();         // does the calling thread hold the GIL?
  void* (*release)();          // releases it; returns what acquire needs to take it back
  void (*acquire)(void* state);
};

/// Installs the hooks (the Python module does this once, at import).
void set_gil_hooks(const GilHooks& hooks);

/// Elements of work above which a kernel releases the GIL: below it, the release/acquire pair
/// (about a microsecond) costs more than another thread could gain.
constexpr int64_t kGilReleaseWork = int64_t{1} << 16;

/// Releases the GIL for its lifetime when work >= kGilReleaseWork and this thread holds it.
class LongKernelScope {
 public:
  explicit LongKernelScope(int64_t work);
  ~LongKernelScope();
  LongKernelScope(const LongKernelScope&) = delete;
  LongKernelScope& operator=(const LongKernelScope&) = delete;

 private:
  void* state_ = nullptr;
  bool released_ = false;
};

}  // namespace ember
