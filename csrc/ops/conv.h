#pragma once
// Convolution and pooling over 1 or 2 spatial dims (NCL / NCHW, batched or not), with PyTorch's
// shapes, defaults and error messages. The 1-d ops run as 2-d ops over a height of 1. Each
// backward is itself an op whose backward is again one of these ops, so double backward works.
#include <optional>
#include <string>
#include <utility>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// The geometry of a 2-d convolution. Padding may differ before and after (padding='same' with an
/// even effective kernel); the kernels read only the front padding and take the output size from
/// the output tensor.
struct ConvArgs {
  int64_t sh = 1, sw = 1;                    // stride
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;    // padding: top, left, bottom, right
  int64_t dh = 1, dw = 1;                    // dilation
  int64_t groups = 1;
};

/// The sliding blocks of F.unfold / F.fold: a kh x kw window (with the stride, padding and
/// dilation of `conv`) at oh x ow positions of each plane.
struct FoldArgs {
  int64_t kh = 1, kw = 1, oh = 1, ow = 1;
  ConvArgs conv;
};

/// The window of a 2-d pooling: kernel, stride, front padding, dilation.
struct PoolArgs {
  int64_t kh, kw, sh, sw, ph, pw, dh = 1, dw = 1;
};

/// out[N,O,OH,OW] = conv(in[N,C,H,W], weight[O,C/g,kh,kw]) + bias (bias may be undefined). All
/// tensors contiguous with one floating dtype.
EMBER_DECLARE_KERNEL(conv2d_kernel, void(const Tensor& out, const Tensor& in, const Tensor& weight,
                                         const Tensor& bias, const ConvArgs& args));
/// grad_in[N,C,H,W] = the adjoint of conv2d w.r.t. its input, applied to grad_out.
EMBER_DECLARE_KERNEL(conv2d_backward_input_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                        const Tensor& weight, const ConvArgs& args));
/// grad_weight[O,C/g,kh,kw] = the adjoint of conv2d w.r.t. its weight, summed over the batch.
EMBER_DECLARE_KERNEL(conv2d_backward_weight_kernel, void(const Tensor& grad_weight, const Tensor& grad_out,
                                                         const Tensor& in, const ConvArgs& args));
/// cols[N, C*kh*kw, oh*ow] = the blocks of in[N,C,H,W], channel-major (F.unfold). All contiguous.
EMBER_DECLARE_KERNEL(im2col_kernel, void(const Tensor& cols, const Tensor& in, const FoldArgs& args));
/// out[N,C,H,W] = the sum of the blocks cols[N, C*kh*kw, oh*ow] that overlap each element (F.fold).
EMBER_DECLARE_KERNEL(col2im_kernel, void(const Tensor& out, const Tensor& cols, const FoldArgs& args));
/// out/indices[N,C,OH,OW] = max (and its flat index in the H*W plane) over each window of in.
EMBER_DECLARE_KERNEL(max_pool2d_kernel, void(const Tensor& out, const Tensor& indices, const Tensor& in,
                                             const PoolArgs& args));
/// grad_in (zeroed by the kernel) plane[indices[i]] += grad_out[i], for max and adaptive max pooling.
EMBER_DECLARE_KERNEL(max_pool_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                    const Tensor& indices));
/// Average over each window; divisor 0 means the window size (count_include_pad chooses which).
EMBER_DECLARE_KERNEL(avg_pool2d_kernel, void(const Tensor& out, const Tensor& in, const PoolArgs& args,
                                             bool count_include_pad, int64_t divisor));
EMBER_DECLARE_KERNEL(avg_pool2d_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                      const PoolArgs& args, bool count_include_pad,
                                                      int64_t divisor));
/// Adaptive pooling: window i of n over a length L is [floor(i*L/n), ceil((i+1)*L/n)).
EMBER_DECLARE_KERNEL(adaptive_avg_pool2d_kernel, void(const Tensor& out, const Tensor& in));
EMBER_DECLARE_KERNEL(adaptive_avg_pool2d_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out));
EMBER_DECLARE_KERNEL(adaptive_max_pool2d_kernel, void(const Tensor& out, const Tensor& indices, const Tensor& in));

/// Convolution over 2 spatial dims; `padding` is 1 or 2 ints.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              const Shape& stride = {1}, const Shape& padding = {0}, const Shape& dilation = {1},
              int64_t groups = 1);
/// conv2d with padding "same" or "valid".
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const std::string& padding, const Shape& dilation = {1}, int64_t groups = 1);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
              const Shape& stride = {1}, const Shape& padding = {0}, const Shape& dilation = {1},
              int64_t groups = 1);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const std::string& padding, const Shape& dilation = {1}, int64_t groups = 1);

/// The gradient of conv2d (bias-free, 4-d) w.r.t. its input of size `input_sizes`.
Tensor conv2d_backward_input(const Tensor& grad_out, const Tensor& weight, const Shape& input_sizes,
                             const ConvArgs& args);
/// The gradient of conv2d (bias-free, 4-d) w.r.t. its weight of size `weight_sizes`.
Tensor conv2d_backward_weight(const Tensor& grad_out, const Tensor& input, const Shape& weight_sizes,
                              const ConvArgs& args);

/// F.unfold: (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L), with PyTorch's checks.
/// Each parameter holds 2 values (the Python layer expands single ints).
Tensor im2col(const Tensor& input, const Shape& kernel_size, const Shape& dilation, const Shape& padding,
              const Shape& stride);
/// F.fold, the adjoint of im2col: (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, H, W) or (C, H, W),
/// overlapping blocks summed.
Tensor col2im(const Tensor& input, const Shape& output_size, const Shape& kernel_size, const Shape& dilation,
              const Shape& padding, const Shape& stride);

/// Max pooling; an empty stride means stride = kernel_size. Returns (values, int64 indices).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                  const Shape& stride = {}, const Shape& padding = {0},
                                                  const Shape& dilation = {1}, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, const Shape& dilation = {1}, bool ceil_mode = false);
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                  const Shape& stride = {}, const Shape& padding = {0},
                                                  const Shape& dilation = {1}, bool ceil_mode = false);
Tensor max_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, const Shape& dilation = {1}, bool ceil_mode = false);
/// The gradient of a max pooling (plain or adaptive) of a 4-d input of size `input_sizes`.
Tensor max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, const Shape& input_sizes);

Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride = {},
                  const Shape& padding = {0}, bool ceil_mode = false, bool count_include_pad = true);

/// Adaptive pooling to `output_size` (one entry per spatial dim, already resolved: no None).
Tensor adaptive_avg_pool2d(const Tensor& input, const Shape& output_size);
Tensor adaptive_avg_pool1d(const Tensor& input, const Shape& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Shape& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool1d(const Tensor& input, const Shape& output_size);

}  // namespace ember
