#include "python/numpy_interop.h"

#include "core/error.h"

namespace py = pybind11;

namespace ember::python {

DType dtype_from_numpy(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = dt.itemsize();
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  if (kind == 'i' && size == 8) return DType::Int64;
  if (kind == 'i' && size == 4) return DType::Int32;
  if (kind == 'u' && size == 1) return DType::UInt8;
  if (kind == 'b') return DType::Bool;
  throw TypeError(str("can't convert np.ndarray of type numpy.", py::str(dt).cast<std::string>(),
                      ". The only supported types are: float64, float32, int64, int32, uint8, and bool."));
}

py::dtype numpy_dtype(DType t) {
  switch (t) {
    case DType::Bool: return py::dtype::of<bool>();
    case DType::UInt8: return py::dtype::of<uint8_t>();
    case DType::Int32: return py::dtype::of<int32_t>();
    case DType::Int64: return py::dtype::of<int64_t>();
    case DType::Float32: return py::dtype::of<float>();
    default: return py::dtype::of<double>();
  }
}

Tensor from_numpy(py::array array) {
  DType dtype = dtype_from_numpy(array.dtype());
  int64_t item = static_cast<int64_t>(itemsize(dtype));
  Shape sizes, strides;
  for (py::ssize_t i = 0; i < array.ndim(); ++i) {
    sizes.push_back(array.shape(i));
    EMBER_CHECK_VALUE(array.strides(i) >= 0,
                      "At least one stride in the given numpy array is negative, and tensors with "
                      "negative strides are not currently supported. (You can probably work around "
                      "this by making a copy of your array  with array.copy().) ");
    EMBER_CHECK_VALUE(array.strides(i) % item == 0,
                      "given numpy array strides not a multiple of the element byte size. Copy the "
                      "numpy array to reallocate the memory.");
    strides.push_back(array.strides(i) / item);
  }
  int64_t span = 1;
  for (int i = 0; i < sizes.size(); ++i)
    if (sizes[i] > 0) span += (sizes[i] - 1) * strides[i];
  auto* keep = new py::object(array);
  auto storage = std::make_shared<Storage>(const_cast<void*>(array.data()), span * item, Device{}, [keep] {
    py::gil_scoped_acquire gil;
    delete keep;
  });
  return make_tensor(std::move(storage), sizes, strides, 0, dtype);
}

py::array to_numpy(const Tensor& t) {
  EMBER_CHECK_TYPE(t.device().is_cpu(), "can't convert ", t.device().str(),
                   " device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.");
  EMBER_CHECK(!t.requires_grad(), "Can't call numpy() on Tensor that requires grad. Use "
              "tensor.detach().numpy() instead.");
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end());
  std::vector<py::ssize_t> strides;
  for (int64_t s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(t.itemsize()));
  py::capsule owner(new Tensor(t), [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.data_ptr(), owner);
}

}  // namespace ember::python
