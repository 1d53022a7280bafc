#pragma once
// Shape and data-movement ops: joining (cat, stack), splitting (split, chunk, unbind), reordering
// (flip, roll, sort, topk), replication (repeat, tile, repeat_interleave) and masking (tril, triu).
// Joins and replications copy with copy_kernel into views of the output; only the kernels below
// need code of their own. See Note [Strides are in elements].
#include <optional>
#include <utility>
#include <vector>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// Sorts each row of `in` along `dim` (values and int64 indices have in's shape). NaN is the
/// largest value, as in PyTorch.
EMBER_DECLARE_KERNEL(sort_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in,
                                       int dim, bool descending, bool stable));
/// The k largest (or smallest) of each row of `in` along `dim`, in sorted order.
EMBER_DECLARE_KERNEL(topk_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in,
                                       int dim, int64_t k, bool largest));
/// The k-th smallest (0-based) of each row along `dim`; values/indices have size 1 there. With
/// nan_propagates a row holding NaN yields its first NaN (median).
EMBER_DECLARE_KERNEL(kthvalue_kernel, void(const Tensor& values, const Tensor& indices,
                                           const Tensor& in, int dim, int64_t k, bool nan_propagates));
/// Zeroes the part of each trailing matrix of the contiguous `out` outside tril/triu(diagonal).
EMBER_DECLARE_KERNEL(trilu_kernel, void(const Tensor& out, int64_t diagonal, bool upper));
/// dst += src elementwise, serially, so that a dst whose elements share memory (an expanded or
/// overlapping view) accumulates every contribution.
EMBER_DECLARE_KERNEL(accumulate_kernel, void(const Tensor& dst, const Tensor& src));

/// Concatenates along dim; dtypes promote; 1-d empty tensors are skipped (PyTorch's legacy rule).
Tensor cat(const TensorList& tensors, int64_t dim = 0);
/// Joins equally shaped tensors along a new dim.
Tensor stack(const TensorList& tensors, int64_t dim = 0);
Tensor hstack(const TensorList& tensors);
Tensor vstack(const TensorList& tensors);
Tensor dstack(const TensorList& tensors);
Tensor atleast_1d(const Tensor& self);
Tensor atleast_2d(const Tensor& self);
Tensor atleast_3d(const Tensor& self);

/// Views of consecutive pieces of split_size along dim (the last may be smaller).
TensorList split(const Tensor& self, int64_t split_size, int64_t dim = 0);
/// Views of pieces of the given sizes along dim; the sizes must add up to self.size(dim).
TensorList split_with_sizes(const Tensor& self, const Shape& sizes, int64_t dim = 0);
/// split into `chunks` pieces of ceil(size / chunks) (fewer when they run out).
TensorList chunk(const Tensor& self, int64_t chunks, int64_t dim = 0);
/// `sections` nearly equal views, the first size % sections one larger.
TensorList tensor_split(const Tensor& self, int64_t sections, int64_t dim = 0);
/// Views between consecutive split indices (clamped like Python slices).
TensorList tensor_split(const Tensor& self, const Shape& indices, int64_t dim = 0);
/// Views of each index along dim, without it.
TensorList unbind(const Tensor& self, int64_t dim = 0);

/// A copy with the order of elements reversed along dims.
Tensor flip(const Tensor& self, const Shape& dims);
Tensor fliplr(const Tensor& self);
Tensor flipud(const Tensor& self);
/// Rotates elements by shifts[i] along dims[i]; over the flattened tensor when dims is empty.
Tensor roll(const Tensor& self, const Shape& shifts, const Shape& dims);
/// Tiles self reps[i] times along each dim (reps may add leading dims).
Tensor repeat(const Tensor& self, const Shape& repeats);
/// repeat, with reps padded by leading 1s when shorter than self.dim().
Tensor tile(const Tensor& self, const Shape& reps);
/// Repeats each element `repeats` times along dim (of the flattened tensor when dim is unset).
Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim = std::nullopt);
/// Repeats element i repeats[i] times (repeats: a 1-d or one-element integer tensor).
Tensor repeat_interleave(const Tensor& self, const Tensor& repeats,
                         std::optional<int64_t> dim = std::nullopt);
/// The indices 0..n-1 each repeated repeats[i] times (repeat_interleave(repeats)).
Tensor repeat_interleave(const Tensor& repeats);

/// Records the backward of an op whose `values` are self's elements at int64 `indices` along d
/// (squeezed: dim d was removed from values and indices): the gradient scatters back.
void record_selected(const char* name, const Tensor& self, const Tensor& values, const Tensor& indices, int d,
                     bool squeezed);
/// (values, indices) of self sorted along dim.
std::pair<Tensor, Tensor> sort(const Tensor& self, int64_t dim = -1, bool descending = false,
                               bool stable = false);
Tensor argsort(const Tensor& self, int64_t dim = -1, bool descending = false, bool stable = false);
/// (values, indices) of the k largest (or smallest) elements along dim.
std::pair<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim = -1, bool largest = true,
                               bool sorted = true);
/// (values, indices) of the k-th smallest element (1-based) along dim.
std::pair<Tensor, Tensor> kthvalue(const Tensor& self, int64_t k, int64_t dim = -1, bool keepdim = false);
/// (values, indices) of the lower median along dim; NaN when a row holds NaN.
std::pair<Tensor, Tensor> median(const Tensor& self, int64_t dim, bool keepdim = false);
/// The lower median of all elements (NaN if any is NaN).
Tensor median(const Tensor& self);

/// The lower (upper) triangle of the trailing matrices; the rest is zero.
Tensor tril(const Tensor& self, int64_t diagonal = 0);
Tensor triu(const Tensor& self, int64_t diagonal = 0);
Tensor& tril_(Tensor& self, int64_t diagonal = 0);
Tensor& triu_(Tensor& self, int64_t diagonal = 0);

/// Expanded views forming a coordinate grid; indexing is "ij" or "xy".
TensorList meshgrid(const TensorList& tensors, const std::string& indexing = "ij");

}  // namespace ember
