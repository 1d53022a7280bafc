// Linear algebra: matrix products (also the @ operator), linear, einsum and friends.
#include "ops/decompositions.h"
#include "ops/linalg.h"
#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

namespace {

// torch.tensordot's dims: an int, or a pair of dim lists (or of single dims).
Tensor tensordot_fn(const Tensor& a, const Tensor& b, py::handle dims) {
  if (PyLong_Check(dims.ptr())) return tensordot(a, b, dims.cast<int64_t>());
  EMBER_CHECK_TYPE(PySequence_Check(dims.ptr()) && py::len(dims) == 2,
                   "tensordot expects dims to be an int or a pair of lists of ints");
  py::sequence pair = py::reinterpret_borrow<py::sequence>(dims);
  return tensordot(a, b, pair[0].cast<Shape>(), pair[1].cast<Shape>());
}

// torch.einsum(eq, a, b) and torch.einsum(eq, [a, b]).
Tensor einsum_fn(const std::string& equation, py::args args) {
  TensorList operands;
  if (args.size() == 1 && !py::isinstance<TensorImpl>(args[0])) {
    for (py::handle h : args[0]) operands.push_back(h.cast<Tensor>());
  } else {
    for (py::handle h : args) operands.push_back(h.cast<Tensor>());
  }
  return einsum(equation, operands);
}

}  // namespace

void init_linalg_ops(py::module_& m, TensorClass& cls) {
  cls.def("__matmul__", [](const Tensor& a, const Tensor& b) { return matmul(a, b); }, py::is_operator());
  cls.def("__rmatmul__", [](const Tensor& a, const Tensor& b) { return matmul(b, a); }, py::is_operator());
  def_function_and_method(m, cls, "matmul", &matmul, py::arg("other"));
  def_function_and_method(m, cls, "mm", &mm, py::arg("mat2"));
  def_function_and_method(m, cls, "bmm", &bmm, py::arg("mat2"));
  def_function_and_method(m, cls, "mv", &mv, py::arg("vec"));
  def_function_and_method(m, cls, "dot", &dot, py::arg("tensor"));
  def_function_and_method(m, cls, "vdot", &dot, py::arg("other"));
  def_function_and_method(m, cls, "outer", &outer, py::arg("vec2"));
  def_function_and_method(m, cls, "ger", &outer, py::arg("vec2"));
  def_function_and_method(m, cls, "addmm", &addmm, py::arg("mat1"), py::arg("mat2"), py::kw_only(),
                          py::arg("beta") = 1, py::arg("alpha") = 1);
  def_function_and_method(m, cls, "addmv", &addmv, py::arg("mat"), py::arg("vec"), py::kw_only(),
                          py::arg("beta") = 1, py::arg("alpha") = 1);
  def_function_and_method(m, cls, "baddbmm", &baddbmm, py::arg("batch1"), py::arg("batch2"),
                          py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  def_function_and_method(m, cls, "addbmm", &addbmm, py::arg("batch1"), py::arg("batch2"),
                          py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  def_function_and_method(m, cls, "trace", &trace);
  def_function_and_method(m, cls, "kron", &kron, py::arg("other"));
  m.def("linear", [](const Tensor& input, const Tensor& weight, std::optional<Tensor> bias) {
    return linear(input, weight, bias ? *bias : Tensor());
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  m.def("tensordot", &tensordot_fn, py::arg("a"), py::arg("b"), py::arg("dims") = 2);
  m.def("einsum", &einsum_fn, py::arg("equation"));
  // Raw (unrecorded) decompositions that ember.linalg builds its differentiable ops from.
  m.def("_linalg_lu_factor", [](const Tensor& a, const char* op) { return lu_factor_raw(a, op); });
  m.def("_linalg_lu_solve", &lu_solve_raw);
  m.def("_linalg_cholesky", [](const Tensor& a, const char* op) { return cholesky_raw(a, op); });
  m.def("_linalg_triangular_solve", &triangular_solve_raw);
  m.def("_linalg_svd", &svd_raw);
  m.def("_linalg_symmetric_eigen", [](const Tensor& a, const char* op) { return symmetric_eigen_raw(a, op); });
}

}  // namespace ember::python
