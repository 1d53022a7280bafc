#include "ops/random.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(uniform_kernel, void(const Tensor& out, double low, double high, Generator& gen));
EMBER_DEFINE_KERNEL(normal_kernel, void(const Tensor& out, double mean, double stddev, Generator& gen));
EMBER_DEFINE_KERNEL(randint_kernel, void(const Tensor& out, int64_t low, int64_t high, Generator& gen));
EMBER_DEFINE_KERNEL(exponential_kernel, void(const Tensor& out, double lambd, Generator& gen));
EMBER_DEFINE_KERNEL(bernoulli_kernel, void(const Tensor& out, const Tensor& p, Generator& gen));
EMBER_DEFINE_KERNEL(randperm_kernel, void(const Tensor& out, Generator& gen));
EMBER_DEFINE_KERNEL(multinomial_kernel,
                    void(const Tensor& out, const Tensor& probs, bool replacement, Generator& gen));

Generator& generator_or_default(Generator* gen) { return gen ? *gen : default_generator(); }

namespace {

/// Runs `fill` on self when it is contiguous, else on a contiguous temporary copied into self;
/// then bumps self's version like every in-place op.
template <typename Fill>
Tensor& fill_in_place(Tensor& self, const char* op, Fill fill) {
  check_inplace(self, op);
  if (self.is_contiguous()) {
    fill(self);
  } else {
    Tensor tmp = empty(self.sizes(), self.dtype(), self.device());
    fill(tmp);
    copy_kernel(self.device(), self, tmp);
  }
  self.bump_version();
  return self;
}

void check_floating(DType t, const char* op) {
  EMBER_CHECK(is_floating(t), "[", op, "] expected a floating point dtype, got ", dtype_name(t));
}

/// Values of t as a contiguous float64 CPU tensor (what the CPU kernels read probabilities from).
Tensor as_f64(const Tensor& t) {
  return contiguous(to_device(to_dtype(detach(t), DType::Float64), Device{}));
}

}  // namespace

Tensor& uniform_(Tensor& self, double from, double to, Generator* gen) {
  check_floating(self.dtype(), "uniform_");
  EMBER_CHECK(from <= to, "[uniform_] expects to return a [from, to) range, but found from=", from, " > to=", to);
  EMBER_CHECK(std::isfinite(to - from), "[uniform_] from and to must be finite, got from=", from, ", to=", to);
  return fill_in_place(self, "uniform_", [&](const Tensor& t) {
    uniform_kernel(t.device(), t, from, to, generator_or_default(gen));
  });
}

Tensor& normal_(Tensor& self, double mean, double stddev, Generator* gen) {
  check_floating(self.dtype(), "normal_");
  EMBER_CHECK(stddev >= 0, "[normal_] expects std >= 0.0, but found std ", stddev);
  EMBER_CHECK(std::isfinite(mean) && std::isfinite(stddev), "[normal_] mean and std must be finite");
  return fill_in_place(self, "normal_", [&](const Tensor& t) {
    normal_kernel(t.device(), t, mean, stddev, generator_or_default(gen));
  });
}

Tensor& exponential_(Tensor& self, double lambd, Generator* gen) {
  check_floating(self.dtype(), "exponential_");
  EMBER_CHECK(lambd > 0 && std::isfinite(lambd), "[exponential_] expects lambda > 0.0, but found lambda=", lambd);
  return fill_in_place(self, "exponential_", [&](const Tensor& t) {
    exponential_kernel(t.device(), t, lambd, generator_or_default(gen));
  });
}

Tensor& bernoulli_(Tensor& self, const Tensor& p, Generator* gen) {
  EMBER_CHECK(broadcast_shapes(self.sizes(), p.sizes(), "bernoulli_") == self.sizes(), "[bernoulli_] p of shape ",
              p.sizes(), " cannot be broadcast to self of shape ", self.sizes());
  Tensor probs = as_f64(expand(detach(p), self.sizes()));
  const double* pp = probs.data<double>();
  for (int64_t i = 0; i < probs.numel(); ++i)
    EMBER_CHECK(pp[i] >= 0 && pp[i] <= 1, "[bernoulli_] Expected p_in >= 0 && p_in <= 1 to be true, but got p=", pp[i]);
  return fill_in_place(self, "bernoulli_", [&](const Tensor& t) {
    bernoulli_kernel(t.device(), t, probs, generator_or_default(gen));
  });
}

Tensor& bernoulli_(Tensor& self, double p, Generator* gen) {
  EMBER_CHECK(p >= 0 && p <= 1, "[bernoulli_] expects p to be in [0, 1], but got p=", p);
  return bernoulli_(self, full({}, p, DType::Float64), gen);
}

Tensor& random_(Tensor& self, int64_t low, int64_t high, Generator* gen) {
  EMBER_CHECK(low < high, "[random_] expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  EMBER_CHECK(self.dtype() != DType::Bool || (low >= 0 && high <= 2), "[random_] bool tensors need 0 <= from < to <= 2");
  return fill_in_place(self, "random_", [&](const Tensor& t) {
    randint_kernel(t.device(), t, low, high, generator_or_default(gen));
  });
}

Tensor rand(const Shape& sizes, DType dtype, Device device, Generator* gen) {
  check_floating(dtype, "rand");
  Tensor out = empty(sizes, dtype, device);
  return uniform_(out, 0, 1, gen);
}

Tensor randn(const Shape& sizes, DType dtype, Device device, Generator* gen) {
  check_floating(dtype, "randn");
  Tensor out = empty(sizes, dtype, device);
  return normal_(out, 0, 1, gen);
}

Tensor randint(int64_t low, int64_t high, const Shape& sizes, DType dtype, Device device, Generator* gen) {
  EMBER_CHECK(low < high, "[randint] random_ expects 'from' to be less than 'to', but got from=", low,
              " >= to=", high);
  Tensor out = empty(sizes, dtype, device);
  return random_(out, low, high, gen);
}

Tensor randperm(int64_t n, DType dtype, Device device, Generator* gen) {
  EMBER_CHECK(n >= 0, "[randperm] n must be non-negative, got", n);
  EMBER_CHECK(is_floating(dtype) ? n <= (int64_t{1} << (dtype == DType::Float32 ? 24 : 53))
                                 : dtype != DType::Bool && (dtype != DType::UInt8 || n <= 256) &&
                                       (dtype != DType::Int32 || n <= (int64_t{1} << 31)),
              "[randperm] n is too large for result tensor type: '", dtype_name(dtype), "'");
  Tensor perm = empty({n}, DType::Int64, device);
  randperm_kernel(device, perm, generator_or_default(gen));
  return to_dtype(perm, dtype);
}

Tensor normal(const Tensor& mean, const Tensor& stddev, Generator* gen) {
  Tensor s = as_f64(stddev);
  const double* sp = s.data<double>();
  for (int64_t i = 0; i < s.numel(); ++i)
    EMBER_CHECK(sp[i] >= 0, "[normal] expects all elements of std >= 0.0");
  GradModeGuard no_grad(false);
  Shape shape = broadcast_shapes(mean.sizes(), stddev.sizes(), "normal");
  DType dtype = promote_types(mean.dtype(), stddev.dtype());
  check_floating(dtype, "normal");
  Tensor noise = randn(shape, dtype, mean.device(), gen);
  return add(mul(noise, detach(stddev)), detach(mean));
}

Tensor bernoulli(const Tensor& p, Generator* gen) {
  check_floating(p.dtype(), "bernoulli");
  Tensor out = empty(p.sizes(), p.dtype(), p.device());
  return bernoulli_(out, p, gen);
}

Tensor multinomial(const Tensor& probs, int64_t num_samples, bool replacement, Generator* gen) {
  EMBER_CHECK(probs.dim() == 1 || probs.dim() == 2, "[multinomial] prob_dist must be 1 or 2 dim, got ", probs.dim());
  check_floating(probs.dtype(), "multinomial");
  EMBER_CHECK(num_samples > 0, "[multinomial] cannot sample n_sample <= 0 samples");
  const int64_t categories = probs.size(-1);
  EMBER_CHECK(replacement || num_samples <= categories,
              "[multinomial] cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  Tensor w = as_f64(probs.dim() == 1 ? unsqueeze(probs, 0) : probs);
  const double* wp = w.data<double>();
  for (int64_t r = 0; r < w.size(0); ++r) {
    double total = 0;
    int64_t nonzero = 0;
    for (int64_t c = 0; c < categories; ++c) {
      const double v = wp[r * categories + c];
      EMBER_CHECK(std::isfinite(v) && v >= 0, "[multinomial] probability tensor contains either `inf`, `nan` or element < 0");
      total += v;
      nonzero += v > 0;
    }
    EMBER_CHECK(total > 0, "[multinomial] invalid multinomial distribution (sum of probabilities <= 0)");
    EMBER_CHECK(replacement || nonzero >= num_samples, "[multinomial] invalid multinomial distribution (with "
                "replacement=False, not enough non-negative category to sample)");
  }
  Tensor out = empty({w.size(0), num_samples}, DType::Int64, probs.device());
  multinomial_kernel(probs.device(), out, w, replacement, generator_or_default(gen));
  return probs.dim() == 1 ? squeeze(out, {0}) : out;
}

}  // namespace ember
