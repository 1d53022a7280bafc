#pragma once
// Per-device kernel tables. An op declares a Kernel once; each backend (cpu/, cuda/) registers its
// implementation at load time; the op calls kernel(device, args...) and never names a device or
// uses #ifdef. A missing implementation is a RuntimeError that names the kernel and the device.
#include "core/device.h"
#include "core/error.h"

namespace ember {

template <typename Signature>
class Kernel;

template <typename R, typename... Args>
class Kernel<R(Args...)> {
 public:
  using Fn = R (*)(Args...);
  explicit constexpr Kernel(const char* name) : name_(name) {}

  R operator()(Device device, Args... args) const {
    Fn fn = impl_[static_cast<int>(device.type)];
    EMBER_CHECK(fn, "[", name_, "] is not implemented for device '", device.str(), "'",
                device.is_cpu() ? "" : " (is this build of ember compiled with CUDA?)");
    return fn(args...);
  }
  bool registered(DeviceType type) const { return impl_[static_cast<int>(type)] != nullptr; }
  void set(DeviceType type, Fn fn) { impl_[static_cast<int>(type)] = fn; }

 private:
  const char* name_;
  Fn impl_[2] = {nullptr, nullptr};
};

}  // namespace ember

/// In a header: EMBER_DECLARE_KERNEL(unary_kernel, void(UnaryOp, const Tensor&, const Tensor&));
#define EMBER_DECLARE_KERNEL(name, ...) extern ::ember::Kernel<__VA_ARGS__> name
/// In the op's .cpp file, next to the op that calls it.
#define EMBER_DEFINE_KERNEL(name, ...) ::ember::Kernel<__VA_ARGS__> name(#name)
/// In a backend's .cpp file: EMBER_REGISTER_KERNEL(unary_kernel, CPU, &unary_cpu);
#define EMBER_REGISTER_KERNEL(name, device, fn)                         \
  static const bool name##_##device##_registered = [] {                 \
    name.set(::ember::DeviceType::device, fn);                          \
    return true;                                                        \
  }()
