#pragma once
// Data movement between tensors: copy with broadcasting and casting, fill, contiguous, dtype change.
#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// dst[...] = src[...] with src already expanded to dst's shape; casts between any two dtypes.
EMBER_DECLARE_KERNEL(copy_kernel, void(const Tensor& dst, const Tensor& src));
/// Every element of dst = value.
EMBER_DECLARE_KERNEL(fill_kernel, void(const Tensor& dst, const Scalar& value));

/// Copies src into self (broadcasting src, converting dtype); differentiable w.r.t. src.
Tensor& copy_(Tensor& self, const Tensor& src);
Tensor& fill_(Tensor& self, const Scalar& value);
Tensor& zero_(Tensor& self);
/// self if already contiguous, else a contiguous copy (the one op that turns a view into a copy).
Tensor contiguous(const Tensor& self);
/// A copy with its own storage, differentiable.
Tensor clone(const Tensor& self);
/// self converted to dtype (self itself when it already has it, unless copy).
Tensor to_dtype(const Tensor& self, DType dtype, bool copy = false);
/// self on `device` (self itself when already there, unless copy).
Tensor to_device(const Tensor& self, Device device, bool copy = false);

/// Raises the error PyTorch raises when an in-place op must not run on self (a leaf that
/// requires grad under grad mode; several elements sharing one memory location).
void check_inplace(const Tensor& self, const char* op);

}  // namespace ember
