#pragma once
// Connectionist temporal classification loss (PyTorch's ctc_loss): the forward alpha recursion and
// the alpha-beta backward, in log space, as one kernel each way.
//
// Note [CTC layout]: log_probs is contiguous (T, N, C); targets is contiguous int64, sample n's
// labels starting at target_offsets[n]; input_lengths / target_lengths hold one entry per sample.
// log_alpha is float64 (N, T, 2 * max_target_length + 1): row (n, t) holds alpha over the extended
// target (blank, l1, blank, l2, ..., blank).
#include <cstdint>
#include <vector>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

struct CtcLayout {
  std::vector<int64_t> input_lengths, target_lengths, target_offsets;
  int64_t blank = 0;
  bool zero_infinity = false;
};

/// nll[n] = -log p(target_n | log_probs[:input_lengths[n], n]); fills log_alpha (Note [CTC layout]).
/// With zero_infinity an infinite nll (no alignment exists) becomes 0.
EMBER_DECLARE_KERNEL(ctc_loss_kernel, void(const Tensor& nll, const Tensor& log_alpha, const Tensor& log_probs,
                                           const Tensor& targets, const CtcLayout& layout));
/// PyTorch's CTC gradient (that of log_softmax's input, as the loss expects log-softmax outputs):
/// grad[t, n, c] = grad_nll[n] * (exp(lp) - exp(log sum_{s: l'_s = c} alpha_t(s) beta_t(s) + nll - lp)),
/// with nll recomputed from log_alpha; 0 for t >= input_lengths[n] and, with zero_infinity, for
/// the samples whose nll is infinite.
EMBER_DECLARE_KERNEL(ctc_loss_backward_kernel,
                     void(const Tensor& grad, const Tensor& grad_nll, const Tensor& log_probs, const Tensor& targets,
                          const Tensor& log_alpha, const CtcLayout& layout));

/// Per-sample negative log-likelihoods (N) of (T, N, C) log_probs; targets (N, S) padded or 1-D
/// concatenated; differentiable in log_probs.
Tensor ctc_loss_nll(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& input_lengths,
                    const std::vector<int64_t>& target_lengths, int64_t blank, bool zero_infinity);

}  // namespace ember
