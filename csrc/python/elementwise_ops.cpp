// Elementwise ops: arithmetic operators (plain, reflected, in-place), comparisons, math functions,
// their in-place forms, clamp/where/lerp. Python numbers become 0-d "wrapped number" tensors that
// promote like numbers (as_operand).
#include <cstring>

#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

namespace {

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
using UnaryFn = Tensor (*)(const Tensor&);

bool is_operand(py::handle v) {
  if (py::isinstance<TensorImpl>(v)) return true;
  py::detail::make_caster<Scalar> scalar;
  return scalar.load(v, false);
}

/// A number alone (no tensor to promote with) as a wrapped 0-d tensor of its natural dtype.
Tensor number_operand(py::handle v, const char* op) {
  if (py::isinstance<TensorImpl>(v)) return v.cast<Tensor>();
  py::detail::make_caster<Scalar> scalar;
  EMBER_CHECK_TYPE(scalar.load(v, false), op, "(): expected a Tensor or Number, got ", Py_TYPE(v.ptr())->tp_name);
  Scalar s = py::detail::cast_op<Scalar>(scalar);
  return wrap_scalar(s, s.natural_dtype());
}

/// The two operands of a function whose input may also be a number (torch.remainder(-7, t)).
std::pair<Tensor, Tensor> operands(py::handle a, py::handle b, const char* op) {
  if (py::isinstance<TensorImpl>(a)) {
    Tensor ta = a.cast<Tensor>();
    return {ta, as_operand(b, ta, op)};
  }
  EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(b), op, "(): argument 'input' must be Tensor, not ",
                   Py_TYPE(a.ptr())->tp_name);
  Tensor tb = b.cast<Tensor>();
  return {as_operand(a, tb, op), tb};
}

/// A clamp bound: None, a Tensor, or a number promoting with `like`.
Tensor bound(py::handle v, const Tensor& like) {
  return v.is_none() ? Tensor() : as_operand(v, like, "clamp");
}

// a OP b, b OP a (reflected) and a OP= b. Anything that is not a tensor or number gives
// NotImplemented, so Python falls back (t == None is False; t + "x" is Python's TypeError).
template <typename Fn>
void def_operator(TensorClass& cls, const char* name, const char* rname, Fn fn) {
  cls.def(name, [fn, name](const Tensor& a, py::handle b) -> py::object {
    if (!is_operand(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(fn(a, as_operand(b, a, name)));
  }, py::is_operator());
  if (rname)
    cls.def(rname, [fn, name](const Tensor& a, py::handle b) -> py::object {
      if (!is_operand(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
      return py::cast(fn(as_operand(b, a, name), a));
    }, py::is_operator());
}

template <typename Fn>
void def_inplace_operator(TensorClass& cls, const char* iname, Fn fn) {
  cls.def(iname, [fn, iname](Tensor& a, py::handle b) -> py::object {
    if (!is_operand(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(fn(a, as_operand(b, a, iname)));
  }, py::is_operator());
}

/// ember.f(input, other) (input may be a number) and Tensor.f(other).
void def_binary(py::module_& m, TensorClass& cls, const char* name, BinaryFn fn) {
  m.def(name, [fn, name](py::handle a, py::handle b) {
    auto [x, y] = operands(a, b, name);
    return fn(x, y);
  }, py::arg("input"), py::arg("other"));
  cls.def(name, [fn, name](const Tensor& a, py::handle b) { return fn(a, as_operand(b, a, name)); }, py::arg("other"));
}

using InplaceBinaryFn = Tensor& (*)(Tensor&, const Tensor&);
void def_binary_inplace(TensorClass& cls, const char* name, InplaceBinaryFn fn) {
  cls.def(name, [fn, name](Tensor& a, py::handle b) { return fn(a, as_operand(b, a, name)); }, py::arg("other"));
}

Tensor pow_any(const Tensor& a, py::handle e) {
  if (!py::isinstance<TensorImpl>(e)) {
    py::detail::make_caster<Scalar> scalar;
    EMBER_CHECK_TYPE(scalar.load(e, false), "pow(): argument 'exponent' must be Tensor or Number, not ",
                     Py_TYPE(e.ptr())->tp_name);
    return pow(a, py::detail::cast_op<Scalar>(scalar));
  }
  return pow(a, e.cast<Tensor>());
}

Tensor& pow_inplace_any(Tensor& a, py::handle e) {
  if (!py::isinstance<TensorImpl>(e)) {
    py::detail::make_caster<Scalar> scalar;
    EMBER_CHECK_TYPE(scalar.load(e, false), "pow_(): argument 'exponent' must be Tensor or Number, not ",
                     Py_TYPE(e.ptr())->tp_name);
    return pow_(a, py::detail::cast_op<Scalar>(scalar));
  }
  return pow_(a, e.cast<Tensor>());
}

Tensor div_mode(const Tensor& a, const Tensor& b, const std::optional<std::string>& mode) {
  return mode ? div(a, b, *mode) : div(a, b);
}
Tensor& div_mode_(Tensor& a, const Tensor& b, const std::optional<std::string>& mode) {
  return mode ? div_(a, b, *mode) : div_(a, b);
}

void def_arithmetic(py::module_& m, TensorClass& cls) {
  for (const char* name : {"add", "sub", "subtract"}) {
    bool is_add = name[0] == 'a';
    m.def(name, [is_add, name](py::handle a, py::handle b, const Scalar& alpha) {
      auto [x, y] = operands(a, b, name);
      return is_add ? add(x, y, alpha) : sub(x, y, alpha);
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
    cls.def(name, [is_add, name](const Tensor& a, py::handle b, const Scalar& alpha) {
      Tensor y = as_operand(b, a, name);
      return is_add ? add(a, y, alpha) : sub(a, y, alpha);
    }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
    std::string iname = std::string(name) + "_";
    cls.def(iname.c_str(), [is_add, name](Tensor& a, py::handle b, const Scalar& alpha) {
      Tensor y = as_operand(b, a, name);
      return is_add ? add_(a, y, alpha) : sub_(a, y, alpha);
    }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  }
  for (const char* name : {"div", "divide"}) {
    m.def(name, [name](py::handle a, py::handle b, std::optional<std::string> mode) {
      auto [x, y] = operands(a, b, name);
      return div_mode(x, y, mode);
    }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
    cls.def(name, [name](const Tensor& a, py::handle b, std::optional<std::string> mode) {
      return div_mode(a, as_operand(b, a, name), mode);
    }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
    std::string iname = std::string(name) + "_";
    cls.def(iname.c_str(), [name](Tensor& a, py::handle b, std::optional<std::string> mode) {
      return div_mode_(a, as_operand(b, a, name), mode);
    }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  }
  m.def("pow", [](py::handle a, py::handle e) -> Tensor {
    if (py::isinstance<TensorImpl>(a)) return pow_any(a.cast<Tensor>(), e);
    Tensor te = e.cast<Tensor>();
    return pow(py::cast<Scalar>(a), te);
  }, py::arg("input"), py::arg("exponent"));
  cls.def("pow", &pow_any, py::arg("exponent"));
  cls.def("pow_", &pow_inplace_any, py::arg("exponent"));

  static const std::pair<const char*, BinaryFn> binaries[] = {
      {"mul", &mul}, {"multiply", &mul}, {"true_divide", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
      {"floor_divide", &floor_divide}, {"remainder", &remainder}, {"fmod", &fmod},
      {"maximum", &maximum}, {"minimum", &minimum}, {"fmax", &fmax}, {"fmin", &fmin},
      {"atan2", &atan2}, {"arctan2", &atan2}, {"eq", &eq}, {"ne", &ne}, {"not_equal", &ne},
      {"lt", &lt}, {"less", &lt}, {"le", &le}, {"less_equal", &le}, {"gt", &gt}, {"greater", &gt},
      {"ge", &ge}, {"greater_equal", &ge}, {"logical_and", &logical_and}, {"logical_or", &logical_or},
      {"logical_xor", &logical_xor}, {"bitwise_and", &bitwise_and}, {"bitwise_or", &bitwise_or},
      {"bitwise_xor", &bitwise_xor}};
  for (const auto& [name, fn] : binaries) def_binary(m, cls, name, fn);

  static const std::pair<const char*, InplaceBinaryFn> inplace_binaries[] = {
      {"mul_", &mul_}, {"multiply_", &mul_}, {"true_divide_", [](Tensor& a, const Tensor& b) -> Tensor& { return div_(a, b); }},
      {"floor_divide_", &floor_divide_}, {"remainder_", &remainder_}, {"fmod_", &fmod_},
      {"atan2_", &atan2_}, {"arctan2_", &atan2_}, {"bitwise_and_", &bitwise_and_},
      {"bitwise_or_", &bitwise_or_}, {"bitwise_xor_", &bitwise_xor_}};
  for (const auto& [name, fn] : inplace_binaries) def_binary_inplace(cls, name, fn);
}

void def_operators(TensorClass& cls) {
  auto add_fn = [](const Tensor& a, const Tensor& b) { return add(a, b); };
  auto sub_fn = [](const Tensor& a, const Tensor& b) { return sub(a, b); };
  auto div_fn = [](const Tensor& a, const Tensor& b) { return div(a, b); };
  auto pow_fn = [](const Tensor& a, const Tensor& b) {
    // t ** 2 takes the scalar overload: its checks and its fast exponents.
    if (b->wrapped_number) {
      Scalar e = dispatch_all(b.dtype(), [&](auto tag) -> Scalar {
        using T = typename decltype(tag)::type;
        T v = *b.data<T>();
        if constexpr (std::is_floating_point_v<T>) return Scalar(double(v));
        else if constexpr (std::is_same_v<T, bool>) return Scalar(v);
        else return Scalar(int64_t(v));
      });
      return pow(a, e);
    }
    return pow(a, b);
  };
  def_operator(cls, "__add__", "__radd__", add_fn);
  def_operator(cls, "__sub__", "__rsub__", sub_fn);
  def_operator(cls, "__mul__", "__rmul__", static_cast<BinaryFn>(&mul));
  def_operator(cls, "__truediv__", "__rtruediv__", div_fn);
  def_operator(cls, "__floordiv__", "__rfloordiv__", &floor_divide);
  def_operator(cls, "__mod__", "__rmod__", &remainder);
  def_operator(cls, "__pow__", nullptr, pow_fn);
  def_operator(cls, "__rpow__", nullptr, [](const Tensor& e, const Tensor& base) { return pow(base, e); });
  def_operator(cls, "__and__", "__rand__", &bitwise_and);
  def_operator(cls, "__or__", "__ror__", &bitwise_or);
  def_operator(cls, "__xor__", "__rxor__", &bitwise_xor);
  def_operator(cls, "__eq__", nullptr, &eq);
  def_operator(cls, "__ne__", nullptr, &ne);
  def_operator(cls, "__lt__", nullptr, &lt);
  def_operator(cls, "__le__", nullptr, &le);
  def_operator(cls, "__gt__", nullptr, &gt);
  def_operator(cls, "__ge__", nullptr, &ge);
  cls.attr("__hash__") = py::module_::import("builtins").attr("object").attr("__hash__");

  def_inplace_operator(cls, "__iadd__", [](Tensor& a, const Tensor& b) -> Tensor& { return add_(a, b); });
  def_inplace_operator(cls, "__isub__", [](Tensor& a, const Tensor& b) -> Tensor& { return sub_(a, b); });
  def_inplace_operator(cls, "__imul__", &mul_);
  def_inplace_operator(cls, "__itruediv__", [](Tensor& a, const Tensor& b) -> Tensor& { return div_(a, b); });
  def_inplace_operator(cls, "__ifloordiv__", &floor_divide_);
  def_inplace_operator(cls, "__imod__", &remainder_);
  def_inplace_operator(cls, "__iand__", &bitwise_and_);
  def_inplace_operator(cls, "__ior__", &bitwise_or_);
  def_inplace_operator(cls, "__ixor__", &bitwise_xor_);
  cls.def("__ipow__", [](Tensor& a, py::handle e) -> py::object {
    if (!is_operand(e)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(pow_inplace_any(a, e));
  }, py::is_operator());

  cls.def("__neg__", &neg);
  cls.def("__abs__", &abs);
  cls.def("__invert__", &bitwise_not);
  cls.def("__pos__", [](const Tensor& a) {
    EMBER_CHECK(a.dtype() != DType::Bool, "The `+` operator, on a bool tensor is not supported.");
    return a;
  });
}

void def_unary(py::module_& m, TensorClass& cls) {
  static const std::pair<const char*, UnaryFn> unaries[] = {
      {"neg", &neg}, {"negative", &neg}, {"exp", &exp}, {"exp2", &exp2}, {"log", &log},
      {"log2", &log2}, {"log10", &log10}, {"log1p", &log1p}, {"expm1", &expm1}, {"sqrt", &sqrt},
      {"rsqrt", &rsqrt}, {"abs", &abs}, {"absolute", &abs}, {"sign", &sign}, {"sin", &sin},
      {"cos", &cos}, {"tan", &tan}, {"asin", &asin}, {"arcsin", &asin}, {"acos", &acos},
      {"arccos", &acos}, {"atan", &atan}, {"arctan", &atan}, {"sinh", &sinh}, {"cosh", &cosh},
      {"tanh", &tanh}, {"sigmoid", &sigmoid}, {"relu", &relu}, {"erf", &erf}, {"erfc", &erfc},
      {"erfinv", &erfinv},
      {"floor", &floor}, {"ceil", &ceil}, {"trunc", &trunc}, {"fix", &trunc}, {"frac", &frac},
      {"reciprocal", &reciprocal}, {"square", &square}, {"bitwise_not", &bitwise_not},
      {"logical_not", &logical_not}, {"isnan", &isnan}, {"isinf", &isinf}, {"isfinite", &isfinite}};
  for (const auto& [name, fn] : unaries) def_function_and_method(m, cls, name, fn);

  static const std::pair<const char*, UnaryOp> inplace_unaries[] = {
      {"neg_", UnaryOp::Neg}, {"negative_", UnaryOp::Neg}, {"exp_", UnaryOp::Exp},
      {"exp2_", UnaryOp::Exp2}, {"log_", UnaryOp::Log}, {"log2_", UnaryOp::Log2},
      {"log10_", UnaryOp::Log10}, {"log1p_", UnaryOp::Log1p}, {"expm1_", UnaryOp::Expm1},
      {"sqrt_", UnaryOp::Sqrt}, {"rsqrt_", UnaryOp::Rsqrt}, {"abs_", UnaryOp::Abs},
      {"absolute_", UnaryOp::Abs}, {"sign_", UnaryOp::Sign}, {"sin_", UnaryOp::Sin},
      {"cos_", UnaryOp::Cos}, {"tan_", UnaryOp::Tan}, {"asin_", UnaryOp::Asin},
      {"arcsin_", UnaryOp::Asin}, {"acos_", UnaryOp::Acos}, {"arccos_", UnaryOp::Acos},
      {"atan_", UnaryOp::Atan}, {"arctan_", UnaryOp::Atan}, {"sinh_", UnaryOp::Sinh},
      {"cosh_", UnaryOp::Cosh}, {"tanh_", UnaryOp::Tanh}, {"sigmoid_", UnaryOp::Sigmoid},
      {"relu_", UnaryOp::Relu}, {"erf_", UnaryOp::Erf}, {"erfc_", UnaryOp::Erfc},
      {"erfinv_", UnaryOp::Erfinv},
      {"floor_", UnaryOp::Floor}, {"ceil_", UnaryOp::Ceil}, {"trunc_", UnaryOp::Trunc},
      {"fix_", UnaryOp::Trunc}, {"frac_", UnaryOp::Frac}, {"reciprocal_", UnaryOp::Reciprocal},
      {"square_", UnaryOp::Square}, {"bitwise_not_", UnaryOp::BitwiseNot},
      {"logical_not_", UnaryOp::LogicalNot}};
  for (const auto& [name, op] : inplace_unaries) {
    UnaryOp o = op;
    def_function_and_method(m, cls, name, [o](Tensor& a) -> Tensor& { return unary_inplace(a, o); });
  }

  def_function_and_method(m, cls, "round", [](const Tensor& a, int64_t decimals) { return round(a, decimals); },
                          py::kw_only(), py::arg("decimals") = 0);
  def_function_and_method(m, cls, "round_", [](Tensor& a, int64_t decimals) -> Tensor& {
    return unary_inplace(a, UnaryOp::Round, UnaryArgs{double(decimals)});
  }, py::kw_only(), py::arg("decimals") = 0);
  def_function_and_method(m, cls, "nan_to_num",
                          [](const Tensor& a, double nan, std::optional<double> posinf, std::optional<double> neginf) {
                            return nan_to_num(a, nan, posinf, neginf);
                          }, py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  def_function_and_method(m, cls, "nan_to_num_",
                          [](Tensor& a, double nan, std::optional<double> posinf, std::optional<double> neginf) -> Tensor& {
                            double big = a.dtype() == DType::Float32 ? std::numeric_limits<float>::max()
                                                                     : std::numeric_limits<double>::max();
                            return unary_inplace(a, UnaryOp::NanToNum, UnaryArgs{nan, posinf.value_or(big), neginf.value_or(-big)});
                          }, py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  // Activations PyTorch keeps in torch.nn.functional; ember.nn.functional re-exports them.
  m.def("gelu", [](const Tensor& a, const std::string& approximate) { return gelu(a, approximate); },
        py::arg("input"), py::arg("approximate") = "none");
  m.def("silu", [](const Tensor& a) { return silu(a); }, py::arg("input"));
  m.def("softplus", [](const Tensor& a, const Scalar& beta, const Scalar& threshold) { return softplus(a, beta, threshold); },
        py::arg("input"), py::arg("beta") = 1, py::arg("threshold") = 20);
}

void def_ternary(py::module_& m, TensorClass& cls) {
  for (const char* name : {"clamp", "clip"}) {
    def_function_and_method(m, cls, name, [](const Tensor& a, py::handle lo, py::handle hi) {
      return clamp(a, bound(lo, a), bound(hi, a));
    }, py::arg("min") = py::none(), py::arg("max") = py::none());
    std::string iname = std::string(name) + "_";
    def_function_and_method(m, cls, iname.c_str(), [](Tensor& a, py::handle lo, py::handle hi) -> Tensor& {
      return clamp_(a, bound(lo, a), bound(hi, a));
    }, py::arg("min") = py::none(), py::arg("max") = py::none());
  }
  def_function_and_method(m, cls, "clamp_min", [](const Tensor& a, py::handle lo) { return clamp_min(a, as_operand(lo, a, "clamp_min")); }, py::arg("min"));
  def_function_and_method(m, cls, "clamp_max", [](const Tensor& a, py::handle hi) { return clamp_max(a, as_operand(hi, a, "clamp_max")); }, py::arg("max"));
  def_function_and_method(m, cls, "clamp_min_", [](Tensor& a, py::handle lo) -> Tensor& { return clamp_(a, as_operand(lo, a, "clamp_min_"), Tensor()); }, py::arg("min"));
  def_function_and_method(m, cls, "clamp_max_", [](Tensor& a, py::handle hi) -> Tensor& { return clamp_(a, Tensor(), as_operand(hi, a, "clamp_max_")); }, py::arg("max"));

  auto where_fn = [](const Tensor& cond, py::handle a, py::handle b) {
    return where(cond, number_operand(a, "where"), number_operand(b, "where"));
  };
  m.def("where", where_fn, py::arg("condition"), py::arg("input"), py::arg("other"));
  cls.def("where", [where_fn](const Tensor& self, const Tensor& cond, py::handle other) {
    return where_fn(cond, py::cast(self), other);
  }, py::arg("condition"), py::arg("other"));

  auto weight = [](const Tensor& start, py::handle w) {
    return py::isinstance<TensorImpl>(w) ? w.cast<Tensor>() : wrap_scalar(py::cast<Scalar>(w), start.dtype(), start.device());
  };
  def_function_and_method(m, cls, "lerp", [weight](const Tensor& a, const Tensor& end, py::handle w) {
    return lerp(a, end, weight(a, w));
  }, py::arg("end"), py::arg("weight"));
  def_function_and_method(m, cls, "lerp_", [weight](Tensor& a, const Tensor& end, py::handle w) -> Tensor& {
    return lerp_(a, end, weight(a, w));
  }, py::arg("end"), py::arg("weight"));

  def_function_and_method(m, cls, "addcmul", [](const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) {
    return addcmul(a, t1, t2, value);
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  def_function_and_method(m, cls, "addcdiv", [](const Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) {
    return addcdiv(a, t1, t2, value);
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  cls.def("addcmul_", [](Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) -> Tensor& {
    return addcmul_(a, t1, t2, value);
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  cls.def("addcdiv_", [](Tensor& a, const Tensor& t1, const Tensor& t2, const Scalar& value) -> Tensor& {
    return addcdiv_(a, t1, t2, value);
  }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
}

/// The special functions and the rest of PyTorch's elementwise math. Names only torch.special has
/// are bound as _special_<name>, for ember.special to pick up.
void def_special_math(py::module_& m, TensorClass& cls) {
  static const std::pair<const char*, UnaryFn> unaries[] = {
      {"asinh", &asinh}, {"arcsinh", &asinh}, {"acosh", &acosh}, {"arccosh", &acosh}, {"atanh", &atanh},
      {"arctanh", &atanh}, {"deg2rad", &deg2rad}, {"rad2deg", &rad2deg}, {"lgamma", &lgamma},
      {"digamma", &digamma}, {"i0", &i0}, {"sinc", &sinc}, {"sgn", &sign}, {"positive", &positive},
      {"signbit", &signbit}, {"isposinf", &isposinf}, {"isneginf", &isneginf}, {"isreal", &isreal},
      {"angle", &angle}};
  for (const auto& [name, fn] : unaries) def_function_and_method(m, cls, name, fn);
  static const std::pair<const char*, UnaryFn> special_unaries[] = {
      {"_special_i0e", &i0e}, {"_special_i1", &i1}, {"_special_i1e", &i1e}, {"_special_erfcx", &erfcx},
      {"_special_ndtr", &ndtr}, {"_special_ndtri", &ndtri}, {"_special_log_ndtr", &log_ndtr},
      {"_special_entr", &entr},
      {"_special_bessel_j0", &bessel_j0}, {"_special_bessel_j1", &bessel_j1},
      {"_special_bessel_y0", &bessel_y0}, {"_special_bessel_y1", &bessel_y1},
      {"_special_modified_bessel_k0", &modified_bessel_k0}, {"_special_modified_bessel_k1", &modified_bessel_k1},
      {"_special_scaled_modified_bessel_k0", &scaled_modified_bessel_k0}, {"_special_scaled_modified_bessel_k1", &scaled_modified_bessel_k1},
      {"_special_spherical_bessel_j0", &spherical_bessel_j0}, {"_special_airy_ai", &airy_ai}};
  for (const auto& [name, fn] : special_unaries) m.def(name, fn, py::arg("input"));

  static const std::pair<const char*, UnaryOp> inplace_unaries[] = {
      {"asinh_", UnaryOp::Asinh}, {"arcsinh_", UnaryOp::Asinh}, {"acosh_", UnaryOp::Acosh},
      {"arccosh_", UnaryOp::Acosh}, {"atanh_", UnaryOp::Atanh}, {"arctanh_", UnaryOp::Atanh},
      {"lgamma_", UnaryOp::Lgamma}, {"digamma_", UnaryOp::Digamma}, {"i0_", UnaryOp::I0},
      {"sinc_", UnaryOp::Sinc}, {"sgn_", UnaryOp::Sign}};
  for (const auto& [name, op] : inplace_unaries) {
    UnaryOp o = op;
    def_function_and_method(m, cls, name, [o](Tensor& a) -> Tensor& { return unary_inplace(a, o); });
  }
  // A Python float factor: an integer self is then the in-place error, as in PyTorch.
  def_function_and_method(m, cls, "deg2rad_", [](Tensor& a) -> Tensor& {
    return mul_(a, as_operand(py::float_(M_PI / 180), a, "deg2rad_"));
  });
  def_function_and_method(m, cls, "rad2deg_", [](Tensor& a) -> Tensor& {
    return mul_(a, as_operand(py::float_(180 / M_PI), a, "rad2deg_"));
  });

  m.def("polygamma", [](int64_t n, const Tensor& a) { return polygamma(n, a); }, py::arg("n"), py::arg("input"));
  cls.def("polygamma", [](const Tensor& a, int64_t n) { return polygamma(n, a); }, py::arg("n"));
  cls.def("polygamma_", [](Tensor& a, int64_t n) -> Tensor& { return polygamma_(a, n); }, py::arg("n"));
  def_function_and_method(m, cls, "mvlgamma", [](const Tensor& a, int64_t p) { return mvlgamma(a, p); }, py::arg("p"));
  cls.def("mvlgamma_", [](Tensor& a, int64_t p) -> Tensor& { return mvlgamma_(a, p); }, py::arg("p"));
  def_function_and_method(m, cls, "logit", [](const Tensor& a, std::optional<double> eps) { return logit(a, eps); },
                          py::arg("eps") = py::none());
  def_function_and_method(m, cls, "logit_", [](Tensor& a, std::optional<double> eps) -> Tensor& {
    return unary_inplace(a, UnaryOp::Logit, UnaryArgs{eps && *eps >= 0 ? *eps : -1});
  }, py::arg("eps") = py::none());
  def_function_and_method(m, cls, "frexp", [m](const Tensor& a) {
    py::module_ types = py::hasattr(m, "return_types") ? m.attr("return_types").cast<py::module_>()
                                                        : py::module_(m).def_submodule("return_types");
    if (!py::hasattr(types, "frexp")) {
      py::object nt = py::module_::import("collections").attr("namedtuple")("frexp", py::make_tuple("mantissa", "exponent"));
      nt.attr("__module__") = "ember.return_types";
      types.attr("frexp") = nt;
    }
    auto [mantissa, exponent] = frexp(a);
    return types.attr("frexp")(mantissa, exponent);
  });

  static const std::pair<const char*, BinaryFn> binaries[] = {
      {"hypot", &hypot}, {"logaddexp", &logaddexp}, {"logaddexp2", &logaddexp2}, {"xlogy", &xlogy},
      {"copysign", &copysign}, {"nextafter", &nextafter}, {"ldexp", &ldexp}, {"igamma", &igamma},
      {"igammac", &igammac}, {"gcd", &gcd}, {"lcm", &lcm}, {"bitwise_left_shift", &bitwise_left_shift},
      {"bitwise_right_shift", &bitwise_right_shift}};
  for (const auto& [name, fn] : binaries) def_binary(m, cls, name, fn);
  for (const auto& [name, fn] : {std::pair<const char*, BinaryFn>{"_special_xlog1py", &xlog1py},
                                 {"_special_zeta", &zeta}}) {
    m.def(name, [fn = fn, name = name](py::handle a, py::handle b) {
      auto [x, y] = operands(a, b, name);
      return fn(x, y);
    }, py::arg("input"), py::arg("other"));
  }
  // torch.special's polynomials take (input, n): either may be a number, not both.
  static const std::pair<const char*, BinaryFn> polynomials[] = {
      {"_special_chebyshev_polynomial_t", &chebyshev_polynomial_t},
      {"_special_chebyshev_polynomial_u", &chebyshev_polynomial_u},
      {"_special_chebyshev_polynomial_v", &chebyshev_polynomial_v},
      {"_special_chebyshev_polynomial_w", &chebyshev_polynomial_w},
      {"_special_shifted_chebyshev_polynomial_t", &shifted_chebyshev_polynomial_t},
      {"_special_shifted_chebyshev_polynomial_u", &shifted_chebyshev_polynomial_u},
      {"_special_shifted_chebyshev_polynomial_v", &shifted_chebyshev_polynomial_v},
      {"_special_shifted_chebyshev_polynomial_w", &shifted_chebyshev_polynomial_w},
      {"_special_hermite_polynomial_h", &hermite_polynomial_h},
      {"_special_hermite_polynomial_he", &hermite_polynomial_he},
      {"_special_laguerre_polynomial_l", &laguerre_polynomial_l},
      {"_special_legendre_polynomial_p", &legendre_polynomial_p},
  };
  for (const auto& [name, fn] : polynomials) {
    m.def(name, [fn = fn, name = name](py::handle x, py::handle n) {
      auto [input, degree] = operands(x, n, name + std::strlen("_special_"));
      return fn(input, degree);
    }, py::arg("input"), py::arg("n"));
  }
  m.def("heaviside", [](const Tensor& a, py::handle values) { return heaviside(a, as_operand(values, a, "heaviside")); },
        py::arg("input"), py::arg("values"));
  cls.def("heaviside", [](const Tensor& a, py::handle values) { return heaviside(a, as_operand(values, a, "heaviside")); },
          py::arg("values"));
  cls.def("heaviside_", [](Tensor& a, py::handle values) -> Tensor& { return heaviside_(a, as_operand(values, a, "heaviside_")); },
          py::arg("values"));

  static const std::pair<const char*, InplaceBinaryFn> inplace_binaries[] = {
      {"hypot_", &hypot_}, {"xlogy_", &xlogy_}, {"copysign_", &copysign_}, {"nextafter_", &nextafter_},
      {"ldexp_", &ldexp_}, {"igamma_", &igamma_}, {"igammac_", &igammac_}, {"gcd_", &gcd_}, {"lcm_", &lcm_},
      {"bitwise_left_shift_", &bitwise_left_shift_}, {"bitwise_right_shift_", &bitwise_right_shift_},
      {"eq_", &eq_}, {"ne_", &ne_}, {"not_equal_", &ne_}, {"lt_", &lt_}, {"less_", &lt_}, {"le_", &le_},
      {"less_equal_", &le_}, {"gt_", &gt_}, {"greater_", &gt_}, {"ge_", &ge_}, {"greater_equal_", &ge_},
      {"logical_and_", &logical_and_}, {"logical_or_", &logical_or_}, {"logical_xor_", &logical_xor_}};
  for (const auto& [name, fn] : inplace_binaries) def_binary_inplace(cls, name, fn);

  // float_power: float64 whatever the operands; a number exponent (or base) stays a number.
  auto float_power_any = [](py::handle a, py::handle e) -> Tensor {
    if (!py::isinstance<TensorImpl>(a)) return float_power(py::cast<Scalar>(a), e.cast<Tensor>());
    Tensor base = a.cast<Tensor>();
    if (py::isinstance<TensorImpl>(e)) return float_power(base, e.cast<Tensor>());
    py::detail::make_caster<Scalar> scalar;
    EMBER_CHECK_TYPE(scalar.load(e, false), "float_power(): argument 'exponent' must be Tensor or Number, not ",
                     Py_TYPE(e.ptr())->tp_name);
    return float_power(base, py::detail::cast_op<Scalar>(scalar));
  };
  m.def("float_power", float_power_any, py::arg("input"), py::arg("exponent"));
  cls.def("float_power", [float_power_any](const Tensor& a, py::handle e) { return float_power_any(py::cast(a), e); },
          py::arg("exponent"));
  cls.def("float_power_", [](Tensor& a, py::handle e) -> Tensor& {
    if (py::isinstance<TensorImpl>(e)) return float_power_(a, e.cast<Tensor>());
    return float_power_(a, py::cast<Scalar>(e));
  }, py::arg("exponent"));

  def_operator(cls, "__lshift__", "__rlshift__", &bitwise_left_shift);
  def_operator(cls, "__rshift__", "__rrshift__", &bitwise_right_shift);
  def_inplace_operator(cls, "__ilshift__", &bitwise_left_shift_);
  def_inplace_operator(cls, "__irshift__", &bitwise_right_shift_);
}

}  // namespace

void init_elementwise_ops(py::module_& m, TensorClass& cls) {
  def_operators(cls);
  def_arithmetic(m, cls);
  def_unary(m, cls);
  def_ternary(m, cls);
  def_special_math(m, cls);
}

}  // namespace ember::python
