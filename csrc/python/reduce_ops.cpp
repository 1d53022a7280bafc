// Reductions.
#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

static Shape dims_arg(py::handle dim) { return dim.is_none() ? Shape{} : dim.cast<Shape>(); }

void init_reduce_ops(py::module_& m, TensorClass& cls) {
  def_function_and_method(m, cls, "sum", [](const Tensor& t, py::object dim, bool keepdim, std::optional<DType> dtype) {
    return sum(t, dims_arg(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_function_and_method(m, cls, "mean", [](const Tensor& t, py::object dim, bool keepdim, std::optional<DType> dtype) {
    return mean(t, dims_arg(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
}

}  // namespace ember::python
