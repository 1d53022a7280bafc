#include "ops/reduce.h"

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/factory.h"
#include "ops/view.h"

namespace ember {

EMBER_DEFINE_KERNEL(reduce_kernel, void(ReduceOp op, const Tensor& out, const Tensor& in));

namespace {

// The geometry of a reduction: which dims go, and the result's shape with and without them.
struct Reduction {
  uint32_t mask = 0;
  Shape kept;     // keepdim shape: 1 on reduced dims
  Shape squeezed; // shape without the reduced dims

  Reduction(const Tensor& self, const Shape& dims, const char* op) {
    mask = dims.empty() ? (self.dim() ? (1u << self.dim()) - 1 : 0) : dim_mask(dims, self.dim(), op);
    for (int i = 0; i < self.dim(); ++i) {
      bool reduced = mask >> i & 1;
      kept.push_back(reduced ? 1 : self.sizes()[i]);
      if (!reduced) squeezed.push_back(self.sizes()[i]);
    }
  }
  Shape shape(bool keepdim) const { return keepdim ? kept : squeezed; }
  int64_t count(const Tensor& self) const {
    int64_t n = 1;
    for (int i = 0; i < self.dim(); ++i)
      if (mask >> i & 1) n *= self.sizes()[i];
    return n;
  }
};

// Runs a reduction whose identity is `init` into a fresh tensor of dtype `out_dtype`.
Tensor reduce(ReduceOp op, const Tensor& self, const Reduction& r, bool keepdim, DType out_dtype,
              const Scalar& init) {
  Tensor out = full(r.kept, init, out_dtype, self.device());
  reduce_kernel(self.device(), op, expand_raw(out, self.sizes()), to_dtype(self, out_dtype));
  return keepdim ? out : make_tensor(out.storage(), r.squeezed, contiguous_strides(r.squeezed), 0, out_dtype);
}

}  // namespace

Tensor sum(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype) {
  Reduction r(self, dims, "sum");
  DType t = dtype ? *dtype : is_integral(self.dtype(), true) ? DType::Int64 : self.dtype();
  Tensor out = reduce(ReduceOp::Sum, self, r, keepdim, t, 0);
  if (should_record({&self})) {
    Shape sizes = self.sizes(), kept = r.kept;
    DType in_dtype = self.dtype();
    record("SumBackward0", {self}, out, {}, [sizes, kept, in_dtype](const TensorList& g, const TensorList&) {
      return TensorList{to_dtype(expand(reshape(g[0], kept), sizes), in_dtype)};
    });
  }
  return out;
}

Tensor mean(const Tensor& self, const Shape& dims, bool keepdim, std::optional<DType> dtype) {
  DType t = dtype ? *dtype : self.dtype();
  EMBER_CHECK(is_floating(t), "mean(): could not infer output dtype. Input dtype must be either a "
              "floating point or complex dtype. Got: ", dtype_name(t));
  Reduction r(self, dims, "mean");
  return div(sum(self, dims, keepdim, t), Scalar(static_cast<double>(r.count(self))));
}

}  // namespace ember
