#include "ops/ctc.h"

#include <algorithm>

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/factory.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(ctc_loss_kernel, void(const Tensor& nll, const Tensor& log_alpha, const Tensor& log_probs,
                                          const Tensor& targets, const CtcLayout& layout));
EMBER_DEFINE_KERNEL(ctc_loss_backward_kernel,
                    void(const Tensor& grad, const Tensor& grad_nll, const Tensor& log_probs, const Tensor& targets,
                         const Tensor& log_alpha, const CtcLayout& layout));

namespace {

// The argument checks of PyTorch's ctc_loss_cpu, in its words; returns the layout of the targets.
CtcLayout check_ctc_inputs(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& input_lengths,
                           const std::vector<int64_t>& target_lengths, int64_t blank) {
  EMBER_CHECK(is_floating(log_probs.dtype()), "\"ctc_loss_cpu\" not implemented for '",
              scalar_type_name(log_probs.dtype()), "'");
  EMBER_CHECK(log_probs.dim() == 3, "ctc_loss: expected log_probs to be 3-D (T, N, C), got ", log_probs.dim(), "-D");
  EMBER_CHECK(!is_floating(targets.dtype()) && targets.dtype() != DType::Bool,
              "ctc_loss: expected targets to be an integer tensor, got ", scalar_type_name(targets.dtype()));
  const int64_t T = log_probs.size(0), N = log_probs.size(1), C = log_probs.size(2);
  EMBER_CHECK(blank >= 0 && blank < C, "blank must be in label range");
  EMBER_CHECK(int64_t(input_lengths.size()) == N, "input_lengths must be of size batch_size");
  EMBER_CHECK(int64_t(target_lengths.size()) == N, "target_lengths must be of size batch_size");
  CtcLayout layout{input_lengths, target_lengths, std::vector<int64_t>(N), blank, false};
  int64_t position = 0;
  for (int64_t n = 0; n < N; ++n) {
    EMBER_CHECK(input_lengths[n] >= 0 && input_lengths[n] <= T, "Expected input_lengths to have value at most ", T,
                ", but got value ", input_lengths[n], " (while checking arguments for ctc_loss_cpu)");
    EMBER_CHECK(target_lengths[n] >= 0, "ctc_loss: target_lengths must be non-negative, got ", target_lengths[n]);
    if (targets.dim() == 1) {
      layout.target_offsets[n] = position;
      position += target_lengths[n];
    } else {
      EMBER_CHECK(targets.dim() == 2 && targets.size(0) == N, "ctc_loss: expected targets of shape (N, S) with N = ",
                  N, " or 1-D concatenated targets, got ", targets.sizes());
      EMBER_CHECK(target_lengths[n] <= targets.size(1), "Expected tensor to have size at least ", target_lengths[n],
                  " at dimension 1, but got size ", targets.size(1),
                  " for argument #2 'targets' (while checking arguments for ctc_loss_cpu)");
      layout.target_offsets[n] = n * targets.size(1);
    }
  }
  EMBER_CHECK(targets.dim() != 1 || position <= targets.numel(), "ctc_loss: the target_lengths sum to ", position,
              " but the 1-D targets have only ", targets.numel(), " entries");
  return layout;
}

}  // namespace

Tensor ctc_loss_nll(const Tensor& log_probs, const Tensor& targets, const std::vector<int64_t>& input_lengths,
                    const std::vector<int64_t>& target_lengths, int64_t blank, bool zero_infinity) {
  CtcLayout layout = check_ctc_inputs(log_probs, targets, input_lengths, target_lengths, blank);
  layout.zero_infinity = zero_infinity;
  const int64_t T = log_probs.size(0), N = log_probs.size(1);
  const int64_t max_target = target_lengths.empty() ? 0
                                                     : *std::max_element(target_lengths.begin(), target_lengths.end());
  Tensor lp = contiguous(detach(log_probs));
  Tensor tg = contiguous(to_dtype(targets, DType::Int64));
  Tensor nll = empty(Shape{N}, lp.dtype(), lp.device());
  Tensor log_alpha = empty(Shape{N, T, 2 * max_target + 1}, DType::Float64, lp.device());
  ctc_loss_kernel(lp.device(), nll, log_alpha, lp, tg, layout);
  if (should_record({&log_probs})) {
    record("CtcLossBackward0", {log_probs}, nll, {save(lp), save(tg), save(log_alpha)},
           [layout](const TensorList& g, const TensorList& s) {
             // A fused-kernel gradient: create_graph differentiates no further through it.
             const Tensor& lp = s[0];
             Tensor grad = empty(lp.sizes(), lp.dtype(), lp.device());
             ctc_loss_backward_kernel(lp.device(), grad, contiguous(to_dtype(g[0], lp.dtype())), lp, s[1], s[2],
                                      layout);
             return TensorList{grad};
           });
  }
  return nll;
}

}  // namespace ember
