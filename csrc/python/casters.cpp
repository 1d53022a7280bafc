#include "python/casters.h"

#include <cstring>

namespace py = pybind11;

namespace ember::python {
namespace {

/// ember.dtype: one immutable object per element type.
struct DTypeObject {
  DType type;
};
/// ember.device: a device type and index.
struct DeviceObject {
  Device device;
};

// Owned references that are never released: they must outlive the interpreter's own teardown.
py::handle g_dtypes[kNumDTypes];
py::handle g_size_class;

}  // namespace

py::object dtype_object(DType t) { return py::reinterpret_borrow<py::object>(g_dtypes[static_cast<int>(t)]); }

bool dtype_from_object(py::handle h, DType* out) {
  if (!py::isinstance<DTypeObject>(h)) return false;
  *out = h.cast<const DTypeObject&>().type;
  return true;
}

Shape shape_from_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return args[0].cast<Shape>();
  Shape s;
  for (py::handle a : args) {
    EMBER_CHECK_TYPE(PyIndex_Check(a.ptr()), op, "(): argument 'size' must be a tuple of ints, but found element of type ",
                     Py_TYPE(a.ptr())->tp_name);
    s.push_back(a.cast<int64_t>());
  }
  return s;
}

void init_casters(py::module_& m) {
  py::class_<DTypeObject>(m, "dtype")
      .def_property_readonly("is_floating_point", [](const DTypeObject& d) { return is_floating(d.type); })
      .def_property_readonly("is_signed", [](const DTypeObject& d) {
        return d.type != DType::Bool && d.type != DType::UInt8;
      })
      .def_property_readonly("itemsize", [](const DTypeObject& d) { return itemsize(d.type); })
      .def("__repr__", [](const DTypeObject& d) { return std::string("ember.") + dtype_name(d.type); })
      .def("__reduce__", [](const DTypeObject& d) {
        return py::make_tuple(py::module_::import("builtins").attr("getattr"),
                              py::make_tuple(py::module_::import("ember"), dtype_name(d.type)));
      });
  for (int i = 0; i < kNumDTypes; ++i) {
    DType t = static_cast<DType>(i);
    g_dtypes[i] = py::cast(DTypeObject{t}).release();
    m.attr(dtype_name(t)) = g_dtypes[i];
  }

  py::class_<DeviceObject>(m, "device")
      .def(py::init([](const std::string& s) { return DeviceObject{parse_device(s)}; }))
      .def(py::init([](const std::string& type, int index) {
        Device d = parse_device(type);
        d.index = static_cast<int8_t>(index);
        return DeviceObject{d};
      }))
      .def_property_readonly("type", [](const DeviceObject& d) {
        return d.device.is_cpu() ? "cpu" : "cuda";
      })
      .def_property_readonly("index", [](const DeviceObject& d) -> py::object {
        return d.device.is_cpu() ? py::object(py::none()) : py::object(py::int_(d.device.index));
      })
      .def("__eq__", [](const DeviceObject& a, py::handle b) {
        Device other;
        return py::detail::make_caster<Device>().load(b, false) && (other = b.cast<Device>(), other == a.device);
      })
      .def("__hash__", [](const DeviceObject& d) { return py::hash(py::str(d.device.str())); })
      .def("__str__", [](const DeviceObject& d) { return d.device.is_cpu() ? "cpu" : d.device.str(); })
      .def("__repr__", [](const DeviceObject& d) {
        return d.device.is_cpu() ? std::string("device(type='cpu')")
                                 : "device(type='cuda', index=" + std::to_string(d.device.index) + ")";
      });

  // ember.Size: a tuple that prints as ember.Size([2, 3]), like torch.Size.
  py::object type = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type));
  py::object tuple = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyTuple_Type));
  py::dict ns;
  ns["__module__"] = "ember";
  py::object size_class = type("Size", py::make_tuple(tuple), ns);
  size_class.attr("__repr__") = py::cpp_function(
      [](py::tuple self) { return "ember.Size(" + py::repr(py::list(self)).cast<std::string>() + ")"; },
      py::is_method(size_class));
  size_class.attr("numel") = py::cpp_function(
      [](py::tuple self) {
        int64_t n = 1;
        for (py::handle h : self) n *= h.cast<int64_t>();
        return n;
      },
      py::is_method(size_class));
  m.attr("Size") = size_class;
  g_size_class = size_class.release();
}

py::object size_object(const Shape& s) {
  py::tuple t(s.size());
  for (int i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  return py::reinterpret_borrow<py::object>(g_size_class)(t);
}

}  // namespace ember::python

namespace pybind11::detail {

using namespace ember::python;

bool type_caster<ember::Device>::load(handle src, bool) {
  if (py::isinstance<py::str>(src)) {
    value = ember::parse_device(src.cast<std::string>());
    return true;
  }
  if (py::isinstance<DeviceObject>(src)) {
    value = src.cast<const DeviceObject&>().device;
    return true;
  }
  return false;
}

handle type_caster<ember::Device>::cast(ember::Device d, return_value_policy, handle) {
  return py::cast(DeviceObject{d}).release();
}

bool type_caster<ember::Shape>::load(handle src, bool) {
  if (PyLong_Check(src.ptr())) {
    value = ember::Shape{src.cast<int64_t>()};
    return true;
  }
  if (!PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr())) return false;
  py::sequence seq = reinterpret_borrow<py::sequence>(src);
  ember::Shape s;
  for (py::handle item : seq) {
    if (!PyIndex_Check(item.ptr())) return false;
    s.push_back(PyNumber_AsSsize_t(item.ptr(), PyExc_OverflowError));
  }
  value = s;
  return true;
}

handle type_caster<ember::Shape>::cast(const ember::Shape& s, return_value_policy, handle) {
  return ember::python::size_object(s).release();
}

bool type_caster<ember::Scalar>::load(handle src, bool) {
  PyObject* o = src.ptr();
  if (PyBool_Check(o)) {
    value = ember::Scalar(o == Py_True);
  } else if (PyLong_Check(o)) {
    value = ember::Scalar(static_cast<int64_t>(PyLong_AsLongLong(o)));
    if (PyErr_Occurred()) {
      PyErr_Clear();
      return false;
    }
  } else if (PyFloat_Check(o)) {
    value = ember::Scalar(PyFloat_AS_DOUBLE(o));
  } else if (std::strncmp(Py_TYPE(o)->tp_name, "numpy.", 6) == 0 && PyObject_HasAttrString(o, "item") &&
             !PyObject_HasAttrString(o, "__len__")) {
    return load(src.attr("item")(), false);  // a NumPy scalar
  } else if (isinstance<ember::TensorImpl>(src) && src.cast<ember::Tensor>().dim() == 0) {
    return load(src.attr("item")(), false);  // a 0-d tensor, which PyTorch takes for a Number too
  } else {
    return false;
  }
  return true;
}

handle type_caster<ember::Scalar>::cast(const ember::Scalar& s, return_value_policy, handle) {
  switch (s.kind()) {
    case ember::Category::Bool: return py::bool_(s.to<bool>()).release();
    case ember::Category::Integer: return py::int_(s.to<int64_t>()).release();
    default: return py::float_(s.to_double()).release();
  }
}

}  // namespace pybind11::detail
