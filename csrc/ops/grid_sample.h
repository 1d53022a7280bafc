#pragma once
// F.grid_sample: input (N, C, [D,] H, W) sampled at the normalised [-1, 1] coordinates of grid
// (N, [Do,] Ho, Wo, 2 or 3), with PyTorch's interpolation and padding rules. The backward gives the
// gradients of input and grid from one fused kernel (like PyTorch, it has no double backward).
#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

enum class GridMode { Bilinear = 0, Nearest = 1, Bicubic = 2 };
enum class GridPadding { Zeros = 0, Border = 1, Reflection = 2 };

struct GridSampleArgs {
  GridMode mode;
  GridPadding padding;
  bool align_corners;
};

/// out[N, C, *grid spatial] from contiguous input and grid of one floating dtype.
EMBER_DECLARE_KERNEL(grid_sample_kernel, void(const Tensor& out, const Tensor& input, const Tensor& grid,
                                              const GridSampleArgs& args));
/// grad_input (zeroed by the kernel) and grad_grid; either may be undefined when not needed.
EMBER_DECLARE_KERNEL(grid_sample_backward_kernel, void(const Tensor& grad_input, const Tensor& grad_grid,
                                                       const Tensor& grad_out, const Tensor& input,
                                                       const Tensor& grid, const GridSampleArgs& args));

/// torch.grid_sampler: mode 0/1/2 = bilinear/nearest/bicubic, padding 0/1/2 = zeros/border/reflection.
Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding_mode,
                    bool align_corners);

}  // namespace ember
