#pragma once
// Thread-local switches for recording the graph (no_grad, enable_grad, inference_mode).

namespace ember {

class GradMode {
 public:
  static bool is_enabled();
  static void set_enabled(bool enabled);
  static bool is_inference();
  static void set_inference(bool inference);
};

/// Sets grad mode for a C++ scope and restores the previous mode on exit.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : prev_(GradMode::is_enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~GradModeGuard() { GradMode::set_enabled(prev_); }

 private:
  bool prev_;
};

}  // namespace ember
