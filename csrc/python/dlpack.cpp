// DLPack exchange (https://dmlc.github.io/dlpack): Tensor.__dlpack__/__dlpack_device__ and
// ember.from_dlpack, zero-copy both ways with NumPy, PyTorch and any other DLPack library.
// We speak the classic, unversioned ABI (capsule "dltensor" holding a DLManagedTensor), which
// every consumer accepts; the structs below are that ABI, declared here so that ember needs no
// dlpack header.
#include "ops/copy.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
namespace {

enum DLDeviceType : int32_t { kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3 };
enum DLDataTypeCode : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBool = 6 };

struct DLDevice {
  int32_t device_type;
  int32_t device_id;
};
struct DLDataType {
  uint8_t code;
  uint8_t bits;
  uint16_t lanes;
};
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;  // in elements; NULL means compact row-major
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor* self);
};

constexpr const char* kCapsuleName = "dltensor";
constexpr const char* kUsedCapsuleName = "used_dltensor";

DLDataType dl_dtype(DType t) {
  switch (t) {
    case DType::Bool: return {kDLBool, 8, 1};
    case DType::UInt8: return {kDLUInt, 8, 1};
    case DType::Int32: return {kDLInt, 32, 1};
    case DType::Int64: return {kDLInt, 64, 1};
    case DType::Float32: return {kDLFloat, 32, 1};
    default: return {kDLFloat, 64, 1};
  }
}

DType dtype_from_dl(DLDataType t) {
  EMBER_CHECK_TYPE(t.lanes == 1, "from_dlpack: vector (lanes=", t.lanes, ") types are not supported");
  if (t.code == kDLBool && t.bits == 8) return DType::Bool;
  if (t.code == kDLUInt && t.bits == 8) return DType::UInt8;
  if (t.code == kDLInt && t.bits == 32) return DType::Int32;
  if (t.code == kDLInt && t.bits == 64) return DType::Int64;
  if (t.code == kDLFloat && t.bits == 32) return DType::Float32;
  if (t.code == kDLFloat && t.bits == 64) return DType::Float64;
  throw TypeError(str("from_dlpack: unsupported DLPack dtype (code ", int(t.code), ", bits ", int(t.bits),
                      "); ember supports bool, uint8, int32, int64, float32 and float64"));
}

/// What an exported capsule owns: a reference to the tensor and the shape/stride arrays the
/// DLTensor points into. Freed by the deleter, which the consumer may call without the GIL.
struct ExportContext {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
  DLManagedTensor managed;
};

py::capsule to_dlpack(const Tensor& t) {
  EMBER_CHECK(!t.requires_grad(), "Can't export tensors that require gradient, use tensor.detach()");
  auto* ctx = new ExportContext{t, t.sizes().vec(), t.strides().vec(), {}};
  DLTensor& dl = ctx->managed.dl_tensor;
  dl.data = t.storage()->data();
  dl.byte_offset = static_cast<uint64_t>(t.storage_offset()) * t.itemsize();
  dl.device = {t.device().is_cpu() ? kDLCPU : kDLCUDA, t.device().is_cpu() ? 0 : t.device().index};
  dl.ndim = t.dim();
  dl.dtype = dl_dtype(t.dtype());
  dl.shape = ctx->shape.data();
  dl.strides = ctx->strides.data();
  ctx->managed.manager_ctx = ctx;
  ctx->managed.deleter = [](DLManagedTensor* self) { delete static_cast<ExportContext*>(self->manager_ctx); };
  // A capsule still named "dltensor" was never consumed: its destructor must free the tensor.
  PyObject* cap = PyCapsule_New(&ctx->managed, kCapsuleName, [](PyObject* c) {
    if (!PyCapsule_IsValid(c, kCapsuleName)) return;
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, kCapsuleName));
    m->deleter(m);
  });
  if (!cap) {
    delete ctx;
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::capsule>(cap);
}

/// Consumes a "dltensor" capsule: the new tensor shares its memory and calls the producer's
/// deleter when its storage dies.
Tensor from_capsule(py::handle cap) {
  EMBER_CHECK_TYPE(PyCapsule_IsValid(cap.ptr(), kCapsuleName),
                   "from_dlpack: expected a DLPack capsule named 'dltensor' (was it already consumed?)");
  auto* managed = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap.ptr(), kCapsuleName));
  const DLTensor& dl = managed->dl_tensor;
  EMBER_CHECK(dl.device.device_type == kDLCPU || dl.device.device_type == kDLCUDAHost,
              "from_dlpack: only CPU tensors can be imported into this build of ember (got DLPack "
              "device type ", dl.device.device_type, ")");
  DType dtype = dtype_from_dl(dl.dtype);
  EMBER_CHECK(dl.ndim <= kMaxDims, "from_dlpack: ember supports at most ", kMaxDims, " dimensions");
  Shape sizes(dl.shape, dl.shape + dl.ndim);
  Shape strides = dl.strides ? Shape(dl.strides, dl.strides + dl.ndim) : contiguous_strides(sizes);
  int64_t span = 1;
  for (int i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK_VALUE(strides[i] >= 0 || sizes[i] <= 1, "from_dlpack: negative strides are not supported");
    if (sizes[i] > 0) span += (sizes[i] - 1) * strides[i];
  }
  if (numel_of(sizes) == 0) span = 0;
  char* data = static_cast<char*>(dl.data) + dl.byte_offset;
  auto storage = std::make_shared<Storage>(data, span * itemsize(dtype), Device{},
                                           [managed] { if (managed->deleter) managed->deleter(managed); });
  PyCapsule_SetName(cap.ptr(), kUsedCapsuleName);
  PyCapsule_SetDestructor(cap.ptr(), nullptr);
  return make_tensor(std::move(storage), sizes, strides, 0, dtype);
}

}  // namespace

void init_dlpack(py::module_& m, TensorClass& cls) {
  cls.def("__dlpack__", [](const Tensor& t, py::object stream, py::object max_version, py::object dl_device,
                           py::object copy) {
    if (!copy.is_none() && copy.cast<bool>()) return to_dlpack(to_dtype(t, t.dtype(), /*copy=*/true));
    return to_dlpack(t);
  }, py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
     py::arg("dl_device") = py::none(), py::arg("copy") = py::none());
  cls.def("__dlpack_device__", [](const Tensor& t) {
    return py::make_tuple(t.device().is_cpu() ? int(kDLCPU) : int(kDLCUDA), t.device().is_cpu() ? 0 : t.device().index);
  });
  m.def("from_dlpack", [](py::object ext) {
    if (py::isinstance<TensorImpl>(ext)) return ext.cast<Tensor>();
    if (py::hasattr(ext, "__dlpack__")) return from_capsule(ext.attr("__dlpack__")());
    return from_capsule(ext);
  }, py::arg("ext_tensor"));
  m.def("to_dlpack", [](const Tensor& t) { return to_dlpack(t); }, py::arg("tensor"));
}

}  // namespace ember::python
