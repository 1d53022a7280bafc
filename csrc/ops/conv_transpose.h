#pragma once
// Transposed convolution over 1 or 2 spatial dims: the adjoint of conv1d/conv2d w.r.t. its input,
// so it runs on the convolution's input-gradient kernel (col2im of W^T @ x) and its backward is the
// convolution and its weight gradient (double backward included).
#include "core/tensor.h"

namespace ember {

/// out[N, C_out, H_out, W_out] from input[N, C_in, H, W] (or unbatched) and
/// weight[C_in, C_out/groups, kh, kw], with H_out = (H-1)*stride - 2*padding +
/// dilation*(kh-1) + output_padding + 1. Each parameter is 1 or 2 ints.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        const Shape& stride = {1}, const Shape& padding = {0}, const Shape& output_padding = {0},
                        int64_t groups = 1, const Shape& dilation = {1});
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        const Shape& stride = {1}, const Shape& padding = {0}, const Shape& output_padding = {0},
                        int64_t groups = 1, const Shape& dilation = {1});

}  // namespace ember
