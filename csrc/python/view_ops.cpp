// View ops: shape changes over the same storage.
#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

void init_view_ops(py::module_& m, TensorClass& cls) {
  cls.def("view", [](const Tensor& t, py::args shape) { return view(t, shape_from_args(shape, "view")); })
      .def("reshape", [](const Tensor& t, py::args shape) { return reshape(t, shape_from_args(shape, "reshape")); })
      .def("expand", [](const Tensor& t, py::args shape) { return expand(t, shape_from_args(shape, "expand")); })
      .def("permute", [](const Tensor& t, py::args dims) { return permute(t, shape_from_args(dims, "permute")); })
      .def("view_as", [](const Tensor& t, const Tensor& o) { return view(t, o.sizes()); })
      .def("reshape_as", [](const Tensor& t, const Tensor& o) { return reshape(t, o.sizes()); })
      .def("expand_as", [](const Tensor& t, const Tensor& o) { return expand(t, o.sizes()); })
      .def_property_readonly("T", [](const Tensor& t) {
        Shape dims;
        for (int i = t.dim() - 1; i >= 0; --i) dims.push_back(i);
        return permute(t, dims);
      })
      .def_property_readonly("mT", [](const Tensor& t) {
        EMBER_CHECK(t.dim() >= 2, "tensor.mT is only supported on matrices or batches of matrices. Got ", t.dim(), "-D tensor.");
        return transpose(t, -2, -1);
      });
  cls.def("t_", [](Tensor& t) { return become_view(t, ember::t(t), "t_"); })
      .def("transpose_", [](Tensor& t, int64_t d0, int64_t d1) {
        return become_view(t, transpose(t, d0, d1), "transpose_");
      }, py::arg("dim0"), py::arg("dim1"))
      .def("swapaxes_", [](Tensor& t, int64_t d0, int64_t d1) {
        return become_view(t, transpose(t, d0, d1), "swapaxes_");
      }, py::arg("axis0"), py::arg("axis1"))
      .def("unsqueeze_", [](Tensor& t, int64_t dim) {
        return become_view(t, unsqueeze(t, dim), "unsqueeze_");
      }, py::arg("dim"))
      .def("squeeze_", [](Tensor& t, py::object dim) {
        return become_view(t, dim.is_none() ? squeeze(t) : squeeze(t, dim.cast<Shape>()), "squeeze_");
      }, py::arg("dim") = py::none());
  m.def("reshape", &reshape, py::arg("input"), py::arg("shape"));
  m.def("permute", &permute, py::arg("input"), py::arg("dims"));
  m.def("broadcast_to", &expand, py::arg("input"), py::arg("size"));
  def_function_and_method(m, cls, "transpose", &transpose, py::arg("dim0"), py::arg("dim1"));
  def_function_and_method(m, cls, "swapaxes", &transpose, py::arg("axis0"), py::arg("axis1"));
  def_function_and_method(m, cls, "t", &t);
  def_function_and_method(m, cls, "unsqueeze", &unsqueeze, py::arg("dim"));
  def_function_and_method(m, cls, "squeeze", [](const Tensor& t, py::object dim) {
    return dim.is_none() ? squeeze(t) : squeeze(t, dim.cast<Shape>());
  }, py::arg("dim") = py::none());
  def_function_and_method(m, cls, "select", &select, py::arg("dim"), py::arg("index"));
  def_function_and_method(m, cls, "narrow", &narrow, py::arg("dim"), py::arg("start"), py::arg("length"));
  def_function_and_method(m, cls, "flatten", &flatten, py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  def_function_and_method(m, cls, "unflatten", &unflatten, py::arg("dim"), py::arg("sizes"));
  def_function_and_method(m, cls, "diagonal", &diagonal, py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_function_and_method(m, cls, "as_strided", &as_strided, py::arg("size"), py::arg("stride"),
                          py::arg("storage_offset") = -1);
  cls.def("unfold", &unfold, py::arg("dimension"), py::arg("size"), py::arg("step"));
  m.def("_slice", &slice);
}

}  // namespace ember::python
