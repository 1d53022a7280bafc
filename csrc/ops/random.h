#pragma once
// Random sampling ops. Every draw reserves counters from a Philox Generator (core/generator.h),
// so the values depend only on the seed and the order of draws, never on threading. A null
// generator means the process-wide default one.
#include "core/generator.h"
#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// Kernels fill a contiguous `out`; the ops route non-contiguous targets through a temporary.
EMBER_DECLARE_KERNEL(uniform_kernel, void(const Tensor& out, double low, double high, Generator& gen));
EMBER_DECLARE_KERNEL(normal_kernel, void(const Tensor& out, double mean, double stddev, Generator& gen));
/// Integers in [low, high).
EMBER_DECLARE_KERNEL(randint_kernel, void(const Tensor& out, int64_t low, int64_t high, Generator& gen));
/// -log(1 - u) / lambd with u uniform in [0, 1).
EMBER_DECLARE_KERNEL(exponential_kernel, void(const Tensor& out, double lambd, Generator& gen));
/// out[i] = 1 with probability p[i]; p is contiguous float64 of out's shape, each in [0, 1].
EMBER_DECLARE_KERNEL(bernoulli_kernel, void(const Tensor& out, const Tensor& p, Generator& gen));
/// A random permutation of 0..n-1 into int64 out of size n.
EMBER_DECLARE_KERNEL(randperm_kernel, void(const Tensor& out, Generator& gen));
/// out[r, s]: category of sample s of row r; probs is contiguous float64 (rows, categories).
EMBER_DECLARE_KERNEL(multinomial_kernel,
                     void(const Tensor& out, const Tensor& probs, bool replacement, Generator& gen));

/// gen itself, or the default generator when null.
Generator& generator_or_default(Generator* gen);

Tensor& uniform_(Tensor& self, double from = 0, double to = 1, Generator* gen = nullptr);
Tensor& normal_(Tensor& self, double mean = 0, double stddev = 1, Generator* gen = nullptr);
Tensor& exponential_(Tensor& self, double lambd = 1, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, double p, Generator* gen = nullptr);
Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen = nullptr);
/// Integers in [low, high) into self (any numeric dtype).
Tensor& random_(Tensor& self, int64_t low, int64_t high, Generator* gen = nullptr);

/// Uniform [0, 1) of a floating dtype.
Tensor rand(const Shape& sizes, DType dtype, Device device = Device{}, Generator* gen = nullptr);
/// Standard normal of a floating dtype.
Tensor randn(const Shape& sizes, DType dtype, Device device = Device{}, Generator* gen = nullptr);
Tensor randint(int64_t low, int64_t high, const Shape& sizes, DType dtype, Device device = Device{},
               Generator* gen = nullptr);
Tensor randperm(int64_t n, DType dtype, Device device = Device{}, Generator* gen = nullptr);
/// Draws of mean + std * N(0, 1) with mean and std broadcast together (std >= 0).
Tensor normal(const Tensor& mean, const Tensor& stddev, Generator* gen = nullptr);
/// 0/1 draws with probabilities p (of p's dtype and shape).
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
/// num_samples category indices per row of the 1-d or 2-d non-negative weights `probs`.
Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement = false,
                   Generator* gen = nullptr);

}  // namespace ember
