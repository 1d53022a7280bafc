// Elementwise ops: arithmetic operators (plain, reflected, in-place), comparisons, math functions.
#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

namespace {

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

// Binds the three operator forms of a binary op: a OP b, b OP a (reflected), a OP= b.
void def_operator(TensorClass& cls, const char* name, const char* rname, BinaryFn fn) {
  cls.def(name, [fn, name](const Tensor& a, py::handle b) { return fn(a, as_operand(b, a, name)); }, py::is_operator());
  if (rname)
    cls.def(rname, [fn, name](const Tensor& a, py::handle b) { return fn(as_operand(b, a, name), a); }, py::is_operator());
}

Tensor add_fn(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor sub_fn(const Tensor& a, const Tensor& b) { return sub(a, b); }

}  // namespace

void init_elementwise_ops(py::module_& m, TensorClass& cls) {
  def_operator(cls, "__add__", "__radd__", &add_fn);
  def_operator(cls, "__sub__", "__rsub__", &sub_fn);
  def_operator(cls, "__mul__", "__rmul__", &mul);
  def_operator(cls, "__truediv__", "__rtruediv__", &div);
  def_operator(cls, "__eq__", nullptr, &eq);
  def_operator(cls, "__ne__", nullptr, &ne);
  def_operator(cls, "__lt__", nullptr, &lt);
  def_operator(cls, "__le__", nullptr, &le);
  def_operator(cls, "__gt__", nullptr, &gt);
  def_operator(cls, "__ge__", nullptr, &ge);
  cls.def("__neg__", &neg);
  cls.attr("__hash__") = py::module_::import("builtins").attr("object").attr("__hash__");

  cls.def("__iadd__", [](Tensor& a, py::handle b) { return add_(a, as_operand(b, a, "add_")); }, py::is_operator());
  cls.def("__isub__", [](Tensor& a, py::handle b) { return sub_(a, as_operand(b, a, "sub_")); }, py::is_operator());
  cls.def("__imul__", [](Tensor& a, py::handle b) { return mul_(a, as_operand(b, a, "mul_")); }, py::is_operator());
  cls.def("__itruediv__", [](Tensor& a, py::handle b) { return div_(a, as_operand(b, a, "div_")); }, py::is_operator());

  auto binary = [&](const char* name, BinaryFn fn) {
    auto f = [fn, name](const Tensor& a, py::handle b) { return fn(a, as_operand(b, a, name)); };
    m.def(name, f, py::arg("input"), py::arg("other"));
    cls.def(name, f, py::arg("other"));
  };
  m.def("add", [](const Tensor& a, py::handle b, const Scalar& alpha) { return add(a, as_operand(b, a, "add"), alpha); },
        py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("add", [](const Tensor& a, py::handle b, const Scalar& alpha) { return add(a, as_operand(b, a, "add"), alpha); },
          py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  m.def("sub", [](const Tensor& a, py::handle b, const Scalar& alpha) { return sub(a, as_operand(b, a, "sub"), alpha); },
        py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("sub", [](const Tensor& a, py::handle b, const Scalar& alpha) { return sub(a, as_operand(b, a, "sub"), alpha); },
          py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("add_", [](Tensor& a, py::handle b, const Scalar& alpha) { return add_(a, as_operand(b, a, "add_"), alpha); },
          py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("sub_", [](Tensor& a, py::handle b, const Scalar& alpha) { return sub_(a, as_operand(b, a, "sub_"), alpha); },
          py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("mul_", [](Tensor& a, py::handle b) { return mul_(a, as_operand(b, a, "mul_")); }, py::arg("other"));
  cls.def("div_", [](Tensor& a, py::handle b) { return div_(a, as_operand(b, a, "div_")); }, py::arg("other"));
  binary("mul", &mul);
  binary("multiply", &mul);
  binary("div", &div);
  binary("true_divide", &div);
  binary("eq", &eq);
  binary("ne", &ne);
  binary("lt", &lt);
  binary("le", &le);
  binary("gt", &gt);
  binary("ge", &ge);

  def_function_and_method(m, cls, "neg", &neg);
  def_function_and_method(m, cls, "exp", &exp);
  def_function_and_method(m, cls, "log", &log);
  def_function_and_method(m, cls, "sqrt", &sqrt);
  def_function_and_method(m, cls, "abs", &abs);
  def_function_and_method(m, cls, "tanh", &tanh);
  def_function_and_method(m, cls, "sigmoid", &sigmoid);
  def_function_and_method(m, cls, "relu", &relu);
}

}  // namespace ember::python
