// Convolution and pooling: ember.conv1d/conv2d, max/avg/adaptive pooling, unfold/fold (module functions, as in
// torch; ember.nn.functional wraps them).
#include "ops/conv.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
namespace {

Tensor optional_tensor(py::handle h) { return h.is_none() ? Tensor() : h.cast<Tensor>(); }

// stride=None (or omitted) means "the kernel size" for pooling: an empty Shape.
Shape optional_shape(py::handle h) { return h.is_none() ? Shape{} : h.cast<Shape>(); }

// An adaptive pooling's output_size: an int, or a tuple whose None entries keep the input's size.
Shape output_size_arg(py::handle h, const Tensor& input, int nsp) {
  if (!py::isinstance<py::sequence>(h)) return Shape::filled(nsp, h.cast<int64_t>());
  Shape out;
  py::sequence seq = h.cast<py::sequence>();
  for (size_t i = 0; i < seq.size(); ++i) {
    py::object v = seq[i];
    const int64_t d = input.dim() - static_cast<int64_t>(seq.size()) + static_cast<int64_t>(i);
    out.push_back(v.is_none() ? input.size(d) : v.cast<int64_t>());
  }
  return out;
}

using ConvFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Shape&, const Shape&, const Shape&,
                          int64_t);
using ConvModeFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const Shape&, const std::string&,
                              const Shape&, int64_t);

// Binds conv1d/conv2d: padding is an int, a tuple, or "same"/"valid".
void def_conv(py::module_& m, const char* name, ConvFn fn, ConvModeFn mode_fn) {
  m.def(name, [fn, mode_fn](const Tensor& input, const Tensor& weight, py::object bias, const Shape& stride,
                            py::object padding, const Shape& dilation, int64_t groups) {
    Tensor b = optional_tensor(bias);
    if (py::isinstance<py::str>(padding))
      return mode_fn(input, weight, b, stride, padding.cast<std::string>(), dilation, groups);
    return fn(input, weight, b, stride, padding.cast<Shape>(), dilation, groups);
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1,
     py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1);
}

py::tuple pair(const std::pair<Tensor, Tensor>& p) { return py::make_tuple(p.first, p.second); }

}  // namespace

void init_conv_ops(py::module_& m, TensorClass&) {
  def_conv(m, "conv2d", &conv2d, &conv2d);
  def_conv(m, "conv1d", &conv1d, &conv1d);
  // F.unfold / F.fold (torch._C._nn.im2col / col2im); the Python layer expands single ints.
  m.def("_im2col", &im2col, py::arg("input"), py::arg("kernel_size"), py::arg("dilation"), py::arg("padding"),
        py::arg("stride"));
  m.def("_col2im", &col2im, py::arg("input"), py::arg("output_size"), py::arg("kernel_size"), py::arg("dilation"),
        py::arg("padding"), py::arg("stride"));

  m.def("max_pool2d", [](const Tensor& x, const Shape& k, py::object s, const Shape& p, const Shape& d, bool ceil) {
    return max_pool2d(x, k, optional_shape(s), p, d, ceil);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("ceil_mode") = false);
  m.def("max_pool2d_with_indices", [](const Tensor& x, const Shape& k, py::object s, const Shape& p,
                                      const Shape& d, bool ceil) {
    return pair(max_pool2d_with_indices(x, k, optional_shape(s), p, d, ceil));
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("ceil_mode") = false);
  m.def("max_pool1d", [](const Tensor& x, const Shape& k, py::object s, const Shape& p, const Shape& d, bool ceil) {
    return max_pool1d(x, k, optional_shape(s), p, d, ceil);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("ceil_mode") = false);
  m.def("max_pool1d_with_indices", [](const Tensor& x, const Shape& k, py::object s, const Shape& p,
                                      const Shape& d, bool ceil) {
    return pair(max_pool1d_with_indices(x, k, optional_shape(s), p, d, ceil));
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("dilation") = 1, py::arg("ceil_mode") = false);

  m.def("avg_pool2d", [](const Tensor& x, const Shape& k, py::object s, const Shape& p, bool ceil, bool cip,
                         std::optional<int64_t> divisor) {
    return avg_pool2d(x, k, optional_shape(s), p, ceil, cip, divisor);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("ceil_mode") = false, py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none());
  m.def("avg_pool1d", [](const Tensor& x, const Shape& k, py::object s, const Shape& p, bool ceil, bool cip) {
    return avg_pool1d(x, k, optional_shape(s), p, ceil, cip);
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
     py::arg("ceil_mode") = false, py::arg("count_include_pad") = true);

  m.def("adaptive_avg_pool2d", [](const Tensor& x, py::object size) {
    return adaptive_avg_pool2d(x, output_size_arg(size, x, 2));
  }, py::arg("input"), py::arg("output_size"));
  m.def("adaptive_avg_pool1d", [](const Tensor& x, py::object size) {
    return adaptive_avg_pool1d(x, output_size_arg(size, x, 1));
  }, py::arg("input"), py::arg("output_size"));
  m.def("adaptive_max_pool2d", [](const Tensor& x, py::object size) {
    return pair(adaptive_max_pool2d(x, output_size_arg(size, x, 2)));
  }, py::arg("input"), py::arg("output_size"));
  m.def("adaptive_max_pool1d", [](const Tensor& x, py::object size) {
    return pair(adaptive_max_pool1d(x, output_size_arg(size, x, 1)));
  }, py::arg("input"), py::arg("output_size"));
}

}  // namespace ember::python
