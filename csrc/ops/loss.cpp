#include "ops/loss.h"

#include <limits>

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(nll_loss_kernel, LossTotals(const Tensor& loss, const Tensor& input, const Tensor& target,
                                                const Tensor& weight, const LossParams& p));
EMBER_DEFINE_KERNEL(nll_loss_backward_kernel, void(const Tensor& grad_input, const Tensor& row_grad,
                                                   const Tensor& target, const Tensor& weight,
                                                   const LossParams& p));
EMBER_DEFINE_KERNEL(cross_entropy_kernel, LossTotals(const Tensor& loss, const Tensor& lse, const Tensor& input,
                                                     const Tensor& target, const Tensor& weight,
                                                     const LossParams& p));
EMBER_DEFINE_KERNEL(cross_entropy_backward_kernel,
                    void(const Tensor& grad_input, const Tensor& row_grad, const Tensor& input,
                         const Tensor& lse, const Tensor& target, const Tensor& weight, const LossParams& p));

LossReduction parse_reduction(const std::string& reduction) {
  if (reduction == "none") return LossReduction::None;
  if (reduction == "mean") return LossReduction::Mean;
  EMBER_CHECK_VALUE(reduction == "sum", reduction, " is not a valid value for reduction");
  return LossReduction::Sum;
}

namespace {

// The [N, C, S] view of Note [Loss kernel layout], and the shape of the unreduced loss.
struct LossGeometry {
  int64_t n = 1, c = 1, s = 1;
  Shape rows;  // the target's shape: reduction='none' returns one loss per entry
  Shape nchw() const { return Shape{n, c, s}; }
};

// PyTorch's checks of nll_loss_nd, in its order and with its messages.
LossGeometry check_class_inputs(const Tensor& input, const Tensor& target, const Tensor& weight, const char* op) {
  EMBER_CHECK_VALUE(input.dim() >= 1, "Expected 1 or more dimensions (got ", input.dim(), ")");
  if (input.dim() > 1) {
    int64_t target_batch = target.dim() ? target.size(0) : 0;
    EMBER_CHECK_VALUE(input.size(0) == target_batch, "Expected input batch_size (", input.size(0),
                      ") to match target batch_size (", target_batch, ").");
  }
  EMBER_CHECK(target.dtype() == DType::Int64 || target.dtype() == DType::UInt8,
              "expected target dtype to be Long or Byte, but got ", scalar_type_name(target.dtype()));
  EMBER_CHECK(is_floating(input.dtype()), "\"", op, "\" not implemented for '", scalar_type_name(input.dtype()), "'");
  LossGeometry g;
  if (input.dim() == 1) {
    EMBER_CHECK(target.dim() == 0, "size mismatch (got input: ", input.sizes(), ", target: ", target.sizes(), ")");
    g.c = input.size(0);
  } else if (input.dim() == 2) {
    EMBER_CHECK(target.dim() == 1, "0D or 1D target tensor expected, multi-target not supported");
    g.n = input.size(0), g.c = input.size(1);
  } else {
    Shape expected{input.size(0)};
    for (int d = 2; d < input.dim(); ++d) expected.push_back(input.size(d)), g.s *= input.size(d);
    EMBER_CHECK(target.sizes() == expected, "Expected target size ", expected, ", got ", target.sizes());
    g.n = input.size(0), g.c = input.size(1);
  }
  g.rows = target.sizes();
  EMBER_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == g.c), "weight tensor should be defined ",
              "either for all ", g.c, " classes or no classes but got weight tensor of shape: ", weight.sizes());
  EMBER_CHECK(!weight.defined() || !weight.requires_grad() || !GradMode::is_enabled(),
              "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. "
              "This input cannot have requires_grad True.");
  return g;
}

/// The reduced (or per-entry) loss from a kernel's per-row losses and totals.
Tensor reduce_loss(const Tensor& rows, const LossTotals& totals, LossReduction reduction, const LossGeometry& g) {
  switch (reduction) {
    case LossReduction::None: return reshape(rows, g.rows);
    case LossReduction::Sum: return scalar_tensor(totals.loss, rows.dtype(), rows.device());
    case LossReduction::Mean: break;
  }
  return scalar_tensor(totals.loss / totals.weight, rows.dtype(), rows.device());
}

/// The gradient of each row's loss: g (mean: g / total weight) for a reduced loss, g itself
/// reshaped to [N, 1, S] for reduction='none'. Broadcasts against [N, C, S].
Tensor row_grad(const Tensor& g, LossReduction reduction, double total_weight, const LossGeometry& geo) {
  switch (reduction) {
    case LossReduction::None: return reshape(g, Shape{geo.n, 1, geo.s});
    case LossReduction::Sum: return g;
    case LossReduction::Mean: break;
  }
  return div(g, Scalar(total_weight));
}

// What every backward needs: the geometry, the reduction, the kernel's total weight and params.
struct LossContext {
  LossGeometry geo;
  LossReduction reduction;
  double total_weight;
  LossParams params;
  Shape input_sizes;
  bool has_weight;
};

/// Per-class constants of the composite backward, as [N, C, S] / [N, 1, S] tensors of x's dtype:
/// onehot of the kept targets (ignored rows all zero), kept (0/1 per row) and w broadcast (1, C, 1).
struct TargetTerms {
  Tensor onehot, kept, w;
};

TargetTerms target_terms(const Tensor& target, const Tensor& weight, const LossContext& ctx, DType dtype) {
  const LossGeometry& g = ctx.geo;
  Tensor t = reshape(target, Shape{g.n, 1, g.s});
  Tensor classes = reshape(arange(0, g.c, 1, DType::Int64, target.device()), Shape{1, g.c, 1});
  Tensor kept_mask = ne(t, scalar_tensor(ctx.params.ignore_index, DType::Int64, target.device()));
  TargetTerms terms;
  terms.onehot = to_dtype(logical_and(eq(classes, t), kept_mask), dtype);
  terms.kept = to_dtype(kept_mask, dtype);
  terms.w = weight.defined() ? reshape(weight, Shape{1, g.c, 1}) : ones(Shape{1, g.c, 1}, dtype, target.device());
  return terms;
}

// The backward formulas in ember ops, for create_graph=True: differentiable in x and in g.
Tensor nll_backward_composite(const Tensor& g, const Tensor& target, const Tensor& weight, const LossContext& ctx) {
  TargetTerms tt = target_terms(target, weight, ctx, g.dtype());
  return mul(row_grad(g, ctx.reduction, ctx.total_weight, ctx.geo), neg(mul(tt.onehot, tt.w)));
}

Tensor cross_entropy_backward_composite(const Tensor& g, const Tensor& x, const Tensor& target,
                                        const Tensor& weight, const LossContext& ctx) {
  TargetTerms tt = target_terms(target, weight, ctx, x.dtype());
  const double eps = ctx.params.label_smoothing, c = double(ctx.geo.c);
  Tensor w_t = sum(mul(tt.onehot, tt.w), Shape{1}, /*keepdim=*/true);
  Tensor w_sum = sum(tt.w);
  Tensor a = add(mul(w_t, 1 - eps), mul(mul(w_sum, eps / c), tt.kept));
  Tensor b = add(mul(mul(tt.onehot, tt.w), 1 - eps), mul(mul(tt.w, tt.kept), eps / c));
  Tensor p = softmax(reshape(x, ctx.geo.nchw()), 1);
  return mul(row_grad(g, ctx.reduction, ctx.total_weight, ctx.geo), sub(mul(p, a), b));
}

/// The grad of the per-row losses as the kernels take it: one value per row, or one for all.
Tensor kernel_row_grad(const Tensor& g, const LossContext& ctx, DType dtype) {
  Tensor rg = ctx.reduction == LossReduction::Mean ? div(g, Scalar(ctx.total_weight)) : g;
  return contiguous(to_dtype(rg, dtype));
}

/// Target as the kernels take it (contiguous int64) and weight in the input's dtype.
Tensor kernel_target(const Tensor& target) { return contiguous(to_dtype(target, DType::Int64)); }
Tensor kernel_weight(const Tensor& weight, DType dtype) {
  return weight.defined() ? contiguous(to_dtype(weight, dtype)) : Tensor();
}

// ---- cross_entropy with class probabilities (PyTorch's cross_entropy_loss_prob_target) ----------

Tensor cross_entropy_probs(const Tensor& input, const Tensor& target, const Tensor& weight,
                           LossReduction reduction, int64_t ignore_index, double label_smoothing) {
  EMBER_CHECK(is_floating(target.dtype()), "Expected floating point type for target with class probabilities, got ",
              scalar_type_name(target.dtype()));
  EMBER_CHECK(ignore_index < 0, "ignore_index is not supported for floating point target");
  const int class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t c = input.size(class_dim);
  EMBER_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == c), "cross_entropy: weight tensor should ",
              "be defined either for all ", c, " classes or no classes but got weight tensor of shape: ", weight.sizes());
  Tensor logp = log_softmax(input, class_dim);
  Tensor probs = label_smoothing > 0 ? add(mul(target, 1 - label_smoothing), label_smoothing / double(c)) : target;
  Tensor terms = mul(logp, probs);
  if (weight.defined()) {
    Shape w_shape = Shape::filled(input.dim(), 1);
    w_shape[class_dim] = c;
    terms = mul(terms, reshape(weight, w_shape));
  }
  switch (reduction) {
    case LossReduction::None: return neg(sum(terms, Shape{class_dim}));
    case LossReduction::Sum: return neg(sum(terms));
    case LossReduction::Mean: break;
  }
  if (input.numel() == 0) return mul(sum(terms), std::numeric_limits<double>::quiet_NaN());
  return div(neg(sum(terms)), Scalar(input.numel() / c));
}

}  // namespace

Tensor nll_loss_nd(const Tensor& input, const Tensor& target, const Tensor& weight, LossReduction reduction,
                   int64_t ignore_index) {
  LossGeometry geo = check_class_inputs(input, target, weight, "nll_loss");
  Tensor x = contiguous(detach(input));
  Tensor t = kernel_target(target);
  Tensor w = kernel_weight(weight, x.dtype());
  LossParams params{ignore_index, 0};
  Tensor rows = empty(geo.rows, x.dtype(), x.device());
  LossTotals totals = nll_loss_kernel(x.device(), rows, x, t, w, params);
  Tensor out = reduce_loss(rows, totals, reduction, geo);
  if (should_record({&input})) {
    LossContext ctx{geo, reduction, totals.weight, params, input.sizes(), w.defined()};
    std::vector<SavedTensor> saved{save(t)};
    if (w.defined()) saved.push_back(save(w));
    record("NllLossBackward0", {input}, out, std::move(saved), [ctx](const TensorList& g, const TensorList& s) {
      Tensor w = ctx.has_weight ? s[1] : Tensor();
      if (GradMode::is_enabled()) return TensorList{reshape(nll_backward_composite(g[0], s[0], w, ctx), ctx.input_sizes)};
      Tensor grad_input = zeros(ctx.geo.nchw(), g[0].dtype(), g[0].device());
      nll_loss_backward_kernel(g[0].device(), grad_input, kernel_row_grad(g[0], ctx, g[0].dtype()), s[0], w, ctx.params);
      return TensorList{reshape(grad_input, ctx.input_sizes)};
    });
  }
  return out;
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, LossReduction reduction,
                     int64_t ignore_index, double label_smoothing) {
  EMBER_CHECK_VALUE(label_smoothing >= 0.0 && label_smoothing <= 1.0,
                    "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  if (input.sizes() == target.sizes())
    return cross_entropy_probs(input, target, weight, reduction, ignore_index, label_smoothing);
  LossGeometry geo = check_class_inputs(input, target, weight, "cross_entropy");
  Tensor x = contiguous(detach(input));
  Tensor t = kernel_target(target);
  Tensor w = kernel_weight(weight, x.dtype());
  LossParams params{ignore_index, label_smoothing};
  Tensor rows = empty(geo.rows, x.dtype(), x.device());
  Tensor lse = empty(Shape{geo.n * geo.s}, x.dtype(), x.device());
  LossTotals totals = cross_entropy_kernel(x.device(), rows, lse, x, t, w, params);
  Tensor out = reduce_loss(rows, totals, reduction, geo);
  if (should_record({&input})) {
    LossContext ctx{geo, reduction, totals.weight, params, input.sizes(), w.defined()};
    // The input itself (not the contiguous copy) is saved so that create_graph differentiates
    // through it; lse spares the backward kernel the max and sum passes.
    std::vector<SavedTensor> saved{save(input), save(t), save(lse)};
    if (w.defined()) saved.push_back(save(w));
    record("CrossEntropyLossBackward0", {input}, out, std::move(saved), [ctx](const TensorList& g, const TensorList& s) {
      Tensor w = ctx.has_weight ? s[3] : Tensor();
      Tensor grad_input;
      if (GradMode::is_enabled()) {
        grad_input = cross_entropy_backward_composite(g[0], s[0], s[1], w, ctx);
      } else {
        Tensor x = contiguous(s[0]);
        grad_input = empty(ctx.geo.nchw(), x.dtype(), x.device());
        cross_entropy_backward_kernel(x.device(), grad_input, kernel_row_grad(g[0], ctx, x.dtype()), x, s[2], s[1],
                                      w, ctx.params);
      }
      return TensorList{reshape(grad_input, ctx.input_sizes)};
    });
  }
  return out;
}

}  // namespace ember
