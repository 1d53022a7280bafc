#pragma once
// How Python values become ember's C++ types at the binding boundary: Tensor (bound directly as
// TensorImpl with the intrusive Tensor handle as holder, so a C++ tensor maps to one Python object),
// DType and Device singletons, Shape (an int or a sequence of ints), Scalar (bool/int/float).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "core/tensor.h"

namespace ember::python {

/// The Python object of each dtype (ember.float32, ...), created once by init_dtypes.
pybind11::object dtype_object(DType t);
/// True for ember.dtype objects; sets *out.
bool dtype_from_object(pybind11::handle h, DType* out);
/// Reads a shape from (2, 3), [2, 3], ember.Size, or the varargs form f(2, 3).
Shape shape_from_args(const pybind11::args& args, const char* op);

}  // namespace ember::python

namespace pybind11::detail {

template <>
struct always_construct_holder<ember::Tensor> : always_construct_holder_value<true> {};
template <>
class type_caster<ember::Tensor> : public type_caster_holder<ember::TensorImpl, ember::Tensor> {};

template <>
struct type_caster<ember::DType> {
  PYBIND11_TYPE_CASTER(ember::DType, const_name("ember.dtype"));
  bool load(handle src, bool) { return ember::python::dtype_from_object(src, &value); }
  static handle cast(ember::DType t, return_value_policy, handle) {
    return ember::python::dtype_object(t).release();
  }
};

template <>
struct type_caster<ember::Device> {
  PYBIND11_TYPE_CASTER(ember::Device, const_name("ember.device"));
  bool load(handle src, bool);
  static handle cast(ember::Device d, return_value_policy, handle);
};

template <>
struct type_caster<ember::Shape> {
  PYBIND11_TYPE_CASTER(ember::Shape, const_name("Sequence[int]"));
  bool load(handle src, bool);
  static handle cast(const ember::Shape& s, return_value_policy, handle);
};

template <>
struct type_caster<ember::Scalar> {
  PYBIND11_TYPE_CASTER(ember::Scalar, const_name("Number"));
  bool load(handle src, bool);
  static handle cast(const ember::Scalar& s, return_value_policy, handle);
};

}  // namespace pybind11::detail
