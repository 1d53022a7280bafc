#include "ops/conv.h"

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/indexing.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(conv2d_kernel, void(const Tensor& out, const Tensor& in, const Tensor& weight,
                                        const Tensor& bias, const ConvArgs& args));
EMBER_DEFINE_KERNEL(conv2d_backward_input_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                       const Tensor& weight, const ConvArgs& args));
EMBER_DEFINE_KERNEL(conv2d_backward_weight_kernel, void(const Tensor& grad_weight, const Tensor& grad_out,
                                                        const Tensor& in, const ConvArgs& args));
EMBER_DEFINE_KERNEL(im2col_kernel, void(const Tensor& cols, const Tensor& in, const FoldArgs& args));
EMBER_DEFINE_KERNEL(col2im_kernel, void(const Tensor& out, const Tensor& cols, const FoldArgs& args));
EMBER_DEFINE_KERNEL(max_pool2d_kernel, void(const Tensor& out, const Tensor& indices, const Tensor& in,
                                            const PoolArgs& args));
EMBER_DEFINE_KERNEL(max_pool_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                   const Tensor& indices));
EMBER_DEFINE_KERNEL(avg_pool2d_kernel, void(const Tensor& out, const Tensor& in, const PoolArgs& args,
                                            bool count_include_pad, int64_t divisor));
EMBER_DEFINE_KERNEL(avg_pool2d_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                     const PoolArgs& args, bool count_include_pad,
                                                     int64_t divisor));
EMBER_DEFINE_KERNEL(adaptive_avg_pool2d_kernel, void(const Tensor& out, const Tensor& in));
EMBER_DEFINE_KERNEL(adaptive_avg_pool2d_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out));
EMBER_DEFINE_KERNEL(adaptive_max_pool2d_kernel, void(const Tensor& out, const Tensor& indices, const Tensor& in));

namespace {

// "2 x 3" (sep " x ") or "4x2x3" (sep "x").
std::string join(const Shape& s, const char* sep) {
  std::string r;
  for (int i = 0; i < s.size(); ++i) r += (i ? sep : "") + std::to_string(s[i]);
  return r;
}

// A conv parameter given as one value or one per spatial dim, as a list of `n` values.
Shape expand_param(const Shape& p, int n, const char* name) {
  EMBER_CHECK(p.size() == 1 || p.size() == n, "expected ", name, " to be a single integer value or a list of ",
              n, " values to match the convolution dimensions, but got ", name, "=", p);
  return p.size() == n ? p : Shape::filled(n, p[0]);
}

// ---- convolution ------------------------------------------------------------------------------

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvArgs& a);

Shape conv_output_sizes(const Shape& in, const Shape& w, const ConvArgs& a) {
  return {in[0], w[0], (in[2] + a.pt + a.pb - a.dh * (w[2] - 1) - 1) / a.sh + 1,
          (in[3] + a.pl + a.pr - a.dw * (w[3] - 1) - 1) / a.sw + 1};
}

// The 4-d convolution every conv op ends in; records its backward (grad_input, grad_weight, sum).
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvArgs& a) {
  Tensor x = contiguous(input), w = contiguous(weight), b = bias.defined() ? contiguous(bias) : bias;
  Tensor out = empty(conv_output_sizes(x.sizes(), w.sizes(), a), x.dtype(), x.device());
  conv2d_kernel(x.device(), out, x, w, b, a);
  if (should_record({&input, &weight, &bias})) {
    const bool need_x = input.requires_grad(), need_w = weight.requires_grad(),
               need_b = bias.defined() && bias.requires_grad();
    record("ConvolutionBackward0", {input, weight, bias}, out, {save(x), save(w)},
           [a, need_x, need_w, need_b](const TensorList& g, const TensorList& s) {
             return TensorList{need_x ? conv2d_backward_input(g[0], s[1], s[0].sizes(), a) : Tensor(),
                               need_w ? conv2d_backward_weight(g[0], s[0], s[1].sizes(), a) : Tensor(),
                               need_b ? sum(g[0], {0, 2, 3}) : Tensor()};
           });
  }
  return out;
}

// Validates a conv1d/conv2d call (nsp spatial dims) in PyTorch's words and runs it as a 4-d one.
// `pad` holds explicit padding, or is empty when `mode` ("same"/"valid") decides.
Tensor conv_nd(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride_in,
               const Shape& pad, const std::string& mode, const Shape& dilation_in, int64_t groups,
               int nsp) {
  const char* op = nsp == 1 ? "conv1d" : "conv2d";
  EMBER_CHECK(input.dim() == nsp + 1 || input.dim() == nsp + 2, "Expected ", nsp + 1, "D (unbatched) or ",
              nsp + 2, "D (batched) input to ", op, ", but got input of size: ", input.sizes());
  EMBER_CHECK(weight.dim() == nsp + 2, "[", op, "] expected a ", nsp + 2, "-d weight, but got weight of size ",
              weight.sizes());
  EMBER_CHECK(input.dtype() == weight.dtype(), "expected scalar type ", scalar_type_name(input.dtype()),
              " but found ", scalar_type_name(weight.dtype()));
  EMBER_CHECK(!bias.defined() || bias.dtype() == input.dtype(), "Input type (", dtype_name(input.dtype()),
              ") and bias type (", dtype_name(bias.dtype()), ") should be the same");
  EMBER_CHECK(input.device() == weight.device() && (!bias.defined() || bias.device() == input.device()),
              "[", op, "] input, weight and bias must be on the same device");
  EMBER_CHECK(groups > 0, "non-positive groups is not supported");
  Shape stride = expand_param(stride_in, nsp, "stride"), dilation = expand_param(dilation_in, nsp, "dilation");
  for (int64_t s : stride) EMBER_CHECK(s > 0, "non-positive stride is not supported");
  for (int64_t d : dilation) EMBER_CHECK(d > 0, "dilation should be greater than zero, but got ", dilation);
  const bool batched = input.dim() == nsp + 2;
  Tensor x = batched ? input : unsqueeze(input, 0);
  const Shape& ws = weight.sizes();
  EMBER_CHECK(ws[0] % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight of size [", ws, "] instead");
  EMBER_CHECK(ws[1] * groups == x.size(1), "Given groups=", groups, ", weight of size ", ws, ", expected input",
              x.sizes(), " to have ", ws[1] * groups, " channels, but got ", x.size(1), " channels instead");
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == ws[0]), "Given weight of size ", ws,
              ", expected bias to be 1-dimensional with ", ws[0], " elements, but got bias of size ",
              bias.sizes(), " instead");
  // Padding before (lo) and after (hi) each spatial dim.
  Shape lo, hi, padded, kernel;
  if (mode.empty()) {
    lo = hi = expand_param(pad, nsp, "padding");
    for (int64_t p : lo) EMBER_CHECK(p >= 0, "negative padding is not supported");
  } else if (mode == "valid") {
    lo = hi = Shape::filled(nsp, 0);
  } else {
    EMBER_CHECK(mode == "same", "Invalid padding string: '", mode, "'");
    for (int64_t s : stride) EMBER_CHECK(s == 1, "padding='same' is not supported for strided convolutions");
    for (int i = 0; i < nsp; ++i) {
      // An even effective kernel pads one more after than before, as PyTorch does.
      int64_t total = dilation[i] * (ws[2 + i] - 1);
      lo.push_back(total / 2);
      hi.push_back(total - total / 2);
    }
  }
  for (int i = 0; i < nsp; ++i) {
    padded.push_back(x.size(2 + i) + lo[i] + hi[i]);
    kernel.push_back(dilation[i] * (ws[2 + i] - 1) + 1);
  }
  for (int i = 0; i < nsp; ++i)
    EMBER_CHECK(padded[i] >= kernel[i], "Calculated padded input size per channel: (", join(padded, " x "),
                "). Kernel size: (", join(kernel, " x "), "). Kernel size can't be greater than actual input size");
  ConvArgs a;
  a.groups = groups;
  const int o = nsp - 1;  // index of the last spatial dim's parameters
  a.sw = stride[o], a.pl = lo[o], a.pr = hi[o], a.dw = dilation[o];
  if (nsp == 2) a.sh = stride[0], a.pt = lo[0], a.pb = hi[0], a.dh = dilation[0];
  Tensor out = nsp == 2 ? convolution(x, weight, bias, a)
                        : squeeze(convolution(unsqueeze(x, 2), unsqueeze(weight, 2), bias, a), {2});
  return batched ? out : squeeze(out, {0});
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const Shape& padding, const Shape& dilation, int64_t groups) {
  return conv_nd(input, weight, bias, stride, padding, "", dilation, groups, 2);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const std::string& padding, const Shape& dilation, int64_t groups) {
  EMBER_CHECK(!padding.empty(), "Invalid padding string: ''");
  return conv_nd(input, weight, bias, stride, {}, padding, dilation, groups, 2);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const Shape& padding, const Shape& dilation, int64_t groups) {
  return conv_nd(input, weight, bias, stride, padding, "", dilation, groups, 1);
}
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const std::string& padding, const Shape& dilation, int64_t groups) {
  EMBER_CHECK(!padding.empty(), "Invalid padding string: ''");
  return conv_nd(input, weight, bias, stride, {}, padding, dilation, groups, 1);
}

// The input gradient is bilinear in (grad_out, weight); its own gradients are a convolution and a
// weight gradient (and symmetrically for conv2d_backward_weight), which gives double backward.
Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& input_sizes,
                             const ConvArgs& a) {
  Tensor g = contiguous(grad_out), w = contiguous(weight);
  Tensor grad_in = empty(input_sizes, g.dtype(), g.device());
  conv2d_backward_input_kernel(g.device(), grad_in, g, w, a);
  if (should_record({&grad_out, &weight})) {
    const bool need_g = grad_out.requires_grad(), need_w = weight.requires_grad();
    record("ConvolutionBackwardInputBackward0", {grad_out, weight}, grad_in, {save(g), save(w)},
           [a, need_g, need_w](const TensorList& gg, const TensorList& s) {
             return TensorList{need_g ? convolution(gg[0], s[1], {}, a) : Tensor(),
                               need_w ? conv2d_backward_weight(s[0], gg[0], s[1].sizes(), a) : Tensor()};
           });
  }
  return grad_in;
}

Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& input, const Shape& weight_sizes,
                              const ConvArgs& a) {
  Tensor g = contiguous(grad_out), x = contiguous(input);
  Tensor grad_w = empty(weight_sizes, g.dtype(), g.device());
  conv2d_backward_weight_kernel(g.device(), grad_w, g, x, a);
  if (should_record({&grad_out, &input})) {
    const bool need_g = grad_out.requires_grad(), need_x = input.requires_grad();
    record("ConvolutionBackwardWeightBackward0", {grad_out, input}, grad_w, {save(g), save(x)},
           [a, need_g, need_x](const TensorList& gg, const TensorList& s) {
             return TensorList{need_g ? convolution(s[1], gg[0], {}, a) : Tensor(),
                               need_x ? conv2d_backward_input(s[0], gg[0], s[1].sizes(), a) : Tensor()};
           });
  }
  return grad_w;
}

// ---- unfold / fold ------------------------------------------------------------------------------

namespace {

// floor(a / b) for b > 0, also for negative a (PyTorch's div_rtn).
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Sliding blocks along one dim of `size` elements, padded by `pad` on both sides.
int64_t n_blocks(int64_t size, int64_t k, int64_t d, int64_t pad, int64_t s) {
  return floor_div(size + 2 * pad - d * (k - 1) - 1, s) + 1;
}

// Checks the four window parameters (2 values each) in im2col's (or col2im's) order and returns
// them as FoldArgs without the grid, which the caller fills in.
FoldArgs fold_args(const Shape& k, const Shape& d, const Shape& p, const Shape& s, bool fold) {
  for (auto [v, name] : {std::pair{&k, "kernel_size"}, {&d, "dilation"}, {&p, "padding"}, {&s, "stride"}})
    EMBER_CHECK(v->size() == 2, "It is expected ", name, " equals to 2, but got size ", v->size());
  EMBER_CHECK(k[0] > 0 && k[1] > 0, "kernel size should be greater than zero, but got kernel_height: ", k[0],
              " kernel_width: ", k[1]);
  auto check_stride = [&] {
    EMBER_CHECK(s[0] > 0 && s[1] > 0, "stride should be greater than zero, but got stride_height: ", s[0],
                " stride_width: ", s[1]);
  };
  if (fold) check_stride();
  EMBER_CHECK(d[0] > 0 && d[1] > 0, "dilation should be greater than zero, but got dilation_height: ", d[0],
              " dilation_width: ", d[1]);
  EMBER_CHECK(p[0] >= 0 && p[1] >= 0, "padding should be non-negative, but got pad_height: ", p[0],
              " pad_width: ", p[1]);
  if (!fold) check_stride();
  FoldArgs f;
  f.kh = k[0], f.kw = k[1];
  f.conv.dh = d[0], f.conv.dw = d[1], f.conv.pt = f.conv.pb = p[0], f.conv.pl = f.conv.pr = p[1];
  f.conv.sh = s[0], f.conv.sw = s[1];
  return f;
}

}  // namespace

Tensor im2col(const Tensor& input, const Shape& kernel_size, const Shape& dilation, const Shape& padding,
              const Shape& stride) {
  FoldArgs f = fold_args(kernel_size, dilation, padding, stride, false);
  const int64_t nd = input.dim();
  EMBER_CHECK((nd == 3 || nd == 4) && input.size(nd - 3) != 0 && input.size(nd - 2) != 0 && input.size(nd - 1) != 0,
              "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for "
              "input, but got: ", input.sizes());
  const int64_t h = input.size(nd - 2), w = input.size(nd - 1);
  f.oh = n_blocks(h, f.kh, f.conv.dh, f.conv.pt, f.conv.sh);
  f.ow = n_blocks(w, f.kw, f.conv.dw, f.conv.pl, f.conv.sw);
  EMBER_CHECK(f.oh >= 1 && f.ow >= 1, "Given input with spatial size (", h, ", ", w, "), kernel_size=(", f.kh, ", ",
              f.kw, "), dilation=(", f.conv.dh, ", ", f.conv.dw, "), padding=(", f.conv.pt, ", ", f.conv.pl,
              "), calculated shape of the array of sliding blocks as (", f.oh, ", ", f.ow,
              "), but its components must be at least one.");
  const Tensor xb = nd == 4 ? input : unsqueeze(input, 0);
  Tensor x = contiguous(xb);
  Tensor cols = empty({x.size(0), x.size(1) * f.kh * f.kw, f.oh * f.ow}, x.dtype(), x.device());
  im2col_kernel(x.device(), cols, x, f);
  if (should_record({&xb})) {
    Shape hw{h, w};
    record("Im2ColBackward0", {xb}, cols, {}, [f, hw](const TensorList& g, const TensorList&) {
      return TensorList{col2im(g[0], hw, {f.kh, f.kw}, {f.conv.dh, f.conv.dw}, {f.conv.pt, f.conv.pl},
                               {f.conv.sh, f.conv.sw})};
    });
  }
  return nd == 4 ? cols : squeeze(cols, {0});
}

Tensor col2im(const Tensor& input, const Shape& output_size, const Shape& kernel_size, const Shape& dilation,
              const Shape& padding, const Shape& stride) {
  EMBER_CHECK(output_size.size() == 2, "It is expected output_size equals to 2, but got size ", output_size.size());
  FoldArgs f = fold_args(kernel_size, dilation, padding, stride, true);
  const int64_t nd = input.dim();
  EMBER_CHECK((nd == 2 || nd == 3) && input.size(nd - 2) != 0 && input.size(nd - 1) != 0,
              "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions "
              "for input, but got: ", input.sizes());
  const int64_t planes = input.size(nd - 2), length = input.size(nd - 1);
  // The messages count dims as in the batched input, also for an unbatched one (as PyTorch does).
  EMBER_CHECK(planes % (f.kh * f.kw) == 0, "Expected size of input's dimension 1 to be divisible by the product "
              "of kernel_size, but got input.size(1)=", planes,
              " and kernel_size=(", f.kh, ", ", f.kw, ").");
  const int64_t h = output_size[0], w = output_size[1];
  f.oh = n_blocks(h, f.kh, f.conv.dh, f.conv.pt, f.conv.sh);
  f.ow = n_blocks(w, f.kw, f.conv.dw, f.conv.pl, f.conv.sw);
  const std::string given = str("Given output_size=(", h, ", ", w, "), kernel_size=(", f.kh, ", ", f.kw,
                                "), dilation=(", f.conv.dh, ", ", f.conv.dw, "), padding=(", f.conv.pt, ", ",
                                f.conv.pl, "), stride=(", f.conv.sh, ", ", f.conv.sw, "), ");
  EMBER_CHECK(length == f.oh * f.ow, given, "expected size of input's dimension 2 to match the calculated number "
              "of sliding blocks ", f.oh, " * ", f.ow, " = ", f.oh * f.ow, ", but got input.size(2)=", length, ".");
  EMBER_CHECK(f.oh >= 1 && f.ow >= 1, given, "calculated shape of the array of sliding blocks as (", f.oh, ", ",
              f.ow, "), which is invalid.");
  const Tensor cb = nd == 3 ? input : unsqueeze(input, 0);
  Tensor cols = contiguous(cb);
  Tensor out = empty({cols.size(0), planes / (f.kh * f.kw), h, w}, cols.dtype(), cols.device());
  col2im_kernel(cols.device(), out, cols, f);
  if (should_record({&cb})) {
    record("Col2ImBackward0", {cb}, out, {}, [f](const TensorList& g, const TensorList&) {
      return TensorList{im2col(g[0], {f.kh, f.kw}, {f.conv.dh, f.conv.dw}, {f.conv.pt, f.conv.pl},
                               {f.conv.sh, f.conv.sw})};
    });
  }
  return nd == 3 ? out : squeeze(out, {0});
}

// ---- pooling ------------------------------------------------------------------------------------

namespace {

// A pooling parameter given as one value or one per spatial dim; `what` finishes the error.
Shape pool_param(const Shape& p, int nsp, const char* op, const char* name, const char* what) {
  EMBER_CHECK(p.size() == 1 || p.size() == nsp, op, ": ", name, what);
  return p.size() == nsp ? p : Shape::filled(nsp, p[0]);
}

// PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input or
// the left padding.
int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// A 4-d view of a pooling input (unbatched inputs gain a batch dim; 1-d inputs a height of 1).
struct PoolInput {
  Tensor x;  // 4-d
  bool batched;
  int nsp;
  Tensor restore(const Tensor& out4) const {
    Tensor out = nsp == 1 ? squeeze(out4, {2}) : out4;
    return batched ? out : squeeze(out, {0});
  }
};

PoolInput pool_input(const Tensor& input, int nsp, const char* op) {
  EMBER_CHECK(input.dim() == nsp + 1 || input.dim() == nsp + 2, op, ": Expected ", nsp + 1, "D or ", nsp + 2,
              "D (batch mode) tensor with optional 0 dim batch size for input, but got: ", input.sizes());
  for (int d = input.dim() - nsp - 1; d < input.dim(); ++d)
    EMBER_CHECK(input.size(d) > 0, op, ": Expected input to have non-zero size for non-batch dimensions, but "
                "input has sizes ", input.sizes(), " with dimension ", d, " being empty");
  const bool batched = input.dim() == nsp + 2;
  Tensor x = batched ? input : unsqueeze(input, 0);
  return {nsp == 1 ? unsqueeze(x, 2) : x, batched, nsp};
}

// Validates kernel/stride/padding/dilation like PyTorch's pool2d_shape_check and returns the
// window and the output's height and width.
PoolArgs pool_args(const Tensor& x4, const Shape& kernel_size, const Shape& stride_in, const Shape& padding,
                   const Shape& dilation, bool ceil_mode, int nsp, const char* op, int64_t* oh, int64_t* ow) {
  const char* n = nsp == 1 ? "a single int, or a tuple of one int" : "a single int, or a tuple of two ints";
  Shape k = pool_param(kernel_size, nsp, op, "kernel_size must either be ", n);
  Shape s = stride_in.empty() ? k : pool_param(stride_in, nsp, op, "stride must either be omitted, ", n);
  Shape p = pool_param(padding, nsp, op, "padding must either be ", n);
  Shape d = pool_param(dilation, nsp, op, "dilation must be either ", n);
  if (nsp == 1) k.insert(0, 1), s.insert(0, 1), p.insert(0, 0), d.insert(0, 1);
  EMBER_CHECK(s[0] != 0 && s[1] != 0, "stride should not be zero");
  EMBER_CHECK(k[0] > 0 && k[1] > 0, "kernel size should be greater than zero, but got kH: ", k[0], " kW: ", k[1]);
  EMBER_CHECK(s[0] > 0 && s[1] > 0, "stride should be greater than zero, but got dH: ", s[0], " dW: ", s[1]);
  EMBER_CHECK(d[0] > 0 && d[1] > 0, "dilation should be greater than zero, but got dilationH: ", d[0],
              " dilationW: ", d[1]);
  for (int i = 0; i < 2; ++i)
    EMBER_CHECK(p[i] >= 0 && p[i] <= k[i] / 2, "pad should be at most half of effective kernel size, but got pad=",
                p[i], ", kernel_size=", k[i], " and dilation=", d[i]);
  *oh = pool_out(x4.size(2), k[0], p[0], s[0], d[0], ceil_mode);
  *ow = pool_out(x4.size(3), k[1], p[1], s[1], d[1], ceil_mode);
  const int64_t c = x4.size(1);
  EMBER_CHECK(*oh >= 1 && *ow >= 1, "Given input size: (", c, "x", x4.size(2), "x", x4.size(3),
              "). Calculated output size: (", c, "x", *oh, "x", *ow, "). Output size is too small");
  return {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
}

// Records the backward of a max pooling (plain or adaptive) that produced out and indices.
void record_max_pool(const char* name, const Tensor& x, const Tensor& out, const Tensor& indices) {
  if (!should_record({&x})) return;
  Shape sizes = x.sizes();
  record(name, {x}, out, {save(indices)}, [sizes](const TensorList& g, const TensorList& s) {
    return TensorList{max_pool2d_backward(g[0], s[0], sizes)};
  });
}

Tensor avg_pool_backward(const Tensor& grad_out, const Shape& input_sizes, const PoolArgs& a, bool cip,
                         int64_t divisor);

// The 4-d average pooling into an (oh, ow) output; its backward is avg_pool_backward.
Tensor avg_pool(const Tensor& input, const PoolArgs& a, bool cip, int64_t divisor, int64_t oh, int64_t ow) {
  Tensor x = contiguous(input);
  Tensor out = empty({x.size(0), x.size(1), oh, ow}, x.dtype(), x.device());
  avg_pool2d_kernel(x.device(), out, x, a, cip, divisor);
  if (should_record({&input})) {
    Shape sizes = x.sizes();
    record("AvgPool2DBackward0", {input}, out, {}, [sizes, a, cip, divisor](const TensorList& g, const TensorList&) {
      return TensorList{avg_pool_backward(g[0], sizes, a, cip, divisor)};
    });
  }
  return out;
}

// Linear in grad_out, so its gradient is the forward pooling again.
Tensor avg_pool_backward(const Tensor& grad_out, const Shape& input_sizes, const PoolArgs& a, bool cip,
                         int64_t divisor) {
  Tensor g = contiguous(grad_out);
  Tensor grad_in = empty(input_sizes, g.dtype(), g.device());
  avg_pool2d_backward_kernel(g.device(), grad_in, g, a, cip, divisor);
  if (should_record({&grad_out})) {
    int64_t oh = g.size(2), ow = g.size(3);
    record("AvgPool2DBackwardBackward0", {grad_out}, grad_in, {},
           [a, cip, divisor, oh, ow](const TensorList& gg, const TensorList&) {
             return TensorList{avg_pool(gg[0], a, cip, divisor, oh, ow)};
           });
  }
  return grad_in;
}

Tensor adaptive_avg_backward(const Tensor& grad_out, const Shape& input_sizes);

Tensor adaptive_avg(const Tensor& input, int64_t oh, int64_t ow) {
  Tensor x = contiguous(input);
  Tensor out = empty({x.size(0), x.size(1), oh, ow}, x.dtype(), x.device());
  adaptive_avg_pool2d_kernel(x.device(), out, x);
  if (should_record({&input})) {
    Shape sizes = x.sizes();
    record("AdaptiveAvgPool2DBackward0", {input}, out, {}, [sizes](const TensorList& g, const TensorList&) {
      return TensorList{adaptive_avg_backward(g[0], sizes)};
    });
  }
  return out;
}

Tensor adaptive_avg_backward(const Tensor& grad_out, const Shape& input_sizes) {
  Tensor g = contiguous(grad_out);
  Tensor grad_in = empty(input_sizes, g.dtype(), g.device());
  adaptive_avg_pool2d_backward_kernel(g.device(), grad_in, g);
  if (should_record({&grad_out})) {
    int64_t oh = g.size(2), ow = g.size(3);
    record("AdaptiveAvgPool2DBackwardBackward0", {grad_out}, grad_in, {},
           [oh, ow](const TensorList& gg, const TensorList&) { return TensorList{adaptive_avg(gg[0], oh, ow)}; });
  }
  return grad_in;
}

// Checks an adaptive pooling's output size and returns it as (height, width).
std::pair<int64_t, int64_t> adaptive_size(const Shape& output_size, int nsp, const char* op) {
  if (nsp == 1)
    EMBER_CHECK(output_size.size() == 1, op, "() argument 'output_size' should contain one int (got ",
                output_size.size(), ")");
  else
    EMBER_CHECK(output_size.size() == 2, op, ": output_size must be 2");
  for (int64_t s : output_size)
    EMBER_CHECK(s >= 0, op, ": elements of output_size must be greater than or equal to 0 but received ",
                output_size);
  return {nsp == 1 ? 1 : output_size[0], output_size.back()};
}

std::pair<Tensor, Tensor> max_pool_nd(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                                      const Shape& padding, const Shape& dilation, bool ceil_mode, int nsp) {
  const char* op = nsp == 1 ? "max_pool1d" : "max_pool2d";
  PoolInput in = pool_input(input, nsp, op);
  int64_t oh, ow;
  PoolArgs a = pool_args(in.x, kernel_size, stride, padding, dilation, ceil_mode, nsp, op, &oh, &ow);
  Tensor x = contiguous(in.x);
  Tensor out = empty({x.size(0), x.size(1), oh, ow}, x.dtype(), x.device());
  Tensor indices = empty(out.sizes(), DType::Int64, x.device());
  max_pool2d_kernel(x.device(), out, indices, x, a);
  record_max_pool(nsp == 1 ? "MaxPool1DWithIndicesBackward0" : "MaxPool2DWithIndicesBackward0", in.x, out, indices);
  return {in.restore(out), in.restore(indices)};
}

Tensor avg_pool_nd(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                   bool ceil_mode, bool cip, std::optional<int64_t> divisor_override, int nsp) {
  const char* op = nsp == 1 ? "avg_pool1d" : "avg_pool2d";
  EMBER_CHECK(!divisor_override || *divisor_override != 0, "divisor must be not zero");
  PoolInput in = pool_input(input, nsp, op);
  int64_t oh, ow;
  PoolArgs a = pool_args(in.x, kernel_size, stride, padding, {1}, ceil_mode, nsp, op, &oh, &ow);
  return in.restore(avg_pool(in.x, a, cip, divisor_override.value_or(0), oh, ow));
}

Tensor adaptive_avg_nd(const Tensor& input, const Shape& output_size, int nsp) {
  const char* op = nsp == 1 ? "adaptive_avg_pool1d" : "adaptive_avg_pool2d";
  auto [oh, ow] = adaptive_size(output_size, nsp, op);
  PoolInput in = pool_input(input, nsp, op);
  return in.restore(adaptive_avg(in.x, oh, ow));
}

std::pair<Tensor, Tensor> adaptive_max_nd(const Tensor& input, const Shape& output_size, int nsp) {
  const char* op = nsp == 1 ? "adaptive_max_pool1d" : "adaptive_max_pool2d";
  auto [oh, ow] = adaptive_size(output_size, nsp, op);
  PoolInput in = pool_input(input, nsp, op);
  Tensor x = contiguous(in.x);
  Tensor out = empty({x.size(0), x.size(1), oh, ow}, x.dtype(), x.device());
  Tensor indices = empty(out.sizes(), DType::Int64, x.device());
  adaptive_max_pool2d_kernel(x.device(), out, indices, x);
  record_max_pool(nsp == 1 ? "AdaptiveMaxPool1DBackward0" : "AdaptiveMaxPool2DBackward0", in.x, out, indices);
  return {in.restore(out), in.restore(indices)};
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                  const Shape& stride, const Shape& padding,
                                                  const Shape& dilation, bool ceil_mode) {
  return max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, 2);
}
Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, 2).first;
}
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                  const Shape& stride, const Shape& padding,
                                                  const Shape& dilation, bool ceil_mode) {
  return max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, 1);
}
Tensor max_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool_nd(input, kernel_size, stride, padding, dilation, ceil_mode, 1).first;
}

// Linear in grad_out: its gradient gathers the incoming gradient at the argmax positions.
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& input_sizes) {
  Tensor g = contiguous(grad_out), idx = contiguous(indices);
  Tensor grad_in = empty(input_sizes, g.dtype(), g.device());
  max_pool_backward_kernel(g.device(), grad_in, g, idx);
  if (should_record({&grad_out})) {
    Shape out_sizes = g.sizes();
    record("MaxPool2DWithIndicesBackwardBackward0", {grad_out}, grad_in, {save(idx)},
           [out_sizes](const TensorList& gg, const TensorList& s) {
             const Tensor& x = gg[0];
             Tensor flat = reshape(x, {x.size(0), x.size(1), x.size(2) * x.size(3)});
             Tensor i = reshape(s[0], {out_sizes[0], out_sizes[1], out_sizes[2] * out_sizes[3]});
             return TensorList{reshape(gather(flat, 2, i), out_sizes)};
           });
  }
  return grad_in;
}

Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2);
}
Tensor avg_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool ceil_mode, bool count_include_pad) {
  return avg_pool_nd(input, kernel_size, stride, padding, ceil_mode, count_include_pad, std::nullopt, 1);
}
Tensor adaptive_avg_pool2d(const Tensor& input, const Shape& output_size) {
  return adaptive_avg_nd(input, output_size, 2);
}
Tensor adaptive_avg_pool1d(const Tensor& input, const Shape& output_size) {
  return adaptive_avg_nd(input, output_size, 1);
}
std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Shape& output_size) {
  return adaptive_max_nd(input, output_size, 2);
}
std::pair<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const Shape& output_size) {
  return adaptive_max_nd(input, output_size, 1);
}

}  // namespace ember
