// Transposed convolution and resampling: ember.conv_transpose1d/2d, ember.grid_sampler (F.grid_sample's
// core) and the private _upsample that F.interpolate calls once it has resolved sizes and scales.
#include "ops/conv_transpose.h"
#include "ops/grid_sample.h"
#include "ops/resample.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

void init_resample_ops(py::module_& m) {
  using Fn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Shape&, const Shape&, const Shape&,
                        int64_t, const Shape&);
  for (auto [name, fn] : {std::pair<const char*, Fn>{"conv_transpose2d", &conv_transpose2d},
                          {"conv_transpose1d", &conv_transpose1d}}) {
    m.def(name, [fn](const Tensor& input, const Tensor& weight, py::object bias, const Shape& stride,
                     const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
      return fn(input, weight, bias.is_none() ? Tensor() : bias.cast<Tensor>(), stride, padding, output_padding,
                groups, dilation);
    }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
       py::arg("padding") = 0, py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("dilation") = 1);
  }
  m.def("_upsample", &upsample, py::arg("input"), py::arg("output_size"), py::arg("scales"), py::arg("mode"),
        py::arg("align_corners"));
  m.def("grid_sampler", &grid_sampler, py::arg("input"), py::arg("grid"), py::arg("interpolation_mode"),
        py::arg("padding_mode"), py::arg("align_corners"));
}

}  // namespace ember::python
