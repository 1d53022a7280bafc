#include "ops/copy.h"

#include "autograd/inplace.h"
#include "autograd/node.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(copy_kernel, void(const Tensor& dst, const Tensor& src));
EMBER_DEFINE_KERNEL(fill_kernel, void(const Tensor& dst, const Scalar& value));

// A copy between devices runs on the non-CPU side, whose backend knows both memories.
static Device kernel_device(const Tensor& dst, const Tensor& src) {
  return dst.device().is_cpu() ? src.device() : dst.device();
}

void check_inplace(const Tensor& self, const char* op) {
  EMBER_CHECK(!(GradMode::is_enabled() && self.requires_grad() && self.is_leaf()),
              "a leaf Variable that requires grad is being used in an in-place operation (", op, ")");
  const Tensor& base = self.view_base();
  EMBER_CHECK(!(GradMode::is_enabled() && base.defined() && base.requires_grad() && base.is_leaf()),
              "a view of a leaf Variable that requires grad is being used in an in-place operation (",
              op, ")");
  for (int d = 0; d < self.dim(); ++d)
    EMBER_CHECK(self.strides()[d] != 0 || self.sizes()[d] <= 1, "[", op,
                "] unsupported operation: more than one element of the written-to tensor refers "
                "to a single memory location. Please clone() the tensor before performing the "
                "operation.");
}

// The overwritten value's gradient is zeros, not none, as in PyTorch (a leaf's .grad is zeros).
Tensor& copy_(Tensor& self, const Tensor& src) {
  check_inplace(self, "copy_");
  EMBER_CHECK(broadcast_shapes(self.sizes(), src.sizes(), "copy_") == self.sizes(), "[copy_] source of shape ",
              src.sizes(), " cannot be broadcast to destination of shape ", self.sizes());
  copy_kernel(kernel_device(self, src), self, expand_raw(src, self.sizes()));
  self.bump_version();
  if (should_record({&self, &src})) {
    Shape src_sizes = src.sizes();
    DType src_dtype = src.dtype();
    record_inplace(self, "CopyBackwards", {self, src}, {}, [src_sizes, src_dtype](const TensorList& g, const TensorList&) {
      return TensorList{zeros_like(g[0]), to_dtype(sum_to(g[0], src_sizes), src_dtype)};
    });
  }
  return self;
}

Tensor& fill_(Tensor& self, const Scalar& value) {
  check_inplace(self, "fill_");
  fill_kernel(self.device(), self, value);
  self.bump_version();
  if (should_record({&self}))
    record_inplace(self, "FillBackward0", {self}, {}, [](const TensorList& g, const TensorList&) {
      return TensorList{zeros_like(g[0])};
    });
  return self;
}

Tensor& zero_(Tensor& self) { return fill_(self, 0); }

static Tensor copy_of(const Tensor& self, DType dtype, Device device) {
  Tensor out = empty(self.sizes(), dtype, device);
  copy_kernel(kernel_device(out, self), out, self);
  return out;
}

Tensor contiguous(const Tensor& self) { return self.is_contiguous() ? self : clone(self); }

Tensor clone(const Tensor& self) {
  Tensor out = copy_of(self, self.dtype(), self.device());
  if (should_record({&self}))
    record("CloneBackward0", {self}, out, {}, [](const TensorList& g, const TensorList&) {
      return TensorList{g[0]};
    });
  return out;
}

Tensor to_dtype(const Tensor& self, DType dtype, bool copy) {
  if (dtype == self.dtype() && !copy) return self;
  Tensor out = copy_of(self, dtype, self.device());
  if (should_record({&self}) && is_floating(dtype)) {
    DType from = self.dtype();
    record("ToCopyBackward0", {self}, out, {}, [from](const TensorList& g, const TensorList&) {
      return TensorList{to_dtype(g[0], from)};
    });
  }
  return out;
}

Tensor to_device(const Tensor& self, Device device, bool copy) {
  if (device == self.device() && !copy) return self;
  Tensor out = copy_of(self, self.dtype(), device);
  if (should_record({&self})) {
    Device from = self.device();
    record("ToCopyBackward0", {self}, out, {}, [from](const TensorList& g, const TensorList&) {
      return TensorList{to_device(g[0], from)};
    });
  }
  return out;
}

}  // namespace ember
