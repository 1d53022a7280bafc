// Tensor attributes and conversions: geometry, dtype/device, item/tolist/numpy, to() and the
// dtype helpers (result_type, promote_types, can_cast, finfo, iinfo).
#include <pybind11/numpy.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/gil.h"
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

template <typename T>
static py::object py_number(T v) {
  if constexpr (std::is_same_v<T, bool>) return py::bool_(v);
  else if constexpr (std::is_floating_point_v<T>) return py::float_(v);
  else return py::int_(v);
}

static py::object item(const Tensor& t) {
  EMBER_CHECK(t.numel() == 1, "a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
  Tensor c = to_device(t, Device{});
  return dispatch_all(c.dtype(), [&](auto tag) { return py_number(*c.data<typename decltype(tag)::type>()); });
}

// Nested lists of Python numbers, walking the strides (no contiguous copy).
template <typename T>
static py::object list_of(const char* p, const Tensor& t, int d) {
  if (d == t.dim()) return py_number(*reinterpret_cast<const T*>(p));
  const int64_t n = t.sizes()[d], step = t.strides()[d] * static_cast<int64_t>(sizeof(T));
  py::list out(n);
  for (int64_t i = 0; i < n; ++i) out[i] = list_of<T>(p + i * step, t, d + 1);
  return std::move(out);
}

static py::object tolist(const Tensor& t) {
  Tensor c = to_device(t, Device{});
  return dispatch_all(c.dtype(), [&](auto tag) {
    return list_of<typename decltype(tag)::type>(c.data_ptr(), c, 0);
  });
}

/// Tensor.to(dtype) / to(device, dtype) / to(other) plus non_blocking and copy: converts dtype
/// first (on the source device) and copies at most once; copy=True forces a new tensor.
static Tensor to(const Tensor& self, std::optional<Device> device, std::optional<DType> dtype, bool copy) {
  Tensor out = self;
  if (dtype && *dtype != out.dtype()) out = to_dtype(out, *dtype);
  if (device && *device != out.device()) out = to_device(out, *device);
  if (copy && out.is_same(self)) out = to_dtype(self, self.dtype(), /*copy=*/true);
  return out;
}

static Tensor to_from_args(const Tensor& self, const py::args& args, const py::kwargs& kwargs) {
  std::optional<Device> device;
  std::optional<DType> dtype;
  bool copy = false;
  int bools = 0;  // positional (non_blocking, copy)
  py::detail::make_caster<Device> dev;
  for (py::handle a : args) {
    DType d;
    if (dtype_from_object(a, &d)) {
      dtype = d;
    } else if (py::isinstance<TensorImpl>(a)) {
      Tensor other = a.cast<Tensor>();
      dtype = other.dtype();
      device = other.device();
    } else if (PyBool_Check(a.ptr())) {
      if (bools++ == 1) copy = a.ptr() == Py_True;
    } else if (dev.load(a, false)) {
      device = py::detail::cast_op<Device>(dev);
    } else {
      throw TypeError(str("to() received an invalid combination of arguments: unexpected ",
                          Py_TYPE(a.ptr())->tp_name, "; expected a dtype, a device or a Tensor"));
    }
  }
  for (auto [key, value] : kwargs) {
    std::string k = key.cast<std::string>();
    if (k == "dtype") dtype = value.is_none() ? dtype : std::optional<DType>(value.cast<DType>());
    else if (k == "device") device = value.is_none() ? device : std::optional<Device>(value.cast<Device>());
    else if (k == "copy") copy = value.cast<bool>();
    else if (k != "non_blocking")
      throw TypeError(str("to() got an unexpected keyword argument '", k, "'"));
  }
  return to(self, device, dtype, copy);
}

/// PyTorch's legacy type names: FloatTensor, LongTensor, ...
static const char* legacy_name(DType t) {
  switch (t) {
    case DType::Bool: return "BoolTensor";
    case DType::UInt8: return "ByteTensor";
    case DType::Int32: return "IntTensor";
    case DType::Int64: return "LongTensor";
    case DType::Float32: return "FloatTensor";
    default: return "DoubleTensor";
  }
}

static std::string type_string(const Tensor& t) {
  return str("ember.", t.device().is_cpu() ? "" : "cuda.", legacy_name(t.dtype()));
}

/// Tensor.type(): the legacy name; type(dtype), type(ember.LongTensor) or type("ember.LongTensor")
/// (or "torch.LongTensor", as programs written for PyTorch spell it): a converted tensor.
static py::object type_method(const Tensor& t, py::object dtype, bool non_blocking) {
  if (dtype.is_none()) return py::str(type_string(t));
  DType target;
  if (dtype_from_object(dtype, &target)) return py::cast(to_dtype(t, target));
  // The legacy classes (ember.FloatTensor, ...) carry their dtype.
  if (PyType_Check(dtype.ptr()) && py::hasattr(dtype, "dtype") && dtype_from_object(dtype.attr("dtype"), &target))
    return py::cast(to_dtype(t, target));
  std::string name = py::str(dtype).cast<std::string>();
  std::string base = name;
  for (const char* prefix : {"ember.", "torch."})
    if (base.rfind(prefix, 0) == 0) base = base.substr(std::strlen(prefix));
  bool cuda = base.rfind("cuda.", 0) == 0;
  if (cuda) base = base.substr(5);
  for (int i = 0; i < kNumDTypes; ++i)
    if (base == legacy_name(static_cast<DType>(i))) {
      Device dev = cuda ? Device{DeviceType::CUDA, 0} : Device{};
      return py::cast(to(t, dev, static_cast<DType>(i), false));
    }
  throw ValueError(str("invalid type: '", name, "'"));
}

// A bool, int or float argument of result_type: a Tensor, or a Python number as a wrapped 0-d.
static Tensor promotion_operand(py::handle h) {
  if (py::isinstance<TensorImpl>(h)) return h.cast<Tensor>();
  Scalar s = h.cast<Scalar>();
  return wrap_scalar(s, s.natural_dtype());
}

/// ember.finfo: the limits of a floating dtype, read from std::numeric_limits.
struct FInfo {
  int bits;
  double eps, max, min, tiny, resolution;
  std::string dtype;
};
template <typename T>
static FInfo finfo_of() {
  using L = std::numeric_limits<T>;
  return {int(sizeof(T) * 8), L::epsilon(), L::max(), L::lowest(), L::min(),
          std::pow(10.0, -L::digits10), dtype_name(dtype_of<T>())};
}
/// ember.iinfo: the limits of an integer dtype.
struct IInfo {
  int bits;
  int64_t max, min;
  std::string dtype;
};

void init_tensor(py::module_& m, TensorClass& cls) {
  // Large kernels release the GIL through these (core/gil.h).
  set_gil_hooks({[] { return PyGILState_Check() != 0; },
                 [] { return static_cast<void*>(PyEval_SaveThread()); },
                 [](void* state) { PyEval_RestoreThread(static_cast<PyThreadState*>(state)); }});
  cls.def_property_readonly("shape", [](const Tensor& t) { return t.sizes(); })
      .def_property_readonly("dtype", [](const Tensor& t) { return t.dtype(); })
      .def_property_readonly("device", [](const Tensor& t) { return t.device(); })
      .def_property_readonly("ndim", [](const Tensor& t) { return t.dim(); })
      .def_property_readonly("is_cuda", [](const Tensor& t) { return !t.device().is_cpu(); })
      .def_property_readonly("is_cpu", [](const Tensor& t) { return t.device().is_cpu(); })
      .def_property_readonly("itemsize", [](const Tensor& t) { return t.itemsize(); })
      .def_property_readonly("nbytes", [](const Tensor& t) { return t.numel() * int64_t(t.itemsize()); })
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
      .def("get_device", [](const Tensor& t) { return t.device().is_cpu() ? -1 : int(t.device().index); })
      .def("__len__", [](const Tensor& t) {
        EMBER_CHECK_TYPE(t.dim() > 0, "len() of a 0-d tensor");
        return t.sizes()[0];
      })
      .def("item", &item)
      .def("tolist", &tolist)
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
      }, py::kw_only(), py::arg("force") = false)
      // NumPy's protocol: np.asarray(t) shares t's memory; a dtype argument converts.
      .def("__array__", [](const Tensor& t, py::object dtype, py::object copy) -> py::object {
        py::array a = to_numpy(t);
        if (!dtype.is_none()) return a.attr("astype")(dtype, py::arg("copy") = false);
        return std::move(a);
      }, py::arg("dtype") = py::none(), py::kw_only(), py::arg("copy") = py::none())
      // NumPy ufuncs applied to a tensor return a tensor (np.sin(t)).
      .def("__array_wrap__", [](const Tensor&, py::array array, py::object, py::object) -> py::object {
        if (array.ndim() == 0) return array.attr("item")();
        return py::cast(from_numpy(array));
      }, py::arg("array"), py::arg("context") = py::none(), py::arg("return_scalar") = false)
      .def("to", &to_from_args)
      .def("cpu", [](const Tensor& t) { return to_device(t, Device{}); })
      .def("cuda", [](const Tensor& t, py::object device, bool non_blocking) {
        Device d{DeviceType::CUDA, 0};
        if (PyLong_Check(device.ptr())) d.index = static_cast<int8_t>(device.cast<int>());
        else if (!device.is_none()) d = device.cast<Device>();
        EMBER_CHECK_VALUE(!d.is_cpu(), "Invalid device, must be cuda device");
        return to_device(t, d);
      }, py::arg("device") = py::none(), py::arg("non_blocking") = false)
      .def("float", [](const Tensor& t) { return to_dtype(t, DType::Float32); })
      .def("double", [](const Tensor& t) { return to_dtype(t, DType::Float64); })
      .def("long", [](const Tensor& t) { return to_dtype(t, DType::Int64); })
      .def("int", [](const Tensor& t) { return to_dtype(t, DType::Int32); })
      .def("bool", [](const Tensor& t) { return to_dtype(t, DType::Bool); })
      .def("byte", [](const Tensor& t) { return to_dtype(t, DType::UInt8); })
      .def("half", [](const Tensor&) -> Tensor {
        throw TypeError("half(): ember has no float16 dtype; use float() (float32) instead");
      })
      .def("type_as", [](const Tensor& t, const Tensor& other) {
        return to(t, other.device(), other.dtype(), false);
      })
      .def("type", &type_method, py::arg("dtype") = py::none(), py::arg("non_blocking") = false)
      .def("_to_dtype", [](const Tensor& t, DType d, bool copy) { return to_dtype(t, d, copy); })
      .def("_to_device", [](const Tensor& t, Device d, bool copy) { return to_device(t, d, copy); })
      .def("contiguous", &contiguous)
      .def("clone", &clone)
      .def("copy_", [](Tensor& self, const Tensor& src) { return copy_(self, src); })
      // A 0-d tensor value fills through copy_, so that its gradient flows as in PyTorch.
      .def("fill_", [](Tensor& self, py::handle value) -> Tensor& {
        if (py::isinstance<TensorImpl>(value)) {
          Tensor v = value.cast<Tensor>();
          EMBER_CHECK(v.dim() == 0, "fill_ only supports 0-dimension value tensor but got tensor with ", v.dim(),
                      " dimensions.");
          return copy_(self, v);
        }
        py::detail::make_caster<Scalar> scalar;
        EMBER_CHECK_TYPE(scalar.load(value, false), "fill_(): argument 'value' must be Number, not ",
                         Py_TYPE(value.ptr())->tp_name);
        return fill_(self, py::detail::cast_op<Scalar>(scalar));
      }, py::arg("value"))
      .def("zero_", [](Tensor& self) { return zero_(self); });

  m.def("from_numpy", &from_numpy);
  m.def("get_default_dtype", &default_dtype);
  m.def("set_default_dtype", [](DType d) {
    EMBER_CHECK_TYPE(is_floating(d), "only floating-point types are supported as the default type");
    set_default_dtype(d);
  });
  m.def("_numpy_dtype", &numpy_dtype);
  m.def("_dtype_from_numpy", &dtype_from_numpy);

  m.def("is_tensor", [](py::handle h) { return py::isinstance<TensorImpl>(h); }, py::arg("obj"));
  m.def("numel", [](const Tensor& t) { return t.numel(); }, py::arg("input"));
  m.def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); }, py::arg("input"));
  m.def("result_type", [](py::handle a, py::handle b) {
    return result_type(promotion_operand(a), promotion_operand(b));
  }, py::arg("tensor1"), py::arg("tensor2"));
  m.def("promote_types", [](DType a, DType b) { return promote_types(a, b); }, py::arg("type1"), py::arg("type2"));
  // PyTorch allows a cast unless it lowers the category (float -> int, int -> bool).
  m.def("can_cast", [](DType from, DType to) { return category(from) <= category(to); },
        py::arg("from_"), py::arg("to"));

  py::class_<FInfo>(m, "finfo")
      .def(py::init([](std::optional<DType> dtype) {
        DType d = dtype.value_or(default_dtype());
        EMBER_CHECK_TYPE(is_floating(d), "ember.finfo() requires a floating point input type. Use "
                         "ember.iinfo to handle 'ember.", dtype_name(d), "'");
        return d == DType::Float32 ? finfo_of<float>() : finfo_of<double>();
      }), py::arg("type") = py::none())
      .def_readonly("bits", &FInfo::bits)
      .def_readonly("eps", &FInfo::eps)
      .def_readonly("max", &FInfo::max)
      .def_readonly("min", &FInfo::min)
      .def_readonly("tiny", &FInfo::tiny)
      .def_readonly("smallest_normal", &FInfo::tiny)
      .def_readonly("resolution", &FInfo::resolution)
      .def_readonly("dtype", &FInfo::dtype)
      .def("__repr__", [](const FInfo& f) {
        return str("finfo(resolution=", f.resolution, ", min=", f.min, ", max=", f.max, ", eps=", f.eps,
                   ", smallest_normal=", f.tiny, ", tiny=", f.tiny, ", dtype=", f.dtype, ")");
      });
  py::class_<IInfo>(m, "iinfo")
      .def(py::init([](DType d) {
        EMBER_CHECK_TYPE(is_integral(d, false), "ember.", dtype_name(d), " is not supported by ember.iinfo");
        return dispatch_numeric(d, "iinfo", [](auto tag) {
          using T = typename decltype(tag)::type;
          using L = std::numeric_limits<T>;
          return IInfo{int(sizeof(T) * 8), int64_t(L::max()), int64_t(L::lowest()), dtype_name(dtype_of<T>())};
        });
      }), py::arg("type"))
      .def_readonly("bits", &IInfo::bits)
      .def_readonly("max", &IInfo::max)
      .def_readonly("min", &IInfo::min)
      .def_readonly("dtype", &IInfo::dtype)
      .def("__repr__", [](const IInfo& i) {
        return str("iinfo(min=", i.min, ", max=", i.max, ", dtype=", i.dtype, ")");
      });
}

}  // namespace ember::python
