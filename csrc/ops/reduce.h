#pragma once
// Reductions over a set of dims, scans along one dim, and softmax.
#include <optional>
#include <string>
#include <tuple>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

enum class ReduceOp : uint8_t {
  Sum, Mean, Prod, Max, Min, All, Any, CountNonzero, LogSumExp,
  NormL0, NormL1, NormL2, NormInf, NormNegInf, NormP,  // vector norms of |x|
};
enum class ScanOp : uint8_t { Sum, Prod };

// Note [Reduction kernel layout]: the output of reduce_kernel and arg_reduce_kernel is a fresh
// contiguous tensor of the keepdim shape: a dim is reduced where the output has size 1 and the
// input does not. Inputs may have any strides. Sum/Mean/Prod/Max/Min/LogSumExp/Norm* take input and output
// of one dtype; All/Any write bool and CountNonzero int64 from any input dtype.

/// out = reduce(in) (see Note [Reduction kernel layout]); `p` is the order of NormP.
EMBER_DECLARE_KERNEL(reduce_kernel, void(ReduceOp op, const Tensor& out, const Tensor& in, double p));
/// values (optional, in's dtype) and int64 indices of the first max (op Max) or min (op Min) of in
/// along `dim`; NaN counts as the largest and smallest value, as in PyTorch.
EMBER_DECLARE_KERNEL(arg_reduce_kernel, void(ReduceOp op, const Tensor& values, const Tensor& indices,
                                             const Tensor& in, int dim));
/// out = inclusive scan of in along dim (from the end when reverse); out and in share shape and dtype.
EMBER_DECLARE_KERNEL(scan_kernel, void(ScanOp op, const Tensor& out, const Tensor& in, int dim, bool reverse));
/// out = softmax (or log_softmax) of in along dim; one fused pass per row; same shape and dtype.
EMBER_DECLARE_KERNEL(softmax_kernel, void(const Tensor& out, const Tensor& in, int dim, bool log));

/// Sum over `dims` (all dims when empty); `dtype` sets the result type (default: int64 for
/// integers and bool, else the input's type).
Tensor sum(const Tensor& self, const Shape& dims = {}, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
/// Mean over `dims` (all when empty) of a floating tensor (or with a floating `dtype`).
Tensor mean(const Tensor& self, const Shape& dims = {}, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
/// Product of all elements, or along `dim`.
Tensor prod(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
/// Largest / smallest element over `dims` (all when empty); gradient split evenly among ties.
Tensor amax(const Tensor& self, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& self, const Shape& dims = {}, bool keepdim = false);
/// Largest / smallest element of the whole tensor; RuntimeError when empty.
Tensor max(const Tensor& self);
Tensor min(const Tensor& self);
/// (values, indices) of the max / min along `dim`; the gradient goes to the index.
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim = false);
/// int64 index of the first max / min along `dim`, or into the flattened tensor when no dim.
Tensor argmax(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
/// Variance / standard deviation over `dims` (all when absent) with `correction` (1: unbiased).
Tensor var(const Tensor& self, std::optional<Shape> dims = std::nullopt, double correction = 1,
           bool keepdim = false);
/// (Named stddev in C++ so that it never hides namespace std; bound as ember.std.)
Tensor stddev(const Tensor& self, std::optional<Shape> dims = std::nullopt, double correction = 1,
              bool keepdim = false);
/// (var, mean) and (std, mean) in one call.
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, std::optional<Shape> dims = std::nullopt,
                                    double correction = 1, bool keepdim = false);
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, std::optional<Shape> dims = std::nullopt,
                                    double correction = 1, bool keepdim = false);
/// linalg.vector_norm: (sum |x|^ord)^(1/ord) over `dims` (all when absent); ord may be +-inf or 0.
Tensor vector_norm(const Tensor& self, double ord = 2, std::optional<Shape> dims = std::nullopt,
                   bool keepdim = false, std::optional<DType> dtype = std::nullopt);
/// log(sum(exp(x))) over `dims`, computed with the max subtracted.
Tensor logsumexp(const Tensor& self, const Shape& dims, bool keepdim = false);
/// True where all / any element over `dims` (all when absent) is nonzero; uint8 in, uint8 out.
Tensor all(const Tensor& self, std::optional<Shape> dims = std::nullopt, bool keepdim = false);
Tensor any(const Tensor& self, std::optional<Shape> dims = std::nullopt, bool keepdim = false);
/// int64 count of nonzero elements over `dims` (all when absent).
Tensor count_nonzero(const Tensor& self, std::optional<Shape> dims = std::nullopt);
/// Inclusive running sum / product along `dim` (integers and bool accumulate as int64).
Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor cumprod(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);
/// exp(x - max) / sum(exp(x - max)) along `dim`, computed in `dtype` when given.
Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);
/// x - max - log(sum(exp(x - max))) along `dim`.
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace ember
