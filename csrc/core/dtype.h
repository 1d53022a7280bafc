#pragma once
// Element types and PyTorch's type-promotion rules.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"

namespace ember {

/// Element types, ordered so that promotion of two types is their maximum (PyTorch's lattice
/// restricted to these six: bool < uint8 < int32 < int64 < float32 < float64).
enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float32, Float64 };
constexpr int kNumDTypes = 6;

constexpr size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8: return 1;
    case DType::Int32:
    case DType::Float32: return 4;
    default: return 8;
  }
}
constexpr bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }
constexpr bool is_integral(DType t, bool include_bool) {
  return (t != DType::Bool || include_bool) && !is_floating(t);
}
/// PyTorch's short name: "float32", "int64", "bool", ...
const char* dtype_name(DType t);
/// PyTorch's ScalarType name ("Float", "Long", ...), as its error messages often spell dtypes.
const char* scalar_type_name(DType t);

/// The kinds a value can be of, for promotion with Python scalars: bool < integer < floating.
enum class Category : uint8_t { Bool, Integer, Floating };
constexpr Category category(DType t) {
  return t == DType::Bool ? Category::Bool : is_floating(t) ? Category::Floating : Category::Integer;
}
constexpr DType promote_types(DType a, DType b) { return a > b ? a : b; }

/// The dtype new floating tensors get (ember.set_default_dtype changes it).
DType default_dtype();
void set_default_dtype(DType t);

template <typename T> struct TypeTag { using type = T; };
template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }

/// Calls f(TypeTag<T>{}) with the C++ type of `t`: the one switch an op makes per call, never per
/// element. `op` names the caller in the error for an unsupported type.
template <typename F>
decltype(auto) dispatch_all(DType t, F&& f) {
  switch (t) {
    case DType::Bool: return f(TypeTag<bool>{});
    case DType::UInt8: return f(TypeTag<uint8_t>{});
    case DType::Int32: return f(TypeTag<int32_t>{});
    case DType::Int64: return f(TypeTag<int64_t>{});
    case DType::Float32: return f(TypeTag<float>{});
    default: return f(TypeTag<double>{});
  }
}
/// Like dispatch_all for the numeric types (no bool).
template <typename F>
decltype(auto) dispatch_numeric(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::UInt8: return f(TypeTag<uint8_t>{});
    case DType::Int32: return f(TypeTag<int32_t>{});
    case DType::Int64: return f(TypeTag<int64_t>{});
    case DType::Float32: return f(TypeTag<float>{});
    case DType::Float64: return f(TypeTag<double>{});
    default: throw TypeError(str("[", op, "] not supported for dtype ", dtype_name(t)));
  }
}
template <typename F>
decltype(auto) dispatch_floating(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::Float32: return f(TypeTag<float>{});
    case DType::Float64: return f(TypeTag<double>{});
    default:
      throw TypeError(str("[", op, "] expected a floating point tensor, got ", dtype_name(t)));
  }
}

/// A Python number: bool, int or float, kept exactly until an op decides the dtype.
class Scalar {
 public:
  Scalar() : kind_(Category::Integer), i_(0) {}
  Scalar(bool v) : kind_(Category::Bool), i_(v) {}
  Scalar(int v) : kind_(Category::Integer), i_(v) {}
  Scalar(int64_t v) : kind_(Category::Integer), i_(v) {}
  Scalar(double v) : kind_(Category::Floating), d_(v) {}
  Category kind() const { return kind_; }
  bool is_floating() const { return kind_ == Category::Floating; }
  template <typename T>
  T to() const {
    return kind_ == Category::Floating ? static_cast<T>(d_) : static_cast<T>(i_);
  }
  double to_double() const { return to<double>(); }
  /// The dtype a tensor made from this number alone gets.
  DType natural_dtype() const {
    return kind_ == Category::Bool ? DType::Bool
           : kind_ == Category::Integer ? DType::Int64 : default_dtype();
  }

 private:
  Category kind_;
  union {
    int64_t i_;
    double d_;
  };
};

}  // namespace ember
