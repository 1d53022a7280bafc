// Making tensors: ember.tensor/as_tensor/asarray from Python data, the shape-taking factories,
// ranges, the *_like and Tensor.new_* families, and the legacy ember.Tensor(...) constructor.
#include <pybind11/numpy.h>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "python/bindings.h"
#include "python/numpy_interop.h"

namespace py = pybind11;

namespace ember::python {
namespace {

bool is_numpy_object(py::handle h) { return std::strncmp(Py_TYPE(h.ptr())->tp_name, "numpy.", 6) == 0; }

/// PyTorch's dtype inference for tensor(data): every leaf of the nested sequences votes (bool,
/// int -> int64, float -> default dtype, Tensor/ndarray/NumPy scalar -> its own dtype) and the
/// votes promote. `seen` stays false for data without leaves ([] or [[]]).
void infer_dtype(py::handle h, DType& acc, bool& seen) {
  PyObject* o = h.ptr();
  auto vote = [&](DType d) {
    acc = seen ? promote_types(acc, d) : d;
    seen = true;
  };
  // NumPy first: np.float64 is a subclass of float but keeps its own dtype.
  if (py::isinstance<py::array>(h)) return vote(dtype_from_numpy(py::reinterpret_borrow<py::array>(h).dtype()));
  if (is_numpy_object(h) && py::hasattr(h, "dtype")) return vote(dtype_from_numpy(h.attr("dtype").cast<py::dtype>()));
  if (PyBool_Check(o)) return vote(DType::Bool);
  if (PyLong_Check(o)) return vote(DType::Int64);
  if (PyFloat_Check(o)) return vote(default_dtype());
  if (py::isinstance<TensorImpl>(h)) return vote(h.cast<Tensor>().dtype());
  if (PyList_Check(o) || PyTuple_Check(o)) {
    py::sequence seq = py::reinterpret_borrow<py::sequence>(h);
    for (py::handle item : seq) infer_dtype(item, acc, seen);
    return;
  }
  EMBER_CHECK_TYPE(!PyUnicode_Check(o) && PySequence_Check(o), "Could not infer dtype of ", Py_TYPE(o)->tp_name);
  for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) infer_dtype(item, acc, seen);
}

DType inferred_dtype(py::handle data) {
  DType d = default_dtype();
  bool seen = false;
  infer_dtype(data, d, seen);
  return d;
}

Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

}  // namespace

/// A new tensor holding a copy of `data` (nested lists, NumPy arrays, numbers, tensors).
Tensor tensor_from_data(py::handle data, std::optional<DType> dtype, std::optional<Device> device,
                        bool requires_grad) {
  Tensor t;
  if (py::isinstance<TensorImpl>(data)) {
    t = to_dtype(detach(data.cast<Tensor>()), dtype.value_or(data.cast<Tensor>().dtype()), /*copy=*/true);
  } else {
    DType target = dtype ? *dtype : inferred_dtype(data);
    py::array arr = py::module_::import("numpy").attr("asarray")(data, numpy_dtype(target));
    t = to_dtype(from_numpy(arr), target, /*copy=*/true);
  }
  if (device) t = to_device(t, *device);
  return finish(t, requires_grad);
}

/// ember.as_tensor / asarray: shares memory with a tensor or NumPy array when dtype and device
/// allow, copies otherwise (or always, with copy=True).
static Tensor as_tensor(py::handle data, std::optional<DType> dtype, std::optional<Device> device, bool copy) {
  Tensor t;
  if (py::isinstance<TensorImpl>(data)) t = data.cast<Tensor>();
  else if (py::isinstance<py::array>(data)) t = from_numpy(py::reinterpret_borrow<py::array>(data));
  else if (py::hasattr(data, "__dlpack__") && !is_numpy_object(data))
    t = py::module_::import("ember").attr("from_dlpack")(data).cast<Tensor>();
  else return tensor_from_data(data, dtype, device, false);
  Tensor out = t;
  if (dtype && *dtype != out.dtype()) out = to_dtype(out, *dtype);
  if (device && *device != out.device()) out = to_device(out, *device);
  if (copy && out.is_same(t)) out = to_dtype(t, t.dtype(), /*copy=*/true);
  return out;
}

/// ember.Tensor(2, 3), ember.Tensor([1, 2]), ember.Tensor(): the legacy constructor of the
/// default dtype; ember.FloatTensor and friends call it with their own dtype.
static Tensor legacy_new(const py::args& args, DType dtype) {
  if (args.size() == 0) return empty({0}, dtype);
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) {
    if (!py::isinstance<TensorImpl>(args[0])) return tensor_from_data(args[0], dtype, std::nullopt, false);
    Tensor t = args[0].cast<Tensor>();
    EMBER_CHECK_TYPE(t.dtype() == dtype, "expected ", dtype_name(dtype), " tensor (got ", dtype_name(t.dtype()), ")");
    return detach(t);
  }
  return zeros(shape_from_args(args, "Tensor"), dtype);
}

void init_creation(py::module_& m, TensorClass& cls) {
  m.def("tensor", &tensor_from_data, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("as_tensor", [](py::handle data, std::optional<DType> dtype, std::optional<Device> device) {
    return as_tensor(data, dtype, device, false);
  }, py::arg("data"), py::arg("dtype") = py::none(), py::arg("device") = py::none());
  m.def("asarray", [](py::handle obj, std::optional<DType> dtype, std::optional<Device> device,
                      std::optional<bool> copy, bool requires_grad) {
    EMBER_CHECK_VALUE(copy.value_or(true) || py::isinstance<TensorImpl>(obj) || py::isinstance<py::array>(obj),
                      "asarray(): can't alias a Python sequence: copy=False requires a tensor or an array");
    return finish(as_tensor(obj, dtype, device, copy.value_or(false)), requires_grad);
  }, py::arg("obj"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
        py::arg("copy") = py::none(), py::arg("requires_grad") = false);

  // zeros(2, 3), zeros((2, 3)), zeros(size=(2, 3)).
  auto factory = [&m](const char* name, auto make) {
    m.def(name, [make, name](py::args size, std::optional<Shape> size_kw, std::optional<DType> dtype,
                             std::optional<Device> device, bool requires_grad) {
      EMBER_CHECK_TYPE(size.size() == 0 || !size_kw, name, "() got multiple values for argument 'size'");
      Shape s = size_kw ? *size_kw : shape_from_args(size, name);
      return finish(make(s, dtype.value_or(default_dtype()), device.value_or(Device{})), requires_grad);
    }, py::kw_only(), py::arg("size") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
          py::arg("requires_grad") = false);
  };
  factory("zeros", [](const Shape& s, DType d, Device dev) { return zeros(s, d, dev); });
  factory("ones", [](const Shape& s, DType d, Device dev) { return ones(s, d, dev); });
  factory("empty", [](const Shape& s, DType d, Device dev) { return empty(s, d, dev); });

  m.def("full", [](const Shape& size, const Scalar& value, std::optional<DType> dtype,
                   std::optional<Device> device, bool requires_grad) {
    return finish(full(size, value, dtype.value_or(value.natural_dtype()), device.value_or(Device{})),
                  requires_grad);
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("empty_strided", [](const Shape& size, const Shape& stride, std::optional<DType> dtype,
                            std::optional<Device> device, bool requires_grad) {
    return finish(empty_strided(size, stride, dtype.value_or(default_dtype()), device.value_or(Device{})),
                  requires_grad);
  }, py::arg("size"), py::arg("stride"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);

  auto like = [&m](const char* name, auto make) {
    m.def(name, [make](const Tensor& t, std::optional<DType> dtype, std::optional<Device> device,
                       bool requires_grad) {
      return finish(make(t.sizes(), dtype.value_or(t.dtype()), device.value_or(t.device())), requires_grad);
    }, py::arg("input"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
          py::arg("requires_grad") = false);
  };
  like("zeros_like", [](const Shape& s, DType d, Device dev) { return zeros(s, d, dev); });
  like("ones_like", [](const Shape& s, DType d, Device dev) { return ones(s, d, dev); });
  like("empty_like", [](const Shape& s, DType d, Device dev) { return empty(s, d, dev); });
  m.def("full_like", [](const Tensor& t, const Scalar& v, std::optional<DType> dtype,
                        std::optional<Device> device, bool requires_grad) {
    return finish(full(t.sizes(), v, dtype.value_or(t.dtype()), device.value_or(t.device())), requires_grad);
  }, py::arg("input"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);

  // Tensor.new_*: the same factories, defaulting to self's dtype and device.
  auto new_factory = [&cls](const char* name, auto make) {
    cls.def(name, [make, name](const Tensor& self, py::args size, std::optional<DType> dtype,
                               std::optional<Device> device, bool requires_grad) {
      return finish(make(shape_from_args(size, name), dtype.value_or(self.dtype()), device.value_or(self.device())),
                    requires_grad);
    }, py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
            py::arg("requires_grad") = false);
  };
  new_factory("new_zeros", [](const Shape& s, DType d, Device dev) { return zeros(s, d, dev); });
  new_factory("new_ones", [](const Shape& s, DType d, Device dev) { return ones(s, d, dev); });
  new_factory("new_empty", [](const Shape& s, DType d, Device dev) { return empty(s, d, dev); });
  cls.def("new_full", [](const Tensor& self, const Shape& size, const Scalar& value, std::optional<DType> dtype,
                         std::optional<Device> device, bool requires_grad) {
    return finish(full(size, value, dtype.value_or(self.dtype()), device.value_or(self.device())), requires_grad);
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("dtype") = py::none(),
          py::arg("device") = py::none(), py::arg("requires_grad") = false);
  cls.def("new_tensor", [](const Tensor& self, py::handle data, std::optional<DType> dtype,
                           std::optional<Device> device, bool requires_grad) {
    return tensor_from_data(data, dtype.value_or(self.dtype()), device.value_or(self.device()), requires_grad);
  }, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
          py::arg("requires_grad") = false);

  // arange(end), arange(start, end), arange(start, end, step).
  m.def("arange", [](const Scalar& a, std::optional<Scalar> b, const Scalar& step, std::optional<DType> dtype,
                     std::optional<Device> device, bool requires_grad) {
    Scalar start = b ? a : Scalar(int64_t{0}), end = b ? *b : a;
    DType d = dtype.value_or(arange_dtype(start, end, step));
    return finish(arange(start, end, step, d, device.value_or(Device{})), requires_grad);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(),
        py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("linspace", [](double start, double end, int64_t steps, std::optional<DType> dtype,
                       std::optional<Device> device, bool requires_grad) {
    return finish(linspace(start, end, steps, dtype.value_or(default_dtype()), device.value_or(Device{})),
                  requires_grad);
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("logspace", [](double start, double end, int64_t steps, double base, std::optional<DType> dtype,
                       std::optional<Device> device, bool requires_grad) {
    return finish(logspace(start, end, steps, base, dtype.value_or(default_dtype()), device.value_or(Device{})),
                  requires_grad);
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("base") = 10.0, py::kw_only(),
        py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("eye", [](int64_t n, std::optional<int64_t> cols, std::optional<DType> dtype, std::optional<Device> device,
                  bool requires_grad) {
    return finish(eye(n, cols.value_or(n), dtype.value_or(default_dtype()), device.value_or(Device{})),
                  requires_grad);
  }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);

  m.def("_legacy_new", &legacy_new, py::kw_only(), py::arg("_dtype"));
  cls.def(py::init([](py::args args) { return legacy_new(args, default_dtype()); }));
}

}  // namespace ember::python
