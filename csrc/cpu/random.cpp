// CPU sampling kernels: thin adapters from tensors to the Philox fills in core/generator.h.
// Large fills release the GIL (Note [Kernels run without the GIL]).
#include <cmath>

#include "core/gil.h"
#include "ops/random.h"

namespace ember::cpu {
namespace {

void uniform_cpu(const Tensor& out, double low, double high, Generator& gen) {
  LongKernelScope nogil(out.numel());
  dispatch_floating(out.dtype(), "uniform_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_uniform<T>(gen, out.data<T>(), out.numel(), low, high);
  });
}

void normal_cpu(const Tensor& out, double mean, double stddev, Generator& gen) {
  LongKernelScope nogil(out.numel());
  dispatch_floating(out.dtype(), "normal_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_normal<T>(gen, out.data<T>(), out.numel(), mean, stddev);
  });
}

void exponential_cpu(const Tensor& out, double lambd, Generator& gen) {
  LongKernelScope nogil(out.numel());
  dispatch_floating(out.dtype(), "exponential_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = out.data<T>();
    fill_uniform<T>(gen, o, out.numel(), 0.0, 1.0);
    // 1 - u lies in (0, 1], so the log is finite and the sample is never inf.
    for (int64_t i = 0; i < out.numel(); ++i) o[i] = T(-std::log1p(-double(o[i])) / lambd);
  });
}

void randint_cpu(const Tensor& out, int64_t low, int64_t high, Generator& gen) {
  LongKernelScope nogil(out.numel());
  if (out.dtype() == DType::Bool) {  // draws 0/1 as bytes: bool and uint8 share a layout
    fill_randint<uint8_t>(gen, reinterpret_cast<uint8_t*>(out.data_ptr()), out.numel(), low, high);
    return;
  }
  dispatch_numeric(out.dtype(), "random_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_randint<T>(gen, out.data<T>(), out.numel(), low, high);
  });
}

void bernoulli_cpu(const Tensor& out, const Tensor& p, Generator& gen) {
  LongKernelScope nogil(out.numel());
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_bernoulli<T>(gen, out.data<T>(), out.numel(), p.data<double>(), 1);
  });
}

void randperm_cpu(const Tensor& out, Generator& gen) {
  LongKernelScope nogil(out.numel());
  randperm(gen, out.data<int64_t>(), out.numel());
}

void multinomial_cpu(const Tensor& out, const Tensor& probs, bool replacement, Generator& gen) {
  LongKernelScope nogil(out.numel());
  multinomial(gen, probs.data<double>(), probs.size(0), probs.size(1), probs.size(1), out.size(1), replacement,
              out.data<int64_t>());
}

}  // namespace

EMBER_REGISTER_KERNEL(uniform_kernel, CPU, &uniform_cpu);
EMBER_REGISTER_KERNEL(normal_kernel, CPU, &normal_cpu);
EMBER_REGISTER_KERNEL(exponential_kernel, CPU, &exponential_cpu);
EMBER_REGISTER_KERNEL(randint_kernel, CPU, &randint_cpu);
EMBER_REGISTER_KERNEL(bernoulli_kernel, CPU, &bernoulli_cpu);
EMBER_REGISTER_KERNEL(randperm_kernel, CPU, &randperm_cpu);
EMBER_REGISTER_KERNEL(multinomial_kernel, CPU, &multinomial_cpu);

}  // namespace ember::cpu
