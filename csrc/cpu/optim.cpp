// CPU kernels of the fused optimizer steps (see Note [Optimizer operands]). Each is one pass
// over contiguous memory, split across threads when large. The per-element arithmetic follows
// the sequence of in-place ops in torch/optim/*.py (single-tensor path), in the parameter's dtype
// with the hyperparameters cast to it, so results agree with PyTorch to rounding. Options that
// change the loop's shape (weight decay, optional buffers) are template flags chosen once per
// call, so the inner loops have no per-element branches on them.
//
// CMakeLists.txt compiles this file with -fno-trapping-math (and everything with -fno-math-errno):
// nothing reads errno or the floating-point exception flags, and with them sqrt is a guarded libm
// call and the selects stay branches, which keeps GCC from vectorising (Adam on 1M float32: ~10 ms
// scalar).
#include <cmath>
#include <type_traits>

#include "core/parallel.h"
#include "cpu/loops.h"
#include "ops/optim.h"

namespace ember::cpu {
namespace {

template <typename T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

/// Calls f(std::bool_constant<b>{}).
template <typename F>
void with_flag(bool b, const F& f) {
  if (b) f(std::true_type{});
  else f(std::false_type{});
}

/// Runs body(i) for every element, on several threads when large. Each chunk runs a local copy
/// of body (which captures its pointers by value): the pointers then live in registers, where
/// loading them through a captured reference on every iteration blocks vectorisation.
template <typename Body>
void for_each_element(int64_t n, const Body& body) {
  parallel_for(0, n, kParallelGrain, [&body](int64_t begin, int64_t end) {
    Body local = body;
    for (int64_t i = begin; i < end; ++i) local(i);
  });
}

// Note [Branch-free loops]: the loops below must if-convert to vector selects, so both sides of
// every ?: are computed from values loaded unconditionally (a load inside one arm is control flow
// that stops GCC from vectorising the loop).

// torch.lerp: self + w * (end - self), computed from the nearer end so that w = 1 gives `end`.
template <typename T>
inline T lerp(T self, T end, T w) {
  T diff = end - self;
  T from_self = self + w * diff, from_end = end - diff * (T(1) - w);
  return std::abs(w) < T(0.5) ? from_self : from_end;
}

// torch.maximum: NaN propagates from either side.
template <typename T>
inline T maximum(T a, T b) {
  return (a > b) | std::isnan(a) ? a : b;
}

// grad (negated when maximizing) plus the L2 term weight_decay * param when it is on.
template <bool kDecay, typename T>
inline T effective_grad(T g, T p, T sign, T weight_decay) {
  g = g * sign;
  return kDecay ? g + weight_decay * p : g;
}

template <typename T>
void sgd_typed(const SgdArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict buf = ptr<T>(ops[2]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), momentum = T(a.momentum);
  const T keep = T(1 - a.dampening), neg_lr = T(-a.lr);
  const bool first = a.first_step, nesterov = a.nesterov;
  with_flag(a.weight_decay != 0, [&](auto decay) {
    with_flag(buf != nullptr, [&](auto has_buf) {
      for_each_element(ops[0].numel(), [=](int64_t i) {
        T d = effective_grad<decay>(g[i], p[i], sign, wd);
        if constexpr (has_buf) {
          T old = buf[i];  // uninitialised on the first step, and then unused
          T b = first ? d : old * momentum + keep * d;
          buf[i] = b;
          d = nesterov ? d + momentum * b : b;
        }
        p[i] = p[i] + neg_lr * d;
      });
    });
  });
}

template <typename T>
void adam_typed(const AdamArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict m = ptr<T>(ops[2]);
  T* __restrict v = ptr<T>(ops[3]);
  T* __restrict vmax = ptr<T>(ops[4]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay);
  // AdamW's decay of the parameter; multiplying by 1 is exact, so no branch is needed without it.
  const T shrink = a.decoupled ? T(1 - a.lr * a.weight_decay) : T(1);
  const T w1 = T(1 - a.beta1), beta2 = T(a.beta2), w2 = T(1 - a.beta2);
  const T bc2 = T(a.bias_correction2_sqrt), eps = T(a.eps), neg_step = T(-a.step_size);
  with_flag(!a.decoupled && a.weight_decay != 0, [&](auto decay_grad) {
    with_flag(a.amsgrad, [&](auto amsgrad) {
      for_each_element(ops[0].numel(), [=](int64_t i) {
        T pi = p[i] * shrink;
        T d = effective_grad<decay_grad>(g[i], pi, sign, wd);
        m[i] = lerp(m[i], d, w1);
        T s = v[i] * beta2 + w2 * d * d;
        v[i] = s;
        if constexpr (amsgrad) {
          s = maximum(vmax[i], s);
          vmax[i] = s;
        }
        T denom = std::sqrt(s) / bc2 + eps;
        p[i] = pi + neg_step * m[i] / denom;
      });
    });
  });
}

template <typename T>
void adagrad_typed(const AdagradArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict sum = ptr<T>(ops[2]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), eps = T(a.eps), neg_clr = T(-a.clr);
  with_flag(a.weight_decay != 0, [&](auto decay) {
    for_each_element(ops[0].numel(), [=](int64_t i) {
      T d = effective_grad<decay>(g[i], p[i], sign, wd);
      T s = sum[i] + d * d;
      sum[i] = s;
      p[i] = p[i] + neg_clr * d / (std::sqrt(s) + eps);
    });
  });
}

template <typename T>
void rmsprop_typed(const RmspropArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict sq = ptr<T>(ops[2]);
  T* __restrict gavg = ptr<T>(ops[3]);
  T* __restrict buf = ptr<T>(ops[4]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), alpha = T(a.alpha);
  const T w = T(1 - a.alpha), eps = T(a.eps), momentum = T(a.momentum), neg_lr = T(-a.lr);
  with_flag(a.weight_decay != 0, [&](auto decay) {
    with_flag(a.centered, [&](auto centered) {
      with_flag(a.momentum > 0, [&](auto has_momentum) {
        for_each_element(ops[0].numel(), [=](int64_t i) {
          T d = effective_grad<decay>(g[i], p[i], sign, wd);
          T s = sq[i] * alpha + w * d * d;
          sq[i] = s;
          if constexpr (centered) {
            T ga = lerp(gavg[i], d, w);
            gavg[i] = ga;
            s = s + T(-1) * ga * ga;
          }
          T avg = std::sqrt(s) + eps;
          if constexpr (has_momentum) {
            T b = buf[i] * momentum + d / avg;
            buf[i] = b;
            p[i] = p[i] + neg_lr * b;
          } else {
            p[i] = p[i] + neg_lr * d / avg;
          }
        });
      });
    });
  });
}

template <typename T>
void adadelta_typed(const AdadeltaArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict sq = ptr<T>(ops[2]);
  T* __restrict acc = ptr<T>(ops[3]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), rho = T(a.rho);
  const T w = T(1 - a.rho), eps = T(a.eps), neg_lr = T(-a.lr);
  with_flag(a.weight_decay != 0, [&](auto decay) {
    for_each_element(ops[0].numel(), [=](int64_t i) {
      T d = effective_grad<decay>(g[i], p[i], sign, wd);
      T s = sq[i] * rho + w * d * d;
      sq[i] = s;
      T delta = std::sqrt(acc[i] + eps) / std::sqrt(s + eps) * d;
      acc[i] = acc[i] * rho + w * delta * delta;
      p[i] = p[i] + neg_lr * delta;
    });
  });
}

template <typename T>
void adamax_typed(const AdamaxArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict m = ptr<T>(ops[2]);
  T* __restrict inf = ptr<T>(ops[3]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay), w1 = T(1 - a.beta1);
  const T beta2 = T(a.beta2), eps = T(a.eps), neg_clr = T(-a.clr);
  with_flag(a.weight_decay != 0, [&](auto decay) {
    for_each_element(ops[0].numel(), [=](int64_t i) {
      T d = effective_grad<decay>(g[i], p[i], sign, wd);
      T mi = lerp(m[i], d, w1);
      m[i] = mi;
      T u = maximum(inf[i] * beta2, std::abs(d) + eps);
      inf[i] = u;
      p[i] = p[i] + neg_clr * mi / u;
    });
  });
}

template <typename T>
void asgd_typed(const AsgdArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict ax = ptr<T>(ops[2]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay);
  const T shrink = T(1 - a.lambd * a.eta), neg_eta = T(-a.eta), mu = T(a.mu);
  const bool average = a.mu != 1;  // mu == 1 copies the parameter, as torch does
  with_flag(a.weight_decay != 0, [&](auto decay) {
    for_each_element(ops[0].numel(), [=](int64_t i) {
      T d = effective_grad<decay>(g[i], p[i], sign, wd);
      T pi = p[i] * shrink;
      pi = pi + neg_eta * d;
      p[i] = pi;
      T avg = ax[i];
      ax[i] = average ? avg + (pi - avg) * mu : pi;
    });
  });
}

template <typename T>
void rprop_typed(const RpropArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict prev = ptr<T>(ops[2]);
  T* __restrict size = ptr<T>(ops[3]);
  const T sign = a.maximize ? T(-1) : T(1), etaminus = T(a.etaminus), etaplus = T(a.etaplus);
  const T lo = T(a.step_size_min), hi = T(a.step_size_max);
  for_each_element(ops[0].numel(), [=](int64_t i) {
    T d = g[i] * sign;
    T agree = d * prev[i];
    T factor = agree > 0 ? etaplus : agree < 0 ? etaminus : T(1);
    T s = std::min(std::max(size[i] * factor, lo), hi);
    size[i] = s;
    if (agree < 0) d = T(0);  // the sign flipped: skip this update, forget the gradient
    T direction = T((T(0) < d) - (d < T(0)));
    p[i] = p[i] + T(-1) * direction * s;
    prev[i] = d;
  });
}

// One dtype switch per call, then the typed loop.
#define EMBER_OPTIM_CPU(name, Args)                                               \
  void name##_cpu(const Args& args, const TensorList& ops) {                      \
    dispatch_floating(ops[0].dtype(), #name, [&](auto tag) {                      \
      name##_typed<typename decltype(tag)::type>(args, ops);                      \
    });                                                                           \
  }
EMBER_OPTIM_CPU(sgd, SgdArgs)
EMBER_OPTIM_CPU(adam, AdamArgs)
EMBER_OPTIM_CPU(adagrad, AdagradArgs)
EMBER_OPTIM_CPU(rmsprop, RmspropArgs)
EMBER_OPTIM_CPU(adadelta, AdadeltaArgs)
EMBER_OPTIM_CPU(adamax, AdamaxArgs)
EMBER_OPTIM_CPU(asgd, AsgdArgs)
EMBER_OPTIM_CPU(rprop, RpropArgs)
#undef EMBER_OPTIM_CPU

}  // namespace

EMBER_REGISTER_KERNEL(sgd_kernel, CPU, &sgd_cpu);
EMBER_REGISTER_KERNEL(adam_kernel, CPU, &adam_cpu);
EMBER_REGISTER_KERNEL(adagrad_kernel, CPU, &adagrad_cpu);
EMBER_REGISTER_KERNEL(rmsprop_kernel, CPU, &rmsprop_cpu);
EMBER_REGISTER_KERNEL(adadelta_kernel, CPU, &adadelta_cpu);
EMBER_REGISTER_KERNEL(adamax_kernel, CPU, &adamax_cpu);
EMBER_REGISTER_KERNEL(asgd_kernel, CPU, &asgd_cpu);
EMBER_REGISTER_KERNEL(rprop_kernel, CPU, &rprop_cpu);

}  // namespace ember::cpu
