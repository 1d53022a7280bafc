// CPU kernels of the range factories (arange, linspace, logspace). Each element is computed from
// its index alone, so chunks run in parallel and long ranges accumulate no rounding error.
#include <cmath>

#include "core/parallel.h"
#include "cpu/loops.h"
#include "ops/factory.h"

namespace ember::cpu {
namespace {

void arange_cpu(const Tensor& out, const Scalar& start, const Scalar& step) {
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.data<T>();
    if constexpr (std::is_floating_point_v<T>) {
      const double s = start.to_double(), st = step.to_double();
      parallel_for(0, out.numel(), kParallelGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = static_cast<T>(s + st * static_cast<double>(i));
      });
    } else {
      const int64_t s = start.to<int64_t>(), st = step.to<int64_t>();
      parallel_for(0, out.numel(), kParallelGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = static_cast<T>(s + st * i);
      });
    }
  });
}

// Floating outputs step in their own type, integer ones in double (PyTorch's choice, which
// keeps float32 linspace bit-compatible with it).
void linspace_cpu(const Tensor& out, double start, double end, double log_base) {
  const int64_t n = out.numel();
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Step = std::conditional_t<std::is_floating_point_v<T>, T, double>;
    const Step s = static_cast<Step>(start), e = static_cast<Step>(end);
    const Step step = n > 1 ? (e - s) / static_cast<Step>(n - 1) : Step(0);
    const int64_t half = n / 2;
    T* o = out.data<T>();
    parallel_for(0, n, kParallelGrain, [&](int64_t b, int64_t en) {
      for (int64_t i = b; i < en; ++i) {
        Step x = n == 1 ? s : i < half ? s + step * static_cast<Step>(i) : e - step * static_cast<Step>(n - 1 - i);
        if (log_base > 0) x = static_cast<Step>(std::pow(static_cast<double>(log_base), static_cast<double>(x)));
        o[i] = static_cast<T>(x);
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(arange_kernel, CPU, &arange_cpu);
EMBER_REGISTER_KERNEL(linspace_kernel, CPU, &linspace_cpu);

}  // namespace ember::cpu
