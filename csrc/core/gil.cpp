#include "core/gil.h"

namespace ember {
namespace {
GilHooks g_hooks{nullptr, nullptr, nullptr};
}  // namespace

void set_gil_hooks(const GilHooks& hooks) { g_hooks = hooks; }

LongKernelScope::LongKernelScope(int64_t work) {
  if (work < kGilReleaseWork || !g_hooks.holds_gil || !g_hooks.holds_gil()) return;
  state_ = g_hooks.release();
  released_ = true;
}

LongKernelScope::~LongKernelScope() {
  if (released_) g_hooks.acquire(state_);
}

}  // namespace ember
