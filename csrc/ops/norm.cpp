#include "ops/norm.h"

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/linalg.h"
#include "ops/reduce.h"
#include "ops/shape.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(layer_norm_kernel, void(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                                            const Tensor& x, const Tensor& weight, const Tensor& bias,
                                            double eps));
EMBER_DEFINE_KERNEL(layer_norm_backward_kernel,
                    void(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                         const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                         const Tensor& weight));
EMBER_DEFINE_KERNEL(rms_norm_kernel, void(const Tensor& out, const Tensor& rstd, const Tensor& x,
                                          const Tensor& weight, double eps));
EMBER_DEFINE_KERNEL(rms_norm_backward_kernel,
                    void(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_out,
                         const Tensor& x, const Tensor& rstd, const Tensor& weight));
EMBER_DEFINE_KERNEL(batch_norm_kernel,
                    void(const Tensor& out, const Tensor& mean, const Tensor& invstd, const Tensor& x,
                         const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                         const Tensor& running_var, bool training, double momentum, double eps));
EMBER_DEFINE_KERNEL(batch_norm_backward_kernel,
                    void(const Tensor& grad_in, const Tensor& grad_weight, const Tensor& grad_bias,
                         const Tensor& grad_out, const Tensor& x, const Tensor& mean, const Tensor& invstd,
                         const Tensor& weight, bool training));

namespace {

Tensor contiguous_or_undefined(const Tensor& t) { return t.defined() ? contiguous(t) : t; }

// The dtype checks of PyTorch's CPU kernels, in its words: a floating input, and parameters (weight,
// bias, running stats) of the input's dtype.
void check_dtypes(const Tensor& input, const char* kernel, std::initializer_list<const Tensor*> params) {
  EMBER_CHECK(is_floating(input.dtype()), "\"", kernel, "\" not implemented for '",
              scalar_type_name(input.dtype()), "'");
  for (const Tensor* p : params) {
    if (!p->defined()) continue;
    EMBER_CHECK(p->device() == input.device(), "[", kernel, "] expected all tensors on one device, but got ",
                input.device().str(), " and ", p->device().str());
    if (p->dtype() == input.dtype()) continue;
    EMBER_CHECK(input.dtype() != DType::Float32, "mixed dtype (CPU): expect parameter to have scalar type of Float");
    EMBER_CHECK(false, "mixed dtype (CPU): all inputs must share same datatype.");
  }
}

// Dims [from, to) of a tensor of rank `to` (all trailing dims from `from`).
Shape dim_range(int from, int to) {
  Shape d;
  for (int i = from; i < to; ++i) d.push_back(i);
  return d;
}

// ---- layer_norm -------------------------------------------------------------------------------

void check_layer_norm_inputs(const Tensor& input, const Shape& ns, const Tensor& weight, const Tensor& bias) {
  EMBER_CHECK(!ns.empty(), "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
              "one element, but got normalized_shape = ", ns);
  EMBER_CHECK(!weight.defined() || weight.sizes() == ns, "Expected weight to be of same shape as normalized_shape, "
              "but got weight of shape ", weight.sizes(), " and normalized_shape = ", ns);
  EMBER_CHECK(!bias.defined() || bias.sizes() == ns, "Expected bias to be of same shape as normalized_shape, "
              "but got bias of shape ", bias.sizes(), " and normalized_shape = ", ns);
  bool match = input.dim() >= ns.size();
  for (int i = 0; match && i < ns.size(); ++i) match = input.size(input.dim() - ns.size() + i) == ns[i];
  if (!match) {
    std::string expected;
    for (int64_t s : ns) expected += ", " + std::to_string(s);
    EMBER_CHECK(false, "Given normalized_shape=", ns, ", expected input with shape [*", expected,
                "], but got input of size", input.sizes());
  }
  check_dtypes(input, "LayerNormKernelImpl", {&weight, &bias});
}

// The layer_norm backward in differentiable ember ops, for create_graph=True: mean and rstd are
// recomputed from x so that the second derivative sees their dependence on x.
TensorList layer_norm_backward_graph(const Tensor& g, const Tensor& x, const Tensor& w, int axis, double eps,
                                     std::array<bool, 3> need) {
  const Shape rows = dim_range(axis, x.dim()), lead = dim_range(0, axis);
  Tensor xc = x - mean(x, rows, true);
  Tensor rstd = rsqrt(mean(xc * xc, rows, true) + eps);
  Tensor xhat = xc * rstd;
  Tensor gw = w.defined() ? g * w : g;
  auto sum_lead = [&](const Tensor& t) { return axis ? sum(t, lead) : t; };
  return {need[0] ? rstd * (gw - mean(gw, rows, true) - xhat * mean(gw * xhat, rows, true)) : Tensor(),
          need[1] ? sum_lead(g * xhat) : Tensor(), need[2] ? sum_lead(g) : Tensor()};
}

// The rms_norm backward in differentiable ember ops, for create_graph=True (rstd recomputed from x).
TensorList rms_norm_backward_graph(const Tensor& g, const Tensor& x, const Tensor& w, int axis, double eps,
                                   std::array<bool, 2> need) {
  const Shape rows = dim_range(axis, x.dim()), lead = dim_range(0, axis);
  Tensor rstd = rsqrt(mean(x * x, rows, true) + eps);
  Tensor xhat = x * rstd;
  Tensor gw = w.defined() ? g * w : g;
  return {need[0] ? rstd * (gw - xhat * mean(gw * xhat, rows, true)) : Tensor(),
          need[1] ? (axis ? sum(g * xhat, lead) : g * xhat) : Tensor()};
}

// ---- batch_norm -------------------------------------------------------------------------------

void check_batch_norm_inputs(const Tensor& input, const Tensor& weight, const Tensor& bias,
                             const Tensor& running_mean, const Tensor& running_var, bool training) {
  EMBER_CHECK(input.dim() >= 2, "[batch_norm] expected 2D or more input (got ", input.dim(), "D input)");
  EMBER_CHECK(training || (running_mean.defined() && running_var.defined()),
              "running_mean must be defined in evaluation mode");
  const int64_t c = input.size(1);
  const std::pair<const char*, const Tensor*> params[] = {
      {"weight", &weight}, {"bias", &bias}, {"running_mean", &running_mean}, {"running_var", &running_var}};
  for (const auto& [name, p] : params)
    EMBER_CHECK(!p->defined() || p->numel() == c, name, " should contain ", c, " elements not ", p->numel());
  check_dtypes(input, "batch_norm", {&weight, &bias, &running_mean, &running_var});
}

// The batch_norm backward in differentiable ember ops, for create_graph=True. Training recomputes
// the batch statistics from x; eval mode's mean and invstd are constants.
TensorList batch_norm_backward_graph(const Tensor& g, const Tensor& x, const Tensor& saved_mean,
                                     const Tensor& saved_invstd, const Tensor& w, const Shape& bias_sizes,
                                     bool training, double eps, std::array<bool, 3> need) {
  Shape dims = dim_range(1, x.dim()), shape = Shape::filled(x.dim(), 1);
  dims[0] = 0;  // every dim but the channels
  shape[1] = x.size(1);
  Tensor xc = x - (training ? mean(x, dims, true) : reshape(saved_mean, shape));
  Tensor invstd = training ? rsqrt(mean(xc * xc, dims, true) + eps) : reshape(saved_invstd, shape);
  Tensor xhat = xc * invstd;
  Tensor gw = w.defined() ? g * reshape(w, shape) : g;
  Tensor gi;
  if (need[0])
    gi = training ? invstd * (gw - mean(gw, dims, true) - xhat * mean(gw * xhat, dims, true)) : gw * invstd;
  return {gi, need[1] ? reshape(sum(g * xhat, dims), w.sizes()) : Tensor(),
          need[2] ? reshape(sum(g, dims), bias_sizes) : Tensor()};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, const Shape& normalized_shape,
                                                     const Tensor& weight, const Tensor& bias, double eps) {
  check_layer_norm_inputs(input, normalized_shape, weight, bias);
  const int axis = input.dim() - normalized_shape.size();
  Shape stat_sizes = input.sizes();
  for (int d = axis; d < input.dim(); ++d) stat_sizes[d] = 1;
  Tensor x = contiguous(input), w = contiguous_or_undefined(weight), b = contiguous_or_undefined(bias);
  Tensor out = empty(input.sizes(), input.dtype(), input.device());
  Tensor mu = empty(stat_sizes, input.dtype(), input.device()), rstd = empty(stat_sizes, input.dtype(), input.device());
  layer_norm_kernel(x.device(), out, mu, rstd, x, w, b, eps);
  if (should_record({&input, &weight, &bias})) {
    const std::array<bool, 3> need{input.requires_grad(), weight.defined() && weight.requires_grad(),
                                   bias.defined() && bias.requires_grad()};
    const Shape bias_sizes = bias.defined() ? bias.sizes() : Shape{};
    record("NativeLayerNormBackward0", {input, weight, bias}, out, {save(x), save(mu), save(rstd), save(w)},
           [need, axis, eps, bias_sizes](const TensorList& g, const TensorList& s) {
             const Tensor &x = s[0], &mu = s[1], &rstd = s[2], &w = s[3];
             if (should_record({&g[0], &x, &w})) return layer_norm_backward_graph(g[0], x, w, axis, eps, need);
             Tensor gi = need[0] ? empty(x.sizes(), x.dtype(), x.device()) : Tensor();
             // zeros: with no rows (x of size 0) the kernel writes nothing and the sums are 0.
             Tensor gw = need[1] ? zeros(w.sizes(), x.dtype(), x.device()) : Tensor();
             Tensor gb = need[2] ? zeros(bias_sizes, x.dtype(), x.device()) : Tensor();
             layer_norm_backward_kernel(x.device(), gi, gw, gb, contiguous(g[0]), x, mu, rstd, w);
             return TensorList{gi, gw, gb};
           });
  }
  return {out, mu, rstd};
}

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  return std::get<0>(native_layer_norm(input, normalized_shape, weight, bias, eps));
}

Tensor rms_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, double eps) {
  check_layer_norm_inputs(input, normalized_shape, weight, Tensor());
  if (eps < 0) eps = input.dtype() == DType::Float64 ? 2.220446049250313e-16 : 1.1920928955078125e-07;
  const int axis = input.dim() - normalized_shape.size();
  Shape stat_sizes = input.sizes();
  for (int d = axis; d < input.dim(); ++d) stat_sizes[d] = 1;
  Tensor x = contiguous(input), w = contiguous_or_undefined(weight);
  Tensor out = empty(input.sizes(), input.dtype(), input.device());
  Tensor rstd = empty(stat_sizes, input.dtype(), input.device());
  rms_norm_kernel(x.device(), out, rstd, x, w, eps);
  if (should_record({&input, &weight})) {
    const std::array<bool, 2> need{input.requires_grad(), weight.defined() && weight.requires_grad()};
    record("RmsNormBackward0", {input, weight}, out, {save(x), save(rstd), save(w)},
           [need, axis, eps](const TensorList& g, const TensorList& s) {
             const Tensor &x = s[0], &rstd = s[1], &w = s[2];
             if (should_record({&g[0], &x, &w})) return rms_norm_backward_graph(g[0], x, w, axis, eps, need);
             Tensor gi = need[0] ? empty(x.sizes(), x.dtype(), x.device()) : Tensor();
             // zeros: with no rows (x of size 0) the kernel writes nothing and grad_weight is 0.
             Tensor gw = need[1] ? zeros(w.sizes(), x.dtype(), x.device()) : Tensor();
             rms_norm_backward_kernel(x.device(), gi, gw, contiguous(g[0]), x, rstd, w);
             return TensorList{gi, gw};
           });
  }
  return out;
}

std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const Tensor& weight,
                                                     const Tensor& bias, const Tensor& running_mean,
                                                     const Tensor& running_var, bool training,
                                                     double momentum, double eps) {
  check_batch_norm_inputs(input, weight, bias, running_mean, running_var, training);
  EMBER_CHECK(!training || input.numel() > 0, "input tensor must have at least one element, but got input_sizes = ",
              input.sizes());
  const int64_t c = input.size(1);
  Tensor x = contiguous(input), w = contiguous_or_undefined(weight), b = contiguous_or_undefined(bias);
  // The kernel updates the running stats in place, so it gets them contiguous and they are copied
  // back when they were not.
  Tensor rm = contiguous_or_undefined(running_mean), rv = contiguous_or_undefined(running_var);
  Tensor out = empty(input.sizes(), input.dtype(), input.device());
  Tensor mu = empty({c}, input.dtype(), input.device()), invstd = empty({c}, input.dtype(), input.device());
  batch_norm_kernel(x.device(), out, mu, invstd, x, w, b, rm, rv, training, momentum, eps);
  if (training) {
    for (auto [dst, src] : {std::pair{running_mean, rm}, std::pair{running_var, rv}}) {
      if (!dst.defined()) continue;
      if (!dst.is_same(src)) {
        GradModeGuard no_grad(false);
        copy_(dst, src);
      } else {
        dst.bump_version();
      }
    }
  }
  if (should_record({&input, &weight, &bias})) {
    const std::array<bool, 3> need{input.requires_grad(), weight.defined() && weight.requires_grad(),
                                   bias.defined() && bias.requires_grad()};
    const Shape w_sizes = weight.defined() ? weight.sizes() : Shape{}, b_sizes = bias.defined() ? bias.sizes() : Shape{};
    record("NativeBatchNormBackward0", {input, weight, bias}, out, {save(x), save(mu), save(invstd), save(w)},
           [need, training, eps, w_sizes, b_sizes](const TensorList& g, const TensorList& s) {
             const Tensor &x = s[0], &mu = s[1], &invstd = s[2], &w = s[3];
             if (should_record({&g[0], &x, &w}))
               return batch_norm_backward_graph(g[0], x, mu, invstd, w, b_sizes, training, eps, need);
             Tensor gi = need[0] ? empty(x.sizes(), x.dtype(), x.device()) : Tensor();
             Tensor gw = need[1] ? empty(w_sizes, x.dtype(), x.device()) : Tensor();
             Tensor gb = need[2] ? empty(b_sizes, x.dtype(), x.device()) : Tensor();
             batch_norm_backward_kernel(x.device(), gi, gw, gb, contiguous(g[0]), x, mu, invstd, w, training);
             return TensorList{gi, gw, gb};
           });
  }
  if (training) return {out, mu, invstd};
  return {out, empty({0}, input.dtype(), input.device()), empty({0}, input.dtype(), input.device())};
}

Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  check_batch_norm_inputs(input, weight, bias, running_mean, running_var, training);
  if (input.numel() == 0) {
    // Nothing to normalise; PyTorch still links the (empty) output to weight and bias.
    Shape shape = Shape::filled(input.dim(), 1);
    shape[1] = input.size(1);
    Tensor out = clone(input);
    if (weight.defined()) out = out * reshape(weight, shape);
    if (bias.defined()) out = out + reshape(bias, shape);
    return out;
  }
  return std::get<0>(native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps));
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  EMBER_CHECK(input.dim() >= 2, "Expected at least 2 dimensions for input tensor but received ", input.dim());
  const int64_t n = input.size(0), c = input.size(1);
  EMBER_CHECK(num_groups > 0 && c % num_groups == 0, "Expected number of channels in input to be divisible by "
              "num_groups, but got input of shape ", input.sizes(), " and num_groups=", num_groups);
  EMBER_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == c), "Expected weight to be a vector "
              "of size equal to the number of channels in input, but got weight of shape ", weight.sizes(),
              " and input of shape ", input.sizes());
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.numel() == c), "Expected bias to be a vector "
              "of size equal to the number of channels in input, but got bias of shape ", bias.sizes(),
              " and input of shape ", input.sizes());
  check_dtypes(input, "GroupNormKernelImpl", {&weight, &bias});
  // Each (sample, group) is one layer_norm row; the affine is per channel, so it follows.
  int64_t row = c / num_groups;
  for (int d = 2; d < input.dim(); ++d) row *= input.size(d);
  Tensor out = reshape(layer_norm(reshape(input, {n, num_groups, row}), {row}, {}, {}, eps), input.sizes());
  Shape shape = Shape::filled(input.dim(), 1);
  shape[1] = c;
  if (weight.defined()) out = out * reshape(weight, shape);
  if (bias.defined()) out = out + reshape(bias, shape);
  return out;
}

Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                     const Tensor& running_var, bool use_input_stats, double momentum, double eps) {
  EMBER_CHECK(use_input_stats || (running_mean.defined() && running_var.defined()),
              "Expected running_mean and running_var to be defined when use_input_stats is false");
  EMBER_CHECK(input.dim() >= 2, "[instance_norm] expected 2D or more input (got ", input.dim(), "D input)");
  // (N, C, *) is normalised as a batch of one with N*C channels; the running stats, repeated per
  // sample, move together and are averaged back over the samples.
  const int64_t n = input.size(0), c = input.size(1);
  Shape flat = input.sizes();
  flat[0] = 1;
  flat[1] = n * c;
  auto per_instance = [n](const Tensor& t) { return t.defined() ? repeat(t, {n}) : t; };
  Tensor rm = per_instance(running_mean), rv = per_instance(running_var);
  Tensor out = batch_norm(reshape(input, flat), per_instance(weight), per_instance(bias), rm, rv, use_input_stats,
                          momentum, eps);
  if (use_input_stats && running_mean.defined()) {
    GradModeGuard no_grad(false);
    for (auto [dst, src] : {std::pair{running_mean, rm}, std::pair{running_var, rv}})
      if (dst.defined()) copy_(dst, reshape(mean(reshape(src, {n, c}), {0}), dst.sizes()));
  }
  return reshape(out, input.sizes());
}

}  // namespace ember
