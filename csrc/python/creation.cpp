// Making tensors: ember.tensor from Python data, and the shape-taking factories.
#include <pybind11/numpy.h>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "python/bindings.h"
#include "python/numpy_interop.h"

namespace py = pybind11;

namespace ember::python {

// Python floats become the default dtype; a NumPy array keeps its own dtype.
static DType inferred_dtype(py::handle data, const py::array& arr) {
  DType t = dtype_from_numpy(arr.dtype());
  bool from_numpy = py::isinstance<py::array>(data) ||
                    std::strncmp(Py_TYPE(data.ptr())->tp_name, "numpy.", 6) == 0;
  return !from_numpy && t == DType::Float64 ? default_dtype() : t;
}

static Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

/// A new tensor holding a copy of `data` (nested lists, NumPy arrays, numbers, tensors).
static Tensor tensor_from_data(py::handle data, std::optional<DType> dtype, std::optional<Device> device,
                               bool requires_grad) {
  Tensor t;
  if (py::isinstance<TensorImpl>(data)) {
    t = clone(detach(data.cast<Tensor>()));
    if (dtype) t = to_dtype(t, *dtype);
  } else {
    py::array arr = py::module_::import("numpy").attr("asarray")(data);
    EMBER_CHECK_TYPE(arr.dtype().kind() != 'O' && arr.dtype().kind() != 'U',
                     "Could not infer dtype of ", Py_TYPE(data.ptr())->tp_name,
                     " (nested sequences must be rectangular and hold numbers)");
    DType target = dtype ? *dtype : inferred_dtype(data, arr);
    t = to_dtype(from_numpy(arr), target, /*copy=*/true);
  }
  if (device) t = to_device(t, *device);
  return finish(t, requires_grad);
}

void init_creation(py::module_& m, TensorClass& cls) {
  m.def("tensor", &tensor_from_data, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(),
        py::arg("device") = py::none(), py::arg("requires_grad") = false);

  auto factory = [&m](const char* name, auto make) {
    m.def(name, [make, name](py::args size, std::optional<DType> dtype, std::optional<Device> device,
                             bool requires_grad) {
      Tensor t = make(shape_from_args(size, name), dtype.value_or(default_dtype()), device.value_or(Device{}));
      return finish(t, requires_grad);
    }, py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
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

  // ember.Tensor(2, 3), ember.Tensor([1, 2]), ember.Tensor(): the legacy float constructor.
  cls.def(py::init([](py::args args) {
    if (args.size() == 1 && !PyLong_Check(args[0].ptr()))
      return py::isinstance<TensorImpl>(args[0]) ? detach(args[0].cast<Tensor>())
                                                 : tensor_from_data(args[0], default_dtype(), std::nullopt, false);
    return zeros(shape_from_args(args, "Tensor"), default_dtype());
  }));
}

}  // namespace ember::python
