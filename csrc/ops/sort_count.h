#pragma once
// Sorting-based counting and order statistics: unique, bincount, histograms, searchsorted and
// bucketize, isin, running max/min and logcumsumexp, mode, nanmedian and quantile.
// See Note [Strides are in elements].
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

/// The distinct rows of the contiguous 2-d `rows` (all of them equal-sized): sorted, or runs of
/// equal neighbours when `consecutive`. Returns (unique rows [u, m], int64 inverse [n] (undefined
/// unless need_inverse), int64 counts [u]). NaN equals nothing, so every NaN is its own row.
EMBER_DECLARE_KERNEL(unique_kernel, std::tuple<Tensor, Tensor, Tensor>(const Tensor& rows, bool consecutive,
                                                                       bool need_inverse));
/// Counts (or sums of weights) of each value of the contiguous 1-d int64 `in`, in a fresh tensor
/// of max(max(in) + 1, minlength) entries; int64 without weights, else of out_dtype. Negative
/// values are a RuntimeError.
EMBER_DECLARE_KERNEL(bincount_kernel, Tensor(const Tensor& in, const Tensor& weights, int64_t minlength,
                                             DType out_dtype));
/// hist[b] += weight (or 1) for each element of the contiguous `in` inside edges[b], edges[b+1])
/// (the last bin closed); NaN and out-of-range elements are skipped. edges has hist.numel() + 1
/// ascending entries; `uniform` says they are evenly spaced (the bin is computed, not searched).
EMBER_DECLARE_KERNEL(histogram_kernel, void(const Tensor& hist, const Tensor& in, const Tensor& weight,
                                            const Tensor& edges, bool uniform));
/// out[b, j] = the insertion point of values[b, j] into row b of `sorted` ([B or 1, n], read
/// through the int64 `sorter` when defined); all contiguous; out is int64 or int32.
EMBER_DECLARE_KERNEL(searchsorted_kernel, void(const Tensor& out, const Tensor& sorted, const Tensor& values,
                                               const Tensor& sorter, bool right));
/// Running max (or min) along dim with the index where it was last reached; NaN propagates.
EMBER_DECLARE_KERNEL(cum_extreme_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in,
                                              int dim, bool is_max));
/// out = log(cumsum(exp(in))) along dim, accumulated stably in double.
EMBER_DECLARE_KERNEL(logcumsumexp_kernel, void(const Tensor& out, const Tensor& in, int dim));
/// The most frequent value of each row along dim (the smallest among equally frequent ones) and
/// the last index holding it; values/indices have size 1 along dim.
EMBER_DECLARE_KERNEL(mode_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in, int dim));
/// The lower median of the non-NaN values of each row (NaN when all are NaN).
EMBER_DECLARE_KERNEL(nanmedian_kernel, void(const Tensor& values, const Tensor& indices, const Tensor& in, int dim));

/// (values, inverse, counts) of torch.unique; inverse/counts are undefined unless asked for.
/// With dim, the unique slices along dim.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool sorted = true, bool return_inverse = false,
                                          bool return_counts = false, std::optional<int64_t> dim = std::nullopt);
/// Like unique, but only runs of equal neighbours collapse.
std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse = false,
                                                      bool return_counts = false,
                                                      std::optional<int64_t> dim = std::nullopt);
/// Occurrences of each non-negative integer of the 1-d self (weighted sums with weights).
Tensor bincount(const Tensor& self, const Tensor& weights = {}, int64_t minlength = 0);
/// Histogram of `bins` equal bins over [min, max] (the data's range when both are 0).
Tensor histc(const Tensor& self, int64_t bins = 100, double min = 0, double max = 0);
/// (hist, bin_edges) with `bins` equal bins over range (the data's range when absent).
std::pair<Tensor, Tensor> histogram(const Tensor& self, int64_t bins,
                                    std::optional<std::pair<double, double>> range = std::nullopt,
                                    const Tensor& weight = {}, bool density = false);
/// (hist, bin_edges) over the given ascending 1-d edges.
std::pair<Tensor, Tensor> histogram(const Tensor& self, const Tensor& bins, const Tensor& weight = {},
                                    bool density = false);
/// Indices where `values` would be inserted into the last dim of sorted_sequence to keep it
/// sorted; side is "left", "right" or empty (then `right` decides).
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false,
                    bool right = false, const std::string& side = "", const Tensor& sorter = {});
/// searchsorted(boundaries, self) for 1-d boundaries.
Tensor bucketize(const Tensor& self, const Tensor& boundaries, bool out_int32 = false, bool right = false);
/// True where an element of `elements` occurs in test_elements (false with invert).
Tensor isin(const Tensor& elements, const Tensor& test_elements, bool assume_unique = false, bool invert = false);
/// (values, indices) of the running max / min along dim; the gradient goes to the index.
std::pair<Tensor, Tensor> cummax(const Tensor& self, int64_t dim);
std::pair<Tensor, Tensor> cummin(const Tensor& self, int64_t dim);
/// log(cumsum(exp(self))) along dim, without overflow.
Tensor logcumsumexp(const Tensor& self, int64_t dim);
/// (values, indices) of the most frequent value along dim.
std::pair<Tensor, Tensor> mode(const Tensor& self, int64_t dim = -1, bool keepdim = false);
/// median ignoring NaN: along dim, and of all elements.
std::pair<Tensor, Tensor> nanmedian(const Tensor& self, int64_t dim, bool keepdim = false);
Tensor nanmedian(const Tensor& self);
/// The q-th quantiles (q a 0-d or 1-d tensor of self's dtype, in [0, 1]) along dim (of all
/// elements when absent); a 1-d q adds a leading dim. interpolation: linear, lower, higher,
/// midpoint or nearest. ignore_nan: nanquantile.
Tensor quantile(const Tensor& self, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                bool keepdim = false, const std::string& interpolation = "linear", bool ignore_nan = false);

}  // namespace ember
