#include "ops/factory.h"

#include "ops/copy.h"

namespace ember {

Tensor full(const Shape& sizes, const Scalar& value, DType dtype, Device device) {
  Tensor t = empty(sizes, dtype, device);
  fill_kernel(device, t, value);
  return t;
}
Tensor zeros(const Shape& sizes, DType dtype, Device device) { return full(sizes, 0, dtype, device); }
Tensor ones(const Shape& sizes, DType dtype, Device device) { return full(sizes, 1, dtype, device); }
Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.dtype(), t.device()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype(), t.device()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype(), t.device()); }
Tensor full_like(const Tensor& t, const Scalar& value) {
  return full(t.sizes(), value, t.dtype(), t.device());
}

Tensor scalar_tensor(const Scalar& value, DType dtype, Device device) {
  return full({}, value, dtype, device);
}

Tensor wrap_scalar(const Scalar& value, DType dtype, Device device) {
  Tensor t = scalar_tensor(value, dtype, device);
  t->wrapped_number = true;
  return t;
}

}  // namespace ember
