#pragma once
// Indexing: gather/scatter along a dim, index_select/index_add, masks, nonzero, and the advanced
// ("fancy") indexing behind Tensor.__getitem__/__setitem__ with NumPy's placement rules.
#include <optional>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// The error an out-of-range index raises, as PyTorch words it for each family of ops.
enum class BoundsError : uint8_t {
  Gather,  // RuntimeError "index 5 is out of bounds for dimension 0 with size 3" (gather/scatter)
  Index,   // IndexError, same words (advanced indexing)
  Select,  // IndexError "index out of range in self" (index_select/index_add)
  Take,    // IndexError "out of range: tried to access index 5 on a tensor of 3 elements."
};

/// How a kernel turns an index value into an element offset: offset = index * stride after
/// wrapping negatives (when allowed) and checking 0 <= index < size.
struct IndexSpec {
  int64_t stride;
  int64_t size;
  int64_t dim;  // for the message
  bool wrap_negative;
  BoundsError error;
};

/// Throws the error `spec` names for the bad index value `index`.
[[noreturn]] void throw_index_error(const IndexSpec& spec, int64_t index);

/// index wrapped and checked as spec says; the offset (in elements) it stands for.
inline int64_t index_offset(int64_t index, const IndexSpec& spec) {
  int64_t i = index < 0 && spec.wrap_negative ? index + spec.size : index;
  if (i < 0 || i >= spec.size) throw_index_error(spec, index);
  return i * spec.stride;
}

enum class ScatterMode : uint8_t { Assign, Add };

/// out[i] = src[i + index[i] * spec.stride]: src is restrided to out's shape (stride 0 along the
/// indexed dims) and index (int64) is expanded to out's shape.
EMBER_DECLARE_KERNEL(gather_kernel, void(const Tensor& out, const Tensor& src, const Tensor& index,
                                         const IndexSpec& spec));
/// dst[i + index[i] * spec.stride] (+)= src[i], dst restrided as in gather_kernel. Checks every
/// index before writing anything and runs serially, so duplicates accumulate deterministically.
EMBER_DECLARE_KERNEL(scatter_kernel, void(ScatterMode mode, const Tensor& dst, const Tensor& src,
                                          const Tensor& index, const IndexSpec& spec));
/// offsets[i] += checked(index[i]) * spec.stride: linearises one of several advanced indices.
EMBER_DECLARE_KERNEL(index_offsets_kernel,
                     void(const Tensor& offsets, const Tensor& index, const IndexSpec& spec));
/// out[i] = mask[i] ? value[i] : self[i]; all four have out's shape (value usually stride 0).
EMBER_DECLARE_KERNEL(masked_fill_kernel, void(const Tensor& out, const Tensor& self,
                                              const Tensor& mask, const Tensor& value));
/// The [n, ndim] int64 coordinates of self's nonzero elements in row-major order.
EMBER_DECLARE_KERNEL(nonzero_kernel, Tensor(const Tensor& self));

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
/// Entries of self along dim picked by the 1-d (or 0-d) int index.
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
/// self.select(dim, index[i]) += alpha * source.select(dim, i) for each i.
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha = 1);
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
                   const Scalar& alpha = 1);
/// self.select(dim, index[i]) = source.select(dim, i) for each i (int64 index).
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
/// self.select(dim, i) = value for each i in the int64 index.
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
/// self with value where the bool mask (broadcast) is true; value is a 0-d tensor.
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Scalar& value);
/// The 1-d tensor of self's elements where the (broadcast) bool mask is true.
Tensor masked_select(const Tensor& self, const Tensor& mask);
/// Coordinates of nonzero elements: an [n, ndim] int64 tensor.
Tensor nonzero(const Tensor& self);
/// nonzero(as_tuple=True): one 1-d int64 tensor per dim (one for a 0-d tensor).
TensorList nonzero_tuple(const Tensor& self);
/// gather after broadcasting self and indices everywhere but dim; flattened when dim is absent.
Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim);
/// self.flatten()[index].
Tensor take(const Tensor& self, const Tensor& index);

/// self[indices]: indices[i] indexes dim i (undefined: the whole dim); int64/int32 indices are
/// broadcast together, bool/uint8 masks stand for their nonzero coordinates. The indexed dims
/// go where the first one was when they are adjacent, else first (NumPy's rule).
Tensor index(const Tensor& self, const TensorList& indices);
/// self[indices] = values (+= when accumulate), values broadcast to the indexing result.
Tensor& index_put_(Tensor& self, const TensorList& indices, const Tensor& values,
                   bool accumulate = false);
Tensor index_put(const Tensor& self, const TensorList& indices, const Tensor& values,
                 bool accumulate = false);

}  // namespace ember
