#pragma once
// Fused optimizer steps: one pass over a parameter's memory updates the parameter and its state
// in place, with torch.optim's update rules (PyTorch 2.x, single-tensor path) step for step.
//
// Note [Optimizer operands]: each step takes the operands as a TensorList in a fixed order,
// operands[0] the parameter, operands[1] its gradient (read only), the rest the optimizer's state
// buffers (written). Kernels see them contiguous, with the parameter's shape and floating dtype,
// on one device; an undefined operand is an optional buffer the options leave unused. The
// scalars a step needs (bias corrections, the step count) arrive precomputed in double in an
// Args struct, so a backend only has to run the elementwise recurrence.
#include <optional>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

struct SgdArgs {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
  bool first_step;  // the momentum buffer is uninitialised: it becomes the gradient
};
struct AdamArgs {
  double lr, beta1, beta2, eps, weight_decay;
  double step_size;             // lr / (1 - beta1^step)
  double bias_correction2_sqrt; // sqrt(1 - beta2^step)
  bool amsgrad, maximize, decoupled;
};
struct AdagradArgs {
  double clr, weight_decay, eps;  // clr: lr decayed for this step
  bool maximize;
};
struct RmspropArgs {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
struct AdadeltaArgs {
  double lr, rho, eps, weight_decay;
  bool maximize;
};
struct AdamaxArgs {
  double beta1, beta2, eps, weight_decay;
  double clr;  // lr / (1 - beta1^step)
  bool maximize;
};
struct AsgdArgs {
  double lambd, eta, mu, weight_decay;
  bool maximize;
};
struct RpropArgs {
  double etaminus, etaplus, step_size_min, step_size_max;
  bool maximize;
};
struct NadamArgs {
  double lr, beta1, beta2, eps, weight_decay;
  double bias_correction2;  // 1 - beta2^step
  double grad_coef;         // -lr (1 - mu) / (1 - mu_product)
  double avg_coef;          // -lr mu_next / (1 - mu_product mu_next)
  bool maximize, decoupled;
};
struct RadamArgs {
  double lr, beta1, beta2, eps, weight_decay;
  double bias_correction1, bias_correction2_sqrt;
  double rect;  // the variance rectification term; 0 while the variance is intractable (rho_t <= 5)
  bool maximize, decoupled;
};
struct AdafactorArgs {
  double lr, weight_decay, eps1, eps2, d;
  double rho;                // min(lr, 1 / sqrt(step))
  double one_minus_beta2;    // step^beta2_decay
  bool maximize;
};

/// operands: param, grad, momentum_buffer (undefined when momentum == 0).
EMBER_DECLARE_KERNEL(sgd_kernel, void(const SgdArgs&, const TensorList& operands));
/// operands: param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq (undefined unless amsgrad).
EMBER_DECLARE_KERNEL(adam_kernel, void(const AdamArgs&, const TensorList& operands));
/// operands: param, grad, sum.
EMBER_DECLARE_KERNEL(adagrad_kernel, void(const AdagradArgs&, const TensorList& operands));
/// operands: param, grad, square_avg, grad_avg (centered), momentum_buffer (momentum > 0).
EMBER_DECLARE_KERNEL(rmsprop_kernel, void(const RmspropArgs&, const TensorList& operands));
/// operands: param, grad, square_avg, acc_delta.
EMBER_DECLARE_KERNEL(adadelta_kernel, void(const AdadeltaArgs&, const TensorList& operands));
/// operands: param, grad, exp_avg, exp_inf.
EMBER_DECLARE_KERNEL(adamax_kernel, void(const AdamaxArgs&, const TensorList& operands));
/// operands: param, grad, ax.
EMBER_DECLARE_KERNEL(asgd_kernel, void(const AsgdArgs&, const TensorList& operands));
/// operands: param, grad, prev, step_size.
EMBER_DECLARE_KERNEL(rprop_kernel, void(const RpropArgs&, const TensorList& operands));
/// operands: param, grad, exp_avg, exp_avg_sq.
EMBER_DECLARE_KERNEL(nadam_kernel, void(const NadamArgs&, const TensorList& operands));
/// operands: param, grad, exp_avg, exp_avg_sq.
EMBER_DECLARE_KERNEL(radam_kernel, void(const RadamArgs&, const TensorList& operands));
/// operands: param, grad, then row_var ([..., R, 1]) and col_var ([..., 1, C]) for a parameter of
/// two or more dims, or variance (the parameter's shape) for one of fewer (the others undefined).
/// Unlike the elementwise steps it reduces: the parameter's norm, the gradient's row and column
/// mean squares, the update's norm.
EMBER_DECLARE_KERNEL(adafactor_kernel, void(const AdafactorArgs&, const TensorList& operands));

// The ops. `step` is the optimizer's 0-d step counter (torch stores it as a float tensor): each
// op increments it. They never record autograd history and bump the version of what they write.

/// SGD; returns the momentum buffer (created from the gradient on the first step), or an
/// undefined tensor when momentum == 0.
Tensor sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, double lr,
                double momentum, double dampening, double weight_decay, bool nesterov, bool maximize);
/// Adam, and AdamW when `decoupled` (weight decay applied to the parameter, not the gradient).
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, const Tensor& step,
               double lr, double beta1, double beta2, double eps, double weight_decay,
               bool amsgrad, bool maximize, bool decoupled);
void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& sum, const Tensor& step,
                  double lr, double lr_decay, double weight_decay, double eps, bool maximize);
void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                  const Tensor& grad_avg, const Tensor& momentum_buffer, const Tensor& step,
                  double lr, double alpha, double eps, double weight_decay, double momentum,
                  bool centered, bool maximize);
void adadelta_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                   const Tensor& acc_delta, const Tensor& step, double lr, double rho, double eps,
                   double weight_decay, bool maximize);
void adamax_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                 const Tensor& exp_inf, const Tensor& step, double lr, double beta1, double beta2,
                 double eps, double weight_decay, bool maximize);
/// ASGD; also refreshes the 0-d state tensors eta and mu for the next step, as torch does.
void asgd_step(const Tensor& param, const Tensor& grad, const Tensor& ax, const Tensor& step,
               const Tensor& eta, const Tensor& mu, double lr, double lambd, double alpha,
               double t0, double weight_decay, bool maximize);
void rprop_step(const Tensor& param, const Tensor& grad, const Tensor& prev,
                const Tensor& step_size, const Tensor& step, double etaminus, double etaplus,
                double step_size_min, double step_size_max, bool maximize);
/// NAdam; also multiplies the 0-d mu_product state by this step's momentum (in its own dtype).
void nadam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& step, const Tensor& mu_product, double lr, double beta1, double beta2,
                double eps, double weight_decay, double momentum_decay, bool decoupled, bool maximize);
void radam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& step, double lr, double beta1, double beta2, double eps, double weight_decay,
                bool decoupled, bool maximize);
/// Adafactor (torch.optim.Adafactor); row_var/col_var or variance as adafactor_kernel takes them.
void adafactor_step(const Tensor& param, const Tensor& grad, const Tensor& row_var, const Tensor& col_var,
                    const Tensor& variance, const Tensor& step, double lr, double beta2_decay, double eps1,
                    double eps2, double d, double weight_decay, bool maximize);

}  // namespace ember
