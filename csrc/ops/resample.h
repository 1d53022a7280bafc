#pragma once
// Resampling along one axis at a time (F.interpolate's nearest, nearest-exact, linear and cubic
// modes are separable): each output position reads up to 4 taps (source index, weight) of its
// input line. The N-d op applies the last spatial axis first, which gives PyTorch's operation order
// (the outer axis combines lines already interpolated along the inner ones).
#include <memory>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// The taps of one axis: output j reads in[index[j*taps + k]] * weight[j*taps + k], k < taps.
/// Weights are computed in the data's own precision (float for float32) and stored as double.
struct ResampleTaps {
  int64_t taps = 1, in_len = 0, out_len = 0;
  std::vector<int64_t> index;
  std::vector<double> weight;
};

/// out[o, j, i] = sum_k weight[j,k] * in[o, index[j,k], i] over in viewed as (outer, in_len, inner).
EMBER_DECLARE_KERNEL(resample_axis_kernel, void(const Tensor& out, const Tensor& in, int64_t outer, int64_t inner,
                                                const ResampleTaps& taps));
/// The adjoint: grad_in (zeroed by the kernel)[o, index[j,k], i] += weight[j,k] * grad_out[o, j, i].
EMBER_DECLARE_KERNEL(resample_axis_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                         int64_t outer, int64_t inner, const ResampleTaps& taps));

/// F.interpolate for modes "nearest", "nearest-exact", "linear" (also bilinear/trilinear: one
/// per-axis rule) and "cubic" (bicubic) on an (N, C, *spatial) input. output_size has one entry
/// per spatial dim; scales too, where a value <= 0 means "none given" (then in/out is used).
Tensor upsample(const Tensor& input, const Shape& output_size, const std::vector<double>& scales,
                const std::string& mode, bool align_corners);

}  // namespace ember
