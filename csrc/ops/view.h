#pragma once
// Views: new geometry over the same storage, never a copy (see Note [Strides are in elements]).
// Each records a backward that routes the gradient back to the base's shape.
#include "core/tensor.h"

namespace ember {

/// A view with the same geometry and no autograd history.
Tensor detach(const Tensor& self);
/// detach in place: drops self's history and makes it a leaf.
Tensor& detach_(Tensor& self);
/// A view for kernels only: broadcast to `sizes` with stride 0, no autograd.
Tensor expand_raw(const Tensor& self, const Shape& sizes);

Tensor as_strided(const Tensor& self, const Shape& sizes, const Shape& strides,
                  int64_t storage_offset = -1);
/// Shape with at most one -1, resolved against numel.
Shape infer_size(const Shape& shape, int64_t numel);
/// A view with the new shape; RuntimeError suggesting reshape when strides do not allow one.
Tensor view(const Tensor& self, const Shape& shape);
/// view when possible, else a copy.
Tensor reshape(const Tensor& self, const Shape& shape);
Tensor expand(const Tensor& self, const Shape& sizes);
Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& self, const Shape& dims);
/// Moves dims source[i] to destination[i]; the others keep their order.
Tensor movedim(const Tensor& self, const Shape& source, const Shape& destination);
/// Expanded views of all tensors to their common broadcast shape.
TensorList broadcast_tensors(const TensorList& tensors);
/// Matrix transpose of a <= 2-d tensor (t()).
Tensor t(const Tensor& self);
Tensor squeeze(const Tensor& self);
Tensor squeeze(const Tensor& self, const Shape& dims);
Tensor unsqueeze(const Tensor& self, int64_t dim);
/// The in-place view ops (x.t_(), x.unsqueeze_(0), ...): self takes the geometry and the history
/// of `view`, the out-of-place op applied to self. `op` names it in errors.
Tensor& become_view(Tensor& self, const Tensor& view, const char* op);
Tensor select(const Tensor& self, int64_t dim, int64_t index);
Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length);
/// self[start:end:step] along dim (start/end clamped as Python slices are).
Tensor slice(const Tensor& self, int64_t dim, int64_t start, int64_t end, int64_t step);
Tensor flatten(const Tensor& self, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& self, int64_t dim, const Shape& sizes);
Tensor diagonal(const Tensor& self, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
Tensor unfold(const Tensor& self, int64_t dim, int64_t size, int64_t step);

}  // namespace ember
