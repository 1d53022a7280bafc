#pragma once
// Tensors made from nothing: constants, ranges, identity.
#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// out[i] = start + i * step for contiguous 1-d out; integer dtypes step in int64, floating ones
/// in double and round once, so long ranges do not accumulate error.
EMBER_DECLARE_KERNEL(arange_kernel, void(const Tensor& out, const Scalar& start, const Scalar& step));
/// out[i] = the i-th of out.numel() evenly spaced points from start to end (both included),
/// computed from whichever end is nearer; when log_base > 0, log_base raised to that point.
EMBER_DECLARE_KERNEL(linspace_kernel, void(const Tensor& out, double start, double end, double log_base));

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

/// The dtype arange(start, end, step) gets without a dtype argument: int64 for integers, the
/// default dtype when any argument is floating.
DType arange_dtype(const Scalar& start, const Scalar& end, const Scalar& step);
/// [start, end) by step: ceil((end - start) / step) elements, like torch.arange.
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, DType dtype,
              Device device = Device{});
/// `steps` evenly spaced values from start to end inclusive.
Tensor linspace(double start, double end, int64_t steps, DType dtype, Device device = Device{});
/// base ** linspace(start, end, steps).
Tensor logspace(double start, double end, int64_t steps, double base, DType dtype,
                Device device = Device{});
/// An n x m matrix with ones on the diagonal.
Tensor eye(int64_t n, int64_t m, DType dtype, Device device = Device{});
/// An uninitialised tensor with the given strides, over just enough storage.
Tensor empty_strided(const Shape& sizes, const Shape& strides, DType dtype, Device device = Device{});

}  // namespace ember
