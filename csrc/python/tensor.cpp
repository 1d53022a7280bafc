// Tensor attributes and conversions: geometry, dtype/device, item/tolist/numpy, to().
#include <pybind11/numpy.h>

#include "ops/ops.h"
#include "python/bindings.h"
#include "python/numpy_interop.h"

namespace py = pybind11;

namespace ember::python {

Tensor as_operand(py::handle value, const Tensor& like, const char* op) {
  if (py::isinstance<TensorImpl>(value)) return value.cast<Tensor>();
  py::detail::make_caster<Scalar> scalar;
  if (scalar.load(value, false)) {
    Scalar s = py::detail::cast_op<Scalar>(scalar);
    return wrap_scalar(s, result_type(like, s), like.device());
  }
  throw TypeError(str(op, "(): argument 'other' must be Tensor or Number, not ", Py_TYPE(value.ptr())->tp_name));
}

static py::object item(const Tensor& t) {
  EMBER_CHECK(t.numel() == 1, "a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
  Tensor c = to_device(t, Device{});
  return dispatch_all(c.dtype(), [&](auto tag) -> py::object {
    using T = typename decltype(tag)::type;
    T v = *c.data<T>();
    if constexpr (std::is_same_v<T, bool>) return py::bool_(v);
    else if constexpr (std::is_floating_point_v<T>) return py::float_(v);
    else return py::int_(v);
  });
}

void init_tensor(py::module_& m, TensorClass& cls) {
  cls.def_property_readonly("shape", [](const Tensor& t) { return t.sizes(); })
      .def_property_readonly("dtype", [](const Tensor& t) { return t.dtype(); })
      .def_property_readonly("device", [](const Tensor& t) { return t.device(); })
      .def_property_readonly("ndim", [](const Tensor& t) { return t.dim(); })
      .def_property_readonly("is_cuda", [](const Tensor& t) { return !t.device().is_cpu(); })
      .def_property_readonly("itemsize", [](const Tensor& t) { return t.itemsize(); })
      .def_property_readonly("_version", [](const Tensor& t) { return t.version(); })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return py::cast(t.sizes());
        return py::int_(t.size(dim.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return py::tuple(py::cast(t.strides().vec()));
        return py::int_(t.stride(dim.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def("dim", [](const Tensor& t) { return t.dim(); })
      .def("ndimension", [](const Tensor& t) { return t.dim(); })
      .def("numel", [](const Tensor& t) { return t.numel(); })
      .def("nelement", [](const Tensor& t) { return t.numel(); })
      .def("element_size", [](const Tensor& t) { return t.itemsize(); })
      .def("storage_offset", [](const Tensor& t) { return t.storage_offset(); })
      .def("is_contiguous", [](const Tensor& t) { return t.is_contiguous(); })
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.data_ptr()); })
      .def("__len__", [](const Tensor& t) {
        EMBER_CHECK_TYPE(t.dim() > 0, "len() of a 0-d tensor");
        return t.sizes()[0];
      })
      .def("item", &item)
      .def("__float__", [](const Tensor& t) { return item(t).cast<double>(); })
      .def("__int__", [](const Tensor& t) { return item(t).cast<int64_t>(); })
      .def("__bool__", [](const Tensor& t) {
        EMBER_CHECK(t.numel() == 1, "Boolean value of Tensor with more than one value is ambiguous");
        return item(t).cast<bool>();
      })
      .def("__index__", [](const Tensor& t) {
        EMBER_CHECK_TYPE(is_integral(t.dtype(), true) && t.numel() == 1,
                         "only integer tensors of a single element can be converted to an index");
        return item(t).cast<int64_t>();
      })
      .def("numpy", [](const Tensor& t, bool force) {
        return to_numpy(force ? to_device(detach(t), Device{}) : t);
      }, py::arg("force") = false)
      .def("_to_dtype", [](const Tensor& t, DType d, bool copy) { return to_dtype(t, d, copy); })
      .def("_to_device", [](const Tensor& t, Device d, bool copy) { return to_device(t, d, copy); })
      .def("contiguous", &contiguous)
      .def("clone", &clone)
      .def("copy_", [](Tensor& self, const Tensor& src) { return copy_(self, src); })
      .def("fill_", [](Tensor& self, const Scalar& v) { return fill_(self, v); })
      .def("zero_", [](Tensor& self) { return zero_(self); });

  m.def("from_numpy", &from_numpy);
  m.def("get_default_dtype", &default_dtype);
  m.def("set_default_dtype", &set_default_dtype);
  m.def("_numpy_dtype", &numpy_dtype);
  m.def("_dtype_from_numpy", &dtype_from_numpy);
}

}  // namespace ember::python
