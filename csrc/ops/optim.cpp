#include "ops/optim.h"

#include <cmath>
#include <algorithm>
#include <initializer_list>
#include <tuple>

#include "autograd/grad_mode.h"
#include "ops/copy.h"

namespace ember {

EMBER_DEFINE_KERNEL(sgd_kernel, void(const SgdArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(adam_kernel, void(const AdamArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(adagrad_kernel, void(const AdagradArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(rmsprop_kernel, void(const RmspropArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(adadelta_kernel, void(const AdadeltaArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(adamax_kernel, void(const AdamaxArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(asgd_kernel, void(const AsgdArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(rprop_kernel, void(const RpropArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(nadam_kernel, void(const NadamArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(radam_kernel, void(const RadamArgs&, const TensorList& operands));
EMBER_DEFINE_KERNEL(adafactor_kernel, void(const AdafactorArgs&, const TensorList& operands));

namespace {

// Checks Note [Optimizer operands]: `names` names each operand for the error messages.
void check_operands(const TensorList& operands, std::initializer_list<const char*> names,
                    const char* op) {
  const Tensor& param = operands[0];
  EMBER_CHECK(param.defined() && operands[1].defined(), "[", op, "] expected a parameter and its gradient");
  EMBER_CHECK_TYPE(is_floating(param.dtype()), "[", op,
                   "] can only optimize floating point parameters, got ", dtype_name(param.dtype()));
  const char* const* name = names.begin();
  for (size_t k = 1; k < operands.size(); ++k, ++name) {
    const Tensor& t = operands[k];
    if (!t.defined()) continue;
    EMBER_CHECK(t.sizes() == param.sizes(), "[", op, "] ", *name, " has shape ", t.sizes(),
                " but the parameter has shape ", param.sizes());
    EMBER_CHECK(t.dtype() == param.dtype(), "[", op, "] ", *name, " has dtype ", dtype_name(t.dtype()),
                " but the parameter has dtype ", dtype_name(param.dtype()));
    EMBER_CHECK(t.device() == param.device(), "[", op, "] ", *name, " is on ", t.device().str(),
                " but the parameter is on ", param.device().str());
  }
}

// Runs a fused kernel on contiguous operands. A non-contiguous operand (a strided parameter, an
// expanded gradient) goes through a contiguous copy that is written back afterwards, so backends
// only implement the dense loop. Every written operand gets its version bumped.
template <typename Args>
void run_fused(const Kernel<void(const Args&, const TensorList&)>& kernel, const Args& args,
               const TensorList& operands, const char* op) {
  TensorList dense(operands);
  for (size_t k = 0; k < dense.size(); ++k) {
    if (!dense[k].defined()) continue;
    if (k != 1) check_inplace(dense[k], op);
    if (!dense[k].is_contiguous()) dense[k] = contiguous(dense[k]);
  }
  Device device = operands[0].device();
  kernel(device, args, dense);
  for (size_t k = 0; k < dense.size(); ++k) {
    if (k == 1 || !dense[k].defined()) continue;
    if (!dense[k].is_same(operands[k])) copy_kernel(device, operands[k], dense[k]);
    operands[k].bump_version();
  }
}

// The step counter and the other 0-d state tensors live on the CPU, as torch keeps them unless
// `capturable`; reading them costs no device synchronisation.
double read_scalar(const Tensor& t, const char* what, const char* op) {
  EMBER_CHECK(t.defined() && t.numel() == 1 && t.device().is_cpu(), "[", op, "] expected ", what,
              " to be a one-element CPU tensor");
  return dispatch_numeric(t.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return static_cast<double>(*t.data<T>());
  });
}

void write_scalar(const Tensor& t, double value, const char* op) {
  dispatch_numeric(t.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *t.data<T>() = static_cast<T>(value);
  });
  t.bump_version();
}

// t *= factor in t's own dtype, the factor rounded to it first: torch's `mu_product *= mu` on a
// float32 0-d tensor.
double scale_scalar(const Tensor& t, double factor, const char* what, const char* op) {
  read_scalar(t, what, op);
  dispatch_floating(t.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *t.data<T>() = *t.data<T>() * static_cast<T>(factor);
  });
  t.bump_version();
  return read_scalar(t, what, op);
}

// step += 1, in the counter's own dtype (torch's float32 step tensor); returns the new count.
double increment_step(const Tensor& step, const char* op) {
  double next = read_scalar(step, "the step counter", op) + 1;
  write_scalar(step, next, op);
  return read_scalar(step, "the step counter", op);
}

}  // namespace

Tensor sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, double lr,
                double momentum, double dampening, double weight_decay, bool nesterov, bool maximize) {
  GradModeGuard no_grad(false);
  Tensor buffer = momentum_buffer;
  bool first_step = momentum != 0 && !buffer.defined();
  if (first_step) buffer = empty(param.sizes(), param.dtype(), param.device());
  if (momentum == 0) buffer = Tensor();
  TensorList operands{param, grad, buffer};
  check_operands(operands, {"grad", "momentum_buffer"}, "sgd");
  run_fused(sgd_kernel, SgdArgs{lr, momentum, dampening, weight_decay, nesterov, maximize, first_step},
            operands, "sgd");
  return buffer;
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, const Tensor& step,
               double lr, double beta1, double beta2, double eps, double weight_decay,
               bool amsgrad, bool maximize, bool decoupled) {
  GradModeGuard no_grad(false);
  const char* op = decoupled ? "adamw" : "adam";
  TensorList operands{param, grad, exp_avg, exp_avg_sq, amsgrad ? max_exp_avg_sq : Tensor()};
  check_operands(operands, {"grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}, op);
  EMBER_CHECK(exp_avg.defined() && exp_avg_sq.defined() && (!amsgrad || max_exp_avg_sq.defined()),
              "[", op, "] missing a state buffer");
  double t = increment_step(step, op);
  // As torch's non-capturable path: scalar bias corrections in double.
  double bias_correction1 = 1 - std::pow(beta1, t);
  double bias_correction2 = 1 - std::pow(beta2, t);
  AdamArgs args{lr, beta1, beta2, eps, weight_decay, lr / bias_correction1,
                std::pow(bias_correction2, 0.5), amsgrad, maximize, decoupled};
  run_fused(adam_kernel, args, operands, op);
}

void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& sum, const Tensor& step,
                  double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, sum};
  check_operands(operands, {"grad", "sum"}, "adagrad");
  EMBER_CHECK(sum.defined(), "[adagrad] missing the sum state");
  double t = increment_step(step, "adagrad");
  double clr = lr / (1 + (t - 1) * lr_decay);
  run_fused(adagrad_kernel, AdagradArgs{clr, weight_decay, eps, maximize}, operands, "adagrad");
}

void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                  const Tensor& grad_avg, const Tensor& momentum_buffer, const Tensor& step,
                  double lr, double alpha, double eps, double weight_decay, double momentum,
                  bool centered, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, square_avg, centered ? grad_avg : Tensor(),
                      momentum > 0 ? momentum_buffer : Tensor()};
  check_operands(operands, {"grad", "square_avg", "grad_avg", "momentum_buffer"}, "rmsprop");
  EMBER_CHECK(square_avg.defined() && (!centered || grad_avg.defined()) &&
                  (momentum <= 0 || momentum_buffer.defined()),
              "[rmsprop] missing a state buffer");
  increment_step(step, "rmsprop");
  run_fused(rmsprop_kernel, RmspropArgs{lr, alpha, eps, weight_decay, momentum, centered, maximize},
            operands, "rmsprop");
}

void adadelta_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                   const Tensor& acc_delta, const Tensor& step, double lr, double rho, double eps,
                   double weight_decay, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, square_avg, acc_delta};
  check_operands(operands, {"grad", "square_avg", "acc_delta"}, "adadelta");
  EMBER_CHECK(square_avg.defined() && acc_delta.defined(), "[adadelta] missing a state buffer");
  increment_step(step, "adadelta");
  run_fused(adadelta_kernel, AdadeltaArgs{lr, rho, eps, weight_decay, maximize}, operands, "adadelta");
}

void adamax_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                 const Tensor& exp_inf, const Tensor& step, double lr, double beta1, double beta2,
                 double eps, double weight_decay, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, exp_avg, exp_inf};
  check_operands(operands, {"grad", "exp_avg", "exp_inf"}, "adamax");
  EMBER_CHECK(exp_avg.defined() && exp_inf.defined(), "[adamax] missing a state buffer");
  double t = increment_step(step, "adamax");
  double clr = lr / (1 - std::pow(beta1, t));
  run_fused(adamax_kernel, AdamaxArgs{beta1, beta2, eps, weight_decay, clr, maximize}, operands, "adamax");
}

void asgd_step(const Tensor& param, const Tensor& grad, const Tensor& ax, const Tensor& step,
               const Tensor& eta, const Tensor& mu, double lr, double lambd, double alpha,
               double t0, double weight_decay, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, ax};
  check_operands(operands, {"grad", "ax"}, "asgd");
  EMBER_CHECK(ax.defined(), "[asgd] missing the ax state");
  double t = increment_step(step, "asgd");
  AsgdArgs args{lambd, read_scalar(eta, "eta", "asgd"), read_scalar(mu, "mu", "asgd"), weight_decay, maximize};
  run_fused(asgd_kernel, args, operands, "asgd");
  // The next step's averaging weights, stored in the state tensors' dtype as torch stores them.
  write_scalar(eta, lr / std::pow(1 + lambd * lr * t, alpha), "asgd");
  write_scalar(mu, 1 / std::max(1.0, t - t0), "asgd");
}

void rprop_step(const Tensor& param, const Tensor& grad, const Tensor& prev,
                const Tensor& step_size, const Tensor& step, double etaminus, double etaplus,
                double step_size_min, double step_size_max, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, prev, step_size};
  check_operands(operands, {"grad", "prev", "step_size"}, "rprop");
  EMBER_CHECK(prev.defined() && step_size.defined(), "[rprop] missing a state buffer");
  increment_step(step, "rprop");
  run_fused(rprop_kernel, RpropArgs{etaminus, etaplus, step_size_min, step_size_max, maximize},
            operands, "rprop");
}

void nadam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& step, const Tensor& mu_product, double lr, double beta1, double beta2,
                double eps, double weight_decay, double momentum_decay, bool decoupled, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, exp_avg, exp_avg_sq};
  check_operands(operands, {"grad", "exp_avg", "exp_avg_sq"}, "nadam");
  EMBER_CHECK(exp_avg.defined() && exp_avg_sq.defined(), "[nadam] missing a state buffer");
  read_scalar(mu_product, "mu_product", "nadam");
  double t = increment_step(step, "nadam");
  // The momentum schedule of Dozat's paper, mu_t = beta1 (1 - 0.96^(t psi) / 2).
  double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * momentum_decay));
  double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1) * momentum_decay));
  double product = scale_scalar(mu_product, mu, "mu_product", "nadam");
  double product_next = product * mu_next;
  NadamArgs args{lr, beta1, beta2, eps, weight_decay, 1 - std::pow(beta2, t),
                 -lr * (1.0 - mu) / (1.0 - product), (-lr * mu_next) / (1.0 - product_next), maximize,
                 decoupled};
  run_fused(nadam_kernel, args, operands, "nadam");
}

void radam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& step, double lr, double beta1, double beta2, double eps, double weight_decay,
                bool decoupled, bool maximize) {
  GradModeGuard no_grad(false);
  TensorList operands{param, grad, exp_avg, exp_avg_sq};
  check_operands(operands, {"grad", "exp_avg", "exp_avg_sq"}, "radam");
  EMBER_CHECK(exp_avg.defined() && exp_avg_sq.defined(), "[radam] missing a state buffer");
  double t = increment_step(step, "radam");
  double bias_correction1 = 1 - std::pow(beta1, t);
  double bias_correction2 = 1 - std::pow(beta2, t);
  // Liu et al.'s length of the approximated simple moving average, and the rectification once
  // it exceeds 5 (before that the step is plain momentum SGD).
  double rho_inf = 2 / (1 - beta2) - 1;
  double rho_t = rho_inf - 2 * t * std::pow(beta2, t) / bias_correction2;
  double rect = 0;
  if (rho_t > 5.0)
    rect = std::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5);
  RadamArgs args{lr, beta1, beta2, eps, weight_decay, bias_correction1, std::pow(bias_correction2, 0.5),
                 rect, maximize, decoupled};
  run_fused(radam_kernel, args, operands, "radam");
}

void adafactor_step(const Tensor& param, const Tensor& grad, const Tensor& row_var, const Tensor& col_var,
                    const Tensor& variance, const Tensor& step, double lr, double beta2_decay, double eps1,
                    double eps2, double d, double weight_decay, bool maximize) {
  GradModeGuard no_grad(false);
  const char* op = "adafactor";
  bool factored = param.dim() > 1;
  TensorList operands{param, grad, factored ? row_var : Tensor(), factored ? col_var : Tensor(),
                      factored ? Tensor() : variance};
  check_operands({param, grad, operands[4]}, {"grad", "variance"}, op);
  if (factored) {
    Shape row_shape = param.sizes(), col_shape = param.sizes();
    row_shape[param.dim() - 1] = 1;
    col_shape[param.dim() - 2] = 1;
    EMBER_CHECK(row_var.defined() && col_var.defined(), "[adafactor] row_var and col_var should be defined "
                "when grad is multidimensional");
    for (auto [t, shape, name] : {std::tuple{row_var, row_shape, "row_var"}, std::tuple{col_var, col_shape, "col_var"}}) {
      EMBER_CHECK(t.sizes() == shape, "[adafactor] ", name, " has shape ", t.sizes(), " but expected ", shape,
                  " for a parameter of shape ", param.sizes());
      EMBER_CHECK(t.dtype() == param.dtype() && t.device() == param.device(), "[adafactor] ", name,
                  " must have the parameter's dtype and device");
    }
  } else {
    EMBER_CHECK(variance.defined(), "[adafactor] variance should be defined when grad is a vector");
  }
  double t = increment_step(step, op);
  AdafactorArgs args{lr, weight_decay, eps1, eps2, d, std::min(lr, 1 / std::pow(t, 0.5)),
                     std::pow(t, beta2_decay), maximize};
  run_fused(adafactor_kernel, args, operands, op);
}

}  // namespace ember
