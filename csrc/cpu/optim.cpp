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
#include <algorithm>
#include <type_traits>
#include <vector>

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

template <typename T>
void nadam_typed(const NadamArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict m = ptr<T>(ops[2]);
  T* __restrict v = ptr<T>(ops[3]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay);
  const T shrink = a.decoupled ? T(1 - a.lr * a.weight_decay) : T(1);
  const T w1 = T(1 - a.beta1), beta2 = T(a.beta2), w2 = T(1 - a.beta2), bc2 = T(a.bias_correction2);
  const T eps = T(a.eps), grad_coef = T(a.grad_coef), avg_coef = T(a.avg_coef);
  with_flag(!a.decoupled && a.weight_decay != 0, [&](auto decay_grad) {
    for_each_element(ops[0].numel(), [=](int64_t i) {
      T pi = p[i] * shrink;
      T d = effective_grad<decay_grad>(g[i], pi, sign, wd);
      T mi = lerp(m[i], d, w1);
      m[i] = mi;
      T s = v[i] * beta2 + w2 * d * d;
      v[i] = s;
      T denom = std::sqrt(s / bc2) + eps;
      pi = pi + grad_coef * d / denom;
      p[i] = pi + avg_coef * mi / denom;
    });
  });
}

template <typename T>
void radam_typed(const RadamArgs& a, const TensorList& ops) {
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  T* __restrict m = ptr<T>(ops[2]);
  T* __restrict v = ptr<T>(ops[3]);
  const T sign = a.maximize ? T(-1) : T(1), wd = T(a.weight_decay);
  const T shrink = a.decoupled ? T(1 - a.lr * a.weight_decay) : T(1);
  const T w1 = T(1 - a.beta1), beta2 = T(a.beta2), w2 = T(1 - a.beta2), bc1 = T(a.bias_correction1);
  const T bc2_sqrt = T(a.bias_correction2_sqrt), eps = T(a.eps), lr = T(a.lr), rect = T(a.rect);
  with_flag(!a.decoupled && a.weight_decay != 0, [&](auto decay_grad) {
    with_flag(a.rect != 0, [&](auto rectified) {
      for_each_element(ops[0].numel(), [=](int64_t i) {
        T pi = p[i] * shrink;
        T d = effective_grad<decay_grad>(g[i], pi, sign, wd);
        T mi = lerp(m[i], d, w1);
        m[i] = mi;
        T s = v[i] * beta2 + w2 * d * d;
        v[i] = s;
        T update = mi / bc1 * lr;
        if constexpr (rectified) update = update * (bc2_sqrt / (std::sqrt(s) + eps)) * rect;
        p[i] = pi + T(-1) * update;
      });
    });
  });
}

// Adafactor's preconditioner at one element: 1 / sqrt(max(second-moment estimate, eps1^2)).
template <typename T>
inline T adafactor_scale(T estimate, T floor) {
  return T(1) / std::sqrt(std::max(estimate, floor));
}

// The L2 norm from a sum of squares, rounded to T as torch's tensor.norm(2).item() is.
template <typename T>
double rounded_norm(double sum_of_squares) {
  return static_cast<double>(static_cast<T>(std::sqrt(sum_of_squares)));
}

// Adafactor, factored (two or more dims): the second moment of a [..., R, C] gradient is kept as
// row means row_var[..., R, 1] and column means col_var[..., 1, C], and estimated as
// row_var * col_var / mean(row_var). Not factored: a full variance, as Adam without momentum.
// The update is the scaled gradient, clipped so that its RMS is at most d, times the step size
// alpha = max(eps2, RMS(param)) * rho. Reductions accumulate in double, serially (the step is one
// pass per reduction, and the order stays the same for any thread count).
template <typename T>
void adafactor_typed(const AdafactorArgs& a, const TensorList& ops) {
  const Tensor& param = ops[0];
  T* __restrict p = ptr<T>(ops[0]);
  const T* __restrict g = ptr<T>(ops[1]);
  const int64_t n = param.numel();
  const T sign = a.maximize ? T(-1) : T(1);
  double param_squares = 0;
  for (int64_t i = 0; i < n; ++i) param_squares += double(p[i]) * double(p[i]);
  double alpha = std::max(a.eps2, rounded_norm<T>(param_squares) / std::sqrt(double(n))) * a.rho;
  if (a.weight_decay != 0) {
    const T shrink = T(1 - a.lr * a.weight_decay);
    for (int64_t i = 0; i < n; ++i) p[i] = p[i] * shrink;
  }
  const T w = T(a.one_minus_beta2), floor = T(a.eps1 * a.eps1);
  std::vector<T> row_denominator;  // per leading index: max(mean of its row_var, eps1)
  T* row = ptr<T>(ops[2]);
  T* col = ptr<T>(ops[3]);
  T* var = ptr<T>(ops[4]);
  int64_t rows = 1, cols = 1, batches = 1;
  if (row != nullptr) {
    cols = param.sizes().back();
    rows = param.sizes()[param.dim() - 2];
    batches = rows * cols == 0 ? 0 : n / (rows * cols);
    std::vector<double> col_squares(cols);
    row_denominator.resize(batches);
    for (int64_t b = 0; b < batches; ++b) {
      const T* gb = g + b * rows * cols;
      std::fill(col_squares.begin(), col_squares.end(), 0.0);
      double row_sum = 0;
      for (int64_t r = 0; r < rows; ++r) {
        double squares = 0;
        for (int64_t c = 0; c < cols; ++c) {
          double x = double(gb[r * cols + c]);
          squares += x * x;
          col_squares[c] += x * x;
        }
        // torch: norm(grad, dim=-1).square_().div_(C), each step rounded to T.
        T norm = T(std::sqrt(squares));
        T& rv = row[b * rows + r];
        rv = lerp(rv, T(norm * norm) / T(cols), w);
        row_sum += double(rv);
      }
      for (int64_t c = 0; c < cols; ++c) {
        T norm = T(std::sqrt(col_squares[c]));
        T& cv = col[b * cols + c];
        cv = lerp(cv, T(norm * norm) / T(rows), w);
      }
      row_denominator[b] = std::max(T(row_sum / double(rows)), T(a.eps1));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      T gi = g[i] * sign;
      var[i] = lerp(var[i], gi * gi, w);
    }
  }
  auto update = [&](int64_t i) {
    T estimate;
    if (row != nullptr) {
      int64_t b = i / (rows * cols), r = (i / cols) % rows, c = i % cols;
      estimate = row[b * rows + r] * col[b * cols + c] / row_denominator[b];
    } else {
      estimate = var[i];
    }
    return adafactor_scale(estimate, floor) * (g[i] * sign);
  };
  double update_squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    double u = double(update(i));
    update_squares += u * u;
  }
  double clip = std::max(1.0, rounded_norm<T>(update_squares) / (std::sqrt(double(n)) * a.d));
  const T coef = T(-alpha / clip);
  for (int64_t i = 0; i < n; ++i) p[i] = p[i] + coef * update(i);
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
EMBER_OPTIM_CPU(nadam, NadamArgs)
EMBER_OPTIM_CPU(radam, RadamArgs)
EMBER_OPTIM_CPU(adafactor, AdafactorArgs)
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
EMBER_REGISTER_KERNEL(nadam_kernel, CPU, &nadam_cpu);
EMBER_REGISTER_KERNEL(radam_kernel, CPU, &radam_cpu);
EMBER_REGISTER_KERNEL(adafactor_kernel, CPU, &adafactor_cpu);

}  // namespace ember::cpu
