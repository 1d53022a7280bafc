#pragma once
// Fused classification losses: nll_loss and cross_entropy over class indices, one pass per row
// instead of a chain of log_softmax/gather/where/sum ops, with hand-written fused backward kernels.
#include <cstdint>
#include <string>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

enum class LossReduction : uint8_t { None, Mean, Sum };

/// "none" | "mean" | "sum"; anything else is the ValueError PyTorch raises.
LossReduction parse_reduction(const std::string& reduction);

// Note [Loss kernel layout]: input is contiguous and seen as [N, C, S] (classes along dim 1, S the
// product of the trailing spatial dims; an unbatched (C) input is [1, C, 1]); target is a
// contiguous int64 tensor of N*S class indices; weight is contiguous (C) of input's dtype, or undefined (all ones). Row r = n*S + s
// is the line of C values at input[n, :, s].

/// The per-class constants of one loss: label_smoothing eps (0 for nll) and the ignored target.
struct LossParams {
  int64_t ignore_index = -100;
  double label_smoothing = 0;
};

/// What a forward kernel sums over the rows, in double: the losses, and the weights w[t] of the
/// rows whose target is not ignored (the divisor of reduction='mean').
struct LossTotals {
  double loss = 0, weight = 0;
};

// The forward kernels first check every kept target against [0, C) in row order (IndexError
// "Target 7 is out of bounds.", PyTorch's wording, for the first bad one), then fill loss[r].

/// loss[r] = -w[t] * input[r, t] (0 where t == ignore_index).
EMBER_DECLARE_KERNEL(nll_loss_kernel, LossTotals(const Tensor& loss, const Tensor& input, const Tensor& target,
                                           const Tensor& weight, const LossParams& p));
/// grad_input[r, c] = -w[t] * row_grad[r] at c == t, else 0; row_grad has N*S entries, or 1
/// (the same for every row, stride 0).
EMBER_DECLARE_KERNEL(nll_loss_backward_kernel, void(const Tensor& grad_input, const Tensor& row_grad,
                                                    const Tensor& target, const Tensor& weight,
                                                    const LossParams& p));
/// Per row, with logp = log_softmax(input row): lse[r] = log(sum(exp(x))) and
/// loss[r] = (1 - eps) * w[t] * -logp[t] + eps / C * sum_c w[c] * -logp[c] (0 where ignored).
EMBER_DECLARE_KERNEL(cross_entropy_kernel, LossTotals(const Tensor& loss, const Tensor& lse, const Tensor& input,
                                                const Tensor& target, const Tensor& weight,
                                                const LossParams& p));
/// The gradient of loss[r] times row_grad[r] (as in nll_loss_backward_kernel):
/// g * (softmax * ((1 - eps) w[t] + eps / C * sum(w)) - (1 - eps) w[t] onehot(t) - eps / C * w).
EMBER_DECLARE_KERNEL(cross_entropy_backward_kernel,
                     void(const Tensor& grad_input, const Tensor& row_grad, const Tensor& input,
                          const Tensor& lse, const Tensor& target, const Tensor& weight, const LossParams& p));

/// PyTorch's nll_loss_nd: input (C), (N, C) or (N, C, d1, ...) of log-probabilities, int64 (or
/// uint8) target (), (N) or (N, d1, ...); weight (C) or undefined. Mean divides by the summed
/// weights of the targets that are not ignore_index (0/0 = nan when all are).
Tensor nll_loss_nd(const Tensor& input, const Tensor& target, const Tensor& weight,
                   LossReduction reduction, int64_t ignore_index);
/// PyTorch's cross_entropy: class-index targets (shapes as nll_loss_nd) in one fused op, or class
/// probabilities (target of input's shape) through log_softmax; label_smoothing in [0, 1].
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     LossReduction reduction, int64_t ignore_index, double label_smoothing);

}  // namespace ember
