#pragma once
// Tensors made from nothing: constants, ranges, identity.
#include "core/tensor.h"

namespace ember {

Tensor zeros(const Shape& sizes, DType dtype = default_dtype(), Device device = Device{});
Tensor ones(const Shape& sizes, DType dtype = default_dtype(), Device device = Device{});
Tensor full(const Shape& sizes, const Scalar& value, DType dtype, Device device = Device{});
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, const Scalar& value);
/// A 0-d tensor holding `value` as `dtype`.
Tensor scalar_tensor(const Scalar& value, DType dtype, Device device = Device{});
/// A 0-d tensor for a Python number taking part in an op; it promotes like a number.
Tensor wrap_scalar(const Scalar& value, DType dtype, Device device = Device{});

}  // namespace ember
