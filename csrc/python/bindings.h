#pragma once
// Shared declarations of the binding files: each file binds one family of ops as module
// functions and Tensor methods through an init_* function called from module.cpp.
#include "python/casters.h"

namespace ember::python {

using TensorClass = pybind11::class_<TensorImpl, Tensor>;

void init_casters(pybind11::module_& m);
void init_tensor(pybind11::module_& m, TensorClass& cls);
void init_creation(pybind11::module_& m, TensorClass& cls);
void init_autograd(pybind11::module_& m, TensorClass& cls);
void init_view_ops(pybind11::module_& m, TensorClass& cls);
void init_elementwise_ops(pybind11::module_& m, TensorClass& cls);
void init_reduce_ops(pybind11::module_& m, TensorClass& cls);
void init_indexing_ops(pybind11::module_& m, TensorClass& cls);
void init_shape_ops(pybind11::module_& m, TensorClass& cls);
void init_linalg_ops(pybind11::module_& m, TensorClass& cls);
void init_optim_ops(pybind11::module_& m);
void init_dlpack(pybind11::module_& m, TensorClass& cls);
void init_random_ops(pybind11::module_& m, TensorClass& cls);
void init_conv_ops(pybind11::module_& m, TensorClass& cls);
void init_resample_ops(pybind11::module_& m);
void init_norm_ops(pybind11::module_& m);
void init_loss_ops(pybind11::module_& m);
void init_parallel(pybind11::module_& m);
void init_sort_count_ops(pybind11::module_& m, TensorClass& cls);

/// Binds fn both as ember.<name>(...) and as the Tensor method <name>(...).
template <typename Fn, typename... Extra>
void def_function_and_method(pybind11::module_& m, TensorClass& cls, const char* name, Fn&& fn,
                             const Extra&... extra) {
  m.def(name, fn, pybind11::arg("input"), extra...);
  cls.def(name, fn, extra...);
}

/// A Python value taking part in an op as a tensor: a Tensor, or a number wrapped as a 0-d
/// tensor that promotes like a number. Anything else is a TypeError naming the op.
Tensor as_operand(pybind11::handle value, const Tensor& like, const char* op);

}  // namespace ember::python
