// Reductions, scans and softmax.
#include <cmath>

#include "ops/ops.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

namespace {

/// dim=None (absent) or an int / sequence of ints.
std::optional<Shape> opt_dims(py::handle dim) {
  if (dim.is_none()) return std::nullopt;
  return dim.cast<Shape>();
}
Shape dims_arg(py::handle dim) { return dim.is_none() ? Shape{} : dim.cast<Shape>(); }

/// A PyTorch-style named result: ember.return_types.<name>(values=..., indices=...).
py::object named_pair(const char* name, const std::tuple<Tensor, Tensor>& r) {
  static py::dict& types = *new py::dict();  // leaked: must outlive the interpreter's teardown
  if (!types.contains(name)) {
    py::object type = py::module_::import("collections").attr("namedtuple")(name, py::make_tuple("values", "indices"));
    type.attr("__module__") = "ember.return_types";
    types[name] = type;
  }
  return types[name](std::get<0>(r), std::get<1>(r));
}

// var/std(input, dim=None, unbiased=True, keepdim=False, *, correction=None), where a bool in the
// dim slot is `unbiased` (PyTorch's var(input, unbiased) overload).
struct VarArgs {
  std::optional<Shape> dims;
  double correction;
};
VarArgs var_args(py::handle dim, std::optional<bool> unbiased, std::optional<double> correction) {
  VarArgs a{std::nullopt, 1};
  if (PyBool_Check(dim.ptr())) {
    unbiased = dim.cast<bool>();
  } else {
    a.dims = opt_dims(dim);
  }
  EMBER_CHECK(!(unbiased && correction), "var/std: cannot specify both unbiased and correction");
  a.correction = correction ? *correction : (unbiased.value_or(true) ? 1.0 : 0.0);
  return a;
}

/// norm's p: a number, or 'fro' (the 2-norm over the given dims).
double norm_order(py::handle p) {
  if (py::isinstance<py::str>(p)) {
    std::string s = p.cast<std::string>();
    EMBER_CHECK(s == "fro", "linalg.matrix_norm: Order ", s, " not supported.");
    return 2;
  }
  return p.cast<double>();
}

template <typename F>
void def_var_like(py::module_& m, TensorClass& cls, const char* name, F f) {
  def_function_and_method(m, cls, name,
      [f](const Tensor& t, py::object dim, std::optional<bool> unbiased, bool keepdim, std::optional<double> correction) {
        VarArgs a = var_args(dim, unbiased, correction);
        return f(t, a.dims, a.correction, keepdim);
      },
      py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false, py::kw_only(),
      py::arg("correction") = py::none());
}

}  // namespace

void init_reduce_ops(py::module_& m, TensorClass& cls) {
  def_function_and_method(m, cls, "sum", [](const Tensor& t, py::object dim, bool keepdim, std::optional<DType> dtype) {
    return sum(t, dims_arg(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_function_and_method(m, cls, "mean", [](const Tensor& t, py::object dim, bool keepdim, std::optional<DType> dtype) {
    return mean(t, dims_arg(dim), keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  def_function_and_method(m, cls, "prod", [](const Tensor& t, std::optional<int64_t> dim, bool keepdim, std::optional<DType> dtype) {
    return prod(t, dim, keepdim, dtype);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());

  for (bool is_max : {true, false}) {
    const char* name = is_max ? "max" : "min";
    // max(input), max(input, dim, keepdim=False) -> (values, indices), max(input, other) = maximum.
    def_function_and_method(m, cls, name, [is_max, name](const Tensor& t, py::object dim, bool keepdim) -> py::object {
      if (dim.is_none()) return py::cast(is_max ? max(t) : min(t));
      if (py::isinstance<TensorImpl>(dim)) {
        Tensor other = dim.cast<Tensor>();
        return py::cast(is_max ? maximum(t, other) : minimum(t, other));
      }
      EMBER_CHECK_TYPE(PyIndex_Check(dim.ptr()) && !PyBool_Check(dim.ptr()), name,
                       "() received an invalid combination of arguments: 'dim' must be an int or a Tensor, not ",
                       py::str(py::type::of(dim).attr("__name__")).cast<std::string>());
      int64_t d = dim.cast<int64_t>();
      return named_pair(name, is_max ? max(t, d, keepdim) : min(t, d, keepdim));
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
    def_function_and_method(m, cls, is_max ? "amax" : "amin", [is_max](const Tensor& t, py::object dim, bool keepdim) {
      return is_max ? amax(t, dims_arg(dim), keepdim) : amin(t, dims_arg(dim), keepdim);
    }, py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
    def_function_and_method(m, cls, is_max ? "argmax" : "argmin", [is_max](const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
      return is_max ? argmax(t, dim, keepdim) : argmin(t, dim, keepdim);
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }

  def_var_like(m, cls, "var", [](const Tensor& t, std::optional<Shape> d, double c, bool k) { return var(t, d, c, k); });
  def_var_like(m, cls, "std", [](const Tensor& t, std::optional<Shape> d, double c, bool k) { return stddev(t, d, c, k); });
  def_var_like(m, cls, "var_mean", [](const Tensor& t, std::optional<Shape> d, double c, bool k) {
    auto r = var_mean(t, d, c, k);
    return py::make_tuple(std::get<0>(r), std::get<1>(r));
  });
  def_var_like(m, cls, "std_mean", [](const Tensor& t, std::optional<Shape> d, double c, bool k) {
    auto r = std_mean(t, d, c, k);
    return py::make_tuple(std::get<0>(r), std::get<1>(r));
  });

  def_function_and_method(m, cls, "norm", [](const Tensor& t, py::object p, py::object dim, bool keepdim, std::optional<DType> dtype) {
    return vector_norm(t, norm_order(p), opt_dims(dim), keepdim, dtype);
  }, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false, py::arg("dtype") = py::none());
  m.def("linalg_vector_norm", [](const Tensor& t, double ord, py::object dim, bool keepdim, std::optional<DType> dtype) {
    return vector_norm(t, ord, opt_dims(dim), keepdim, dtype);
  }, py::arg("input"), py::arg("ord") = 2, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
     py::arg("dtype") = py::none());
  def_function_and_method(m, cls, "logsumexp", [](const Tensor& t, py::object dim, bool keepdim) {
    return logsumexp(t, dim.cast<Shape>(), keepdim);
  }, py::arg("dim"), py::arg("keepdim") = false);

  def_function_and_method(m, cls, "all", [](const Tensor& t, py::object dim, bool keepdim) {
    return all(t, opt_dims(dim), keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_function_and_method(m, cls, "any", [](const Tensor& t, py::object dim, bool keepdim) {
    return any(t, opt_dims(dim), keepdim);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_function_and_method(m, cls, "count_nonzero", [](const Tensor& t, py::object dim) {
    return count_nonzero(t, opt_dims(dim));
  }, py::arg("dim") = py::none());

  def_function_and_method(m, cls, "cumsum", [](const Tensor& t, int64_t dim, std::optional<DType> dtype) {
    return cumsum(t, dim, dtype);
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_function_and_method(m, cls, "cumprod", [](const Tensor& t, int64_t dim, std::optional<DType> dtype) {
    return cumprod(t, dim, dtype);
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_function_and_method(m, cls, "softmax", [](const Tensor& t, int64_t dim, std::optional<DType> dtype) {
    return softmax(t, dim, dtype);
  }, py::arg("dim"), py::arg("dtype") = py::none());
  def_function_and_method(m, cls, "log_softmax", [](const Tensor& t, int64_t dim, std::optional<DType> dtype) {
    return log_softmax(t, dim, dtype);
  }, py::arg("dim"), py::arg("dtype") = py::none());
}

}  // namespace ember::python
