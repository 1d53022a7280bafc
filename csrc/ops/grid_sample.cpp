#include "ops/grid_sample.h"

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/factory.h"

namespace ember {

EMBER_DEFINE_KERNEL(grid_sample_kernel, void(const Tensor& out, const Tensor& input, const Tensor& grid,
                                             const GridSampleArgs& args));
EMBER_DEFINE_KERNEL(grid_sample_backward_kernel, void(const Tensor& grad_input, const Tensor& grad_grid,
                                                      const Tensor& grad_out, const Tensor& input,
                                                      const Tensor& grid, const GridSampleArgs& args));

Tensor grid_sampler(const Tensor& input, const Tensor& grid, int64_t mode, int64_t padding_mode,
                    bool align_corners) {
  EMBER_CHECK(input.device() == grid.device(), "grid_sampler(): expected input and grid to be on same device, but "
              "input is on ", input.device().str(), " and grid is on ", grid.device().str());
  EMBER_CHECK(input.dtype() == grid.dtype(), "grid_sampler(): expected input and grid to have same dtype, but input "
              "has ", dtype_name(input.dtype()), " and grid has ", dtype_name(grid.dtype()));
  EMBER_CHECK((input.dim() == 4 || input.dim() == 5) && input.dim() == grid.dim(), "grid_sampler(): expected 4D or "
              "5D input and grid with same number of dimensions, but got input with sizes ", input.sizes(),
              " and grid with sizes ", grid.sizes());
  EMBER_CHECK(input.size(0) == grid.size(0), "grid_sampler(): expected grid and input to have same batch size, but "
              "got input with sizes ", input.sizes(), " and grid with sizes ", grid.sizes());
  const int64_t nsp = input.dim() - 2;
  EMBER_CHECK(grid.size(-1) == nsp, "grid_sampler(): expected grid to have size ", nsp, " in last dimension, but "
              "got grid with sizes ", grid.sizes());
  for (int64_t d = 2; d < input.dim(); ++d)
    EMBER_CHECK(input.size(d) > 0, "grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                "has sizes ", input.sizes(), " with dimension ", d, " being empty");
  EMBER_CHECK(mode >= 0 && mode <= 2, "grid_sampler(): unknown interpolation mode ", mode);
  EMBER_CHECK(padding_mode >= 0 && padding_mode <= 2, "grid_sampler(): unknown padding mode ", padding_mode);
  EMBER_CHECK(nsp == 2 || mode != 2, "grid_sampler(): bicubic interpolation only supports 4D input");
  EMBER_CHECK(is_floating(input.dtype()), "grid_sampler(): expected a floating point input, got ",
              dtype_name(input.dtype()));
  const GridSampleArgs args{static_cast<GridMode>(mode), static_cast<GridPadding>(padding_mode), align_corners};
  Tensor x = contiguous(input), g = contiguous(grid);
  Shape out_sizes{x.size(0), x.size(1)};
  for (int64_t d = 1; d <= nsp; ++d) out_sizes.push_back(g.size(d));
  Tensor out = empty(out_sizes, x.dtype(), x.device());
  grid_sample_kernel(x.device(), out, x, g, args);
  if (should_record({&input, &grid})) {
    const bool need_x = input.requires_grad(), need_g = grid.requires_grad();
    record(nsp == 2 ? "GridSampler2DBackward0" : "GridSampler3DBackward0", {input, grid}, out, {save(x), save(g)},
           [args, need_x, need_g](const TensorList& go, const TensorList& s) {
             Tensor gx = need_x ? empty(s[0].sizes(), s[0].dtype(), s[0].device()) : Tensor();
             Tensor gg = need_g ? empty(s[1].sizes(), s[1].dtype(), s[1].device()) : Tensor();
             grid_sample_backward_kernel(s[0].device(), gx, gg, contiguous(go[0]), s[0], s[1], args);
             return TensorList{gx, gg};
           });
  }
  return out;
}

}  // namespace ember
