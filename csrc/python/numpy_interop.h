#pragma once
// Conversions between ember tensors and NumPy arrays (zero-copy where the memory allows).
#include <pybind11/numpy.h>

#include "core/tensor.h"

namespace ember::python {

/// The ember dtype of a NumPy dtype; TypeError for types ember does not have.
DType dtype_from_numpy(const pybind11::dtype& dt);
pybind11::dtype numpy_dtype(DType t);
/// A tensor sharing the array's memory (the array is kept alive by the tensor).
Tensor from_numpy(pybind11::array array);
/// An array sharing the tensor's memory (the tensor is kept alive by the array).
pybind11::array to_numpy(const Tensor& t);

}  // namespace ember::python
