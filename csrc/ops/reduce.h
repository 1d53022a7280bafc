#pragma once
// Reductions over a set of dims.
#include <optional>

#include "core/kernel.h"
#include "core/tensor.h"

namespace ember {

enum class ReduceOp : uint8_t { Sum };

/// out = reduce(in) over the dims where out (a view expanded to in's shape) has stride 0.
EMBER_DECLARE_KERNEL(reduce_kernel, void(ReduceOp op, const Tensor& out, const Tensor& in));

/// Sum over `dims` (all dims when empty); `dtype` overrides the accumulation/result type.
Tensor sum(const Tensor& self, const Shape& dims = {}, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& self, const Shape& dims = {}, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);

}  // namespace ember
