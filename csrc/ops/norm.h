#pragma once
// Fused normalisation: layer_norm and batch_norm as one kernel each way, with PyTorch's
// native_layer_norm / native_batch_norm semantics (same outputs, statistics and running updates).
//
// Note [Normalisation kernel layout]: kernels see contiguous tensors of one floating dtype.
// layer_norm views x as [M, N] (M rows of N normalised elements): mean and rstd are [M], weight and
// bias [N]. batch_norm views x as [B, C, S] (S: the product of the spatial dims): statistics,
// weight, bias and running stats are [C]. An undefined weight/bias means 1/0; an undefined gradient
// output is not computed. Statistics accumulate in double.
#include <array>
#include <tuple>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// out = (x - mean) * rstd * weight + bias per row; writes mean and rstd = 1/sqrt(var + eps).
EMBER_DECLARE_KERNEL(layer_norm_kernel, void(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                                             const Tensor& x, const Tensor& weight, const Tensor& bias,
                                             double eps));
/// grad_in = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)) per row with gw = grad_out * weight;
/// grad_weight = sum over rows of grad_out * xhat; grad_bias = sum over rows of grad_out.
EMBER_DECLARE_KERNEL(layer_norm_backward_kernel,
                     void(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                          const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                          const Tensor& weight));
/// out = x * rstd * weight per row, rstd = 1/sqrt(mean(x^2) + eps) (written to rstd).
EMBER_DECLARE_KERNEL(rms_norm_kernel, void(const Tensor& out, const Tensor& rstd, const Tensor& x,
                                           const Tensor& weight, double eps));
/// grad_in = rstd * (gw - xhat * mean(gw * xhat)) per row with gw = grad_out * weight, xhat = x * rstd;
/// grad_weight = sum over rows of grad_out * xhat.
EMBER_DECLARE_KERNEL(rms_norm_backward_kernel,
                     void(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_out,
                          const Tensor& x, const Tensor& rstd, const Tensor& weight));
/// Training: per-channel batch mean and invstd into mean/invstd, running stats (when defined)
/// moved by `momentum` (running_var with the unbiased variance). Eval: mean/invstd come from the
/// running stats. Then out = (x - mean) * invstd * weight + bias.
EMBER_DECLARE_KERNEL(batch_norm_kernel,
                     void(const Tensor& out, const Tensor& mean, const Tensor& invstd, const Tensor& x,
                          const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                          const Tensor& running_var, bool training, double momentum, double eps));
/// Per channel: grad_bias = sum(g), grad_weight = sum(g * xhat); grad_in = g * w * invstd, minus the
/// batch statistics' share (mean(g) + xhat * mean(g * xhat)) in training mode.
EMBER_DECLARE_KERNEL(batch_norm_backward_kernel,
                     void(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                          const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                          const Tensor& weight, bool training));

/// (out, mean, rstd): normalises over the last len(normalized_shape) dims; mean and rstd have the
/// input's leading dims followed by ones. Only out is differentiable (PyTorch's rule too).
std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, const Shape& normalized_shape,
                                                     const Tensor& weight, const Tensor& bias, double eps);
/// torch.layer_norm: the out of native_layer_norm.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);
/// torch.rms_norm: x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims;
/// eps < 0 means the machine epsilon of the input's dtype (PyTorch's eps=None).
Tensor rms_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {}, double eps = -1);
/// (out, save_mean, save_invstd) of an (N, C, *) input; running stats (optional in training) are
/// updated in place. In eval mode save_mean and save_invstd are empty, as in PyTorch.
std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const Tensor& weight,
                                                     const Tensor& bias, const Tensor& running_mean,
                                                     const Tensor& running_var, bool training,
                                                     double momentum, double eps);
/// torch.batch_norm: native_batch_norm's out; eval mode requires the running stats.
Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps);

/// torch.group_norm: layer_norm statistics over each of num_groups groups of channels (with their
/// spatial dims) per sample, then a per-channel affine; input (N, C, *).
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
/// torch.instance_norm: batch_norm of each (sample, channel) plane; running stats (when given) are
/// moved by the mean over the batch of the per-instance statistics.
Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                     const Tensor& running_var, bool use_input_stats, double momentum, double eps);

}  // namespace ember
