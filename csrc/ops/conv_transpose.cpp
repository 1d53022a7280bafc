#include "ops/conv_transpose.h"

#include "ops/conv.h"
#include "ops/elementwise.h"
#include "ops/view.h"

namespace ember {
namespace {

// A parameter given as one value or one per spatial dim, as `n` values (PyTorch's message).
Shape expand(const Shape& p, int n, const char* name) {
  EMBER_CHECK(p.size() == 1 || p.size() == n, "expected ", name, " to be a single integer value or a list of ", n,
              " values to match the convolution dimensions, but got ", name, "=", p);
  return p.size() == n ? p : Shape::filled(n, p[0]);
}

// "3 x 4" for the spatial sizes in an error message.
std::string spatial(const Shape& s) {
  std::string r;
  for (int i = 0; i < s.size(); ++i) r += (i ? " x " : "") + std::to_string(s[i]);
  return r;
}

Tensor conv_transpose_nd(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride_in,
                         const Shape& padding_in, const Shape& output_padding_in, int64_t groups,
                         const Shape& dilation_in, int nsp) {
  const char* op = nsp == 1 ? "conv_transpose1d" : "conv_transpose2d";
  EMBER_CHECK(input.dim() == nsp + 1 || input.dim() == nsp + 2, "Expected ", nsp + 1, "D (unbatched) or ",
              nsp + 2, "D (batched) input to ", op, ", but got input of size: ", input.sizes());
  EMBER_CHECK(weight.dim() == nsp + 2, "[", op, "] expected a ", nsp + 2, "-d weight, but got weight of size ",
              weight.sizes());
  EMBER_CHECK(input.dtype() == weight.dtype(), "expected scalar type ", scalar_type_name(input.dtype()),
              " but found ", scalar_type_name(weight.dtype()));
  EMBER_CHECK(!bias.defined() || bias.dtype() == input.dtype(), "Input type (", dtype_name(input.dtype()),
              ") and bias type (", dtype_name(bias.dtype()), ") should be the same");
  EMBER_CHECK(input.device() == weight.device() && (!bias.defined() || bias.device() == input.device()), "[", op,
              "] input, weight and bias must be on the same device");
  EMBER_CHECK(groups > 0, "non-positive groups is not supported");
  const Shape stride = expand(stride_in, nsp, "stride"), padding = expand(padding_in, nsp, "padding");
  const Shape out_pad = expand(output_padding_in, nsp, "output_padding");
  const Shape dilation = expand(dilation_in, nsp, "dilation");
  for (int64_t s : stride) EMBER_CHECK(s > 0, "non-positive stride is not supported");
  for (int64_t p : padding) EMBER_CHECK(p >= 0, "negative padding is not supported");
  for (int64_t p : out_pad) EMBER_CHECK(p >= 0, "negative output_padding is not supported");
  // PyTorch names the 2-d parameters in these checks; a 1-d op reports its one dim as the width.
  const int64_t dh = nsp == 2 ? dilation[0] : 1, dw = dilation.back();
  EMBER_CHECK(dh > 0 && dw > 0, "dilation should be greater than zero, but got dilation_height: ", dh,
              ", dilation_width: ", dw);
  for (int i = 0; i < nsp; ++i)
    EMBER_CHECK(out_pad[i] < stride[i] || out_pad[i] < dilation[i],
                "output padding must be smaller than either stride or dilation, but got output_padding_height: ",
                nsp == 2 ? out_pad[0] : 0, " output_padding_width: ", out_pad.back(), " stride_height: ",
                nsp == 2 ? stride[0] : 1, " stride_width: ", stride.back(), " dilation_height: ", dh,
                " dilation_width: ", dw);
  const bool batched = input.dim() == nsp + 2;
  Tensor x = batched ? input : unsqueeze(input, 0);
  const Shape& ws = weight.sizes();
  EMBER_CHECK(ws[0] % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight of size [", ws, "] instead");
  EMBER_CHECK(ws[0] == x.size(1), "Given transposed=1, weight of size ", ws, ", expected input", x.sizes(),
              " to have ", ws[0], " channels, but got ", x.size(1), " channels instead");
  const int64_t out_channels = ws[1] * groups;
  EMBER_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == out_channels), "Given transposed=1, weight of size ",
              ws, ", expected bias to be 1-dimensional with ", out_channels, " elements, but got bias of size ",
              bias.sizes(), " instead");
  Shape in_sizes, out_sizes{x.size(0), out_channels};
  for (int i = 0; i < nsp; ++i) {
    const int64_t in = x.size(2 + i);
    in_sizes.push_back(in);
    out_sizes.push_back((in - 1) * stride[i] - 2 * padding[i] + dilation[i] * (ws[2 + i] - 1) + out_pad[i] + 1);
  }
  for (int i = 0; i < nsp; ++i)
    EMBER_CHECK(out_sizes[2 + i] > 0, "Given input size per channel: (", spatial(in_sizes),
                "). Calculated output size per channel: (",
                spatial(Shape(out_sizes.begin() + 2, out_sizes.end())), "). Output size is too small");
  // The convolution whose input gradient this is maps out_sizes to x's sizes.
  ConvArgs a;
  a.groups = groups;
  const int o = nsp - 1;
  a.sw = stride[o], a.pl = a.pr = padding[o], a.dw = dilation[o];
  if (nsp == 2) a.sh = stride[0], a.pt = a.pb = padding[0], a.dh = dilation[0];
  Tensor out;
  if (nsp == 2) {
    out = conv2d_backward_input(x, weight, out_sizes, a);
  } else {
    Shape sizes4{out_sizes[0], out_sizes[1], 1, out_sizes[2]};
    out = squeeze(conv2d_backward_input(unsqueeze(x, 2), unsqueeze(weight, 2), sizes4, a), {2});
  }
  if (bias.defined()) {
    Shape bshape = Shape::filled(nsp + 2, 1);
    bshape[1] = out_channels;
    out = add(out, reshape(bias, bshape));
  }
  return batched ? out : squeeze(out, {0});
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 2);
}
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, 1);
}

}  // namespace ember
