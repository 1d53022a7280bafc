// CPU copy (with casting between any two dtypes) and fill.
#include "cpu/loops.h"
#include "ops/copy.h"

namespace ember::cpu {
namespace {

template <typename To>
struct CastOp {
  template <typename From>
  To operator()(From v) const { return static_cast<To>(v); }
};

void copy_cpu(const Tensor& dst, const Tensor& src) {
  EMBER_CHECK(dst.device().is_cpu() && src.device().is_cpu(), "[copy_] CPU kernel given a ",
              dst.device().str(), " destination and a ", src.device().str(), " source");
  StridedLoop loop{dst, src};
  dispatch_all(dst.dtype(), [&](auto to) {
    using To = typename decltype(to)::type;
    dispatch_all(src.dtype(), [&](auto from) {
      using From = typename decltype(from)::type;
      elementwise_loop<To, From>(loop, CastOp<To>{});
    });
  });
}

void fill_cpu(const Tensor& dst, const Scalar& value) {
  StridedLoop loop{dst};
  dispatch_all(dst.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T v = value.to<T>();
    elementwise_loop<T>(loop, [v]() { return v; });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(copy_kernel, CPU, &copy_cpu);
EMBER_REGISTER_KERNEL(fill_kernel, CPU, &fill_cpu);

}  // namespace ember::cpu
