// Counting and order statistics: unique, bincount, histc/histogram, searchsorted/bucketize, isin,
// cummax/cummin, logcumsumexp, mode, nanmedian, quantile/nanquantile.
#include "ops/ops.h"
#include "ops/sort_count.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
namespace {

/// A (values, indices)-style named tuple type ember.return_types.<name> with the given fields.
py::object named_type(py::module_& m, const char* name, py::tuple fields) {
  py::module_ types = py::hasattr(m, "return_types") ? m.attr("return_types").cast<py::module_>()
                                                      : m.def_submodule("return_types");
  if (!py::hasattr(types, name)) {
    py::object nt = py::module_::import("collections").attr("namedtuple")(name, fields);
    nt.attr("__module__") = "ember.return_types";
    types.attr(name) = nt;
  }
  return types.attr(name);
}

/// torch.unique's result: the values alone, or a tuple with the inverse and/or counts asked for.
py::object unique_result(const std::tuple<Tensor, Tensor, Tensor>& r, bool inverse, bool counts) {
  if (!inverse && !counts) return py::cast(std::get<0>(r));
  py::list out;
  out.append(std::get<0>(r));
  if (inverse) out.append(std::get<1>(r));
  if (counts) out.append(std::get<2>(r));
  return py::tuple(out);
}

/// A tensor argument that may be a Python number (wrapped as a 0-d tensor of its natural dtype).
Tensor tensor_or_number(py::handle value, const Tensor& like, const char* op) {
  return as_operand(value, like, op);
}

}  // namespace

void init_sort_count_ops(py::module_& m, TensorClass& cls) {
  def_function_and_method(m, cls, "unique", [](const Tensor& t, bool sorted, bool return_inverse, bool return_counts,
                                               std::optional<int64_t> dim) {
    return unique_result(unique(t, sorted, return_inverse, return_counts, dim), return_inverse, return_counts);
  }, py::arg("sorted") = true, py::arg("return_inverse") = false, py::arg("return_counts") = false,
     py::arg("dim") = py::none());
  def_function_and_method(m, cls, "unique_consecutive", [](const Tensor& t, bool return_inverse, bool return_counts,
                                                           std::optional<int64_t> dim) {
    return unique_result(unique_consecutive(t, return_inverse, return_counts, dim), return_inverse, return_counts);
  }, py::arg("return_inverse") = false, py::arg("return_counts") = false, py::arg("dim") = py::none());
  def_function_and_method(m, cls, "bincount", [](const Tensor& t, std::optional<Tensor> weights, int64_t minlength) {
    return bincount(t, weights.value_or(Tensor()), minlength);
  }, py::arg("weights") = py::none(), py::arg("minlength") = 0);
  def_function_and_method(m, cls, "histc", &histc, py::arg("bins") = 100, py::arg("min") = 0, py::arg("max") = 0);
  py::object histogram_type = named_type(m, "histogram", py::make_tuple("hist", "bin_edges"));
  def_function_and_method(m, cls, "histogram", [histogram_type](const Tensor& t, py::object bins, py::object range,
                                                                std::optional<Tensor> weight, bool density) {
    Tensor w = weight.value_or(Tensor());
    std::pair<Tensor, Tensor> r;
    if (py::isinstance<TensorImpl>(bins)) {
      r = histogram(t, bins.cast<Tensor>(), w, density);
    } else {
      std::optional<std::pair<double, double>> lim;
      if (!range.is_none()) lim = range.cast<std::pair<double, double>>();
      r = histogram(t, bins.cast<int64_t>(), lim, w, density);
    }
    return histogram_type(r.first, r.second);
  }, py::arg("bins") = 100, py::kw_only(), py::arg("range") = py::none(), py::arg("weight") = py::none(),
     py::arg("density") = false);
  m.def("searchsorted", [](const Tensor& seq, py::object values, bool out_int32, bool right,
                           std::optional<std::string> side, std::optional<Tensor> sorter) {
    return searchsorted(seq, tensor_or_number(values, seq, "searchsorted"), out_int32, right, side.value_or(""),
                        sorter.value_or(Tensor()));
  }, py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false,
     py::arg("right") = false, py::arg("side") = py::none(), py::arg("sorter") = py::none());
  m.def("bucketize", [](py::object input, const Tensor& boundaries, bool out_int32, bool right) {
    return bucketize(tensor_or_number(input, boundaries, "bucketize"), boundaries, out_int32, right);
  }, py::arg("input"), py::arg("boundaries"), py::kw_only(), py::arg("out_int32") = false, py::arg("right") = false);
  cls.def("bucketize", &bucketize, py::arg("boundaries"), py::kw_only(), py::arg("out_int32") = false,
          py::arg("right") = false);
  m.def("isin", [](py::object elements, py::object test_elements, bool assume_unique, bool invert) {
    EMBER_CHECK_TYPE(py::isinstance<TensorImpl>(elements) || py::isinstance<TensorImpl>(test_elements),
                     "isin(): expected at least one of elements and test_elements to be a Tensor");
    Tensor like = py::isinstance<TensorImpl>(elements) ? elements.cast<Tensor>() : test_elements.cast<Tensor>();
    return isin(tensor_or_number(elements, like, "isin"), tensor_or_number(test_elements, like, "isin"),
                assume_unique, invert);
  }, py::arg("elements"), py::arg("test_elements"), py::kw_only(), py::arg("assume_unique") = false,
     py::arg("invert") = false);

  py::object cummax_type = named_type(m, "cummax", py::make_tuple("values", "indices"));
  py::object cummin_type = named_type(m, "cummin", py::make_tuple("values", "indices"));
  def_function_and_method(m, cls, "cummax", [cummax_type](const Tensor& t, int64_t dim) {
    auto [v, i] = cummax(t, dim);
    return cummax_type(v, i);
  }, py::arg("dim"));
  def_function_and_method(m, cls, "cummin", [cummin_type](const Tensor& t, int64_t dim) {
    auto [v, i] = cummin(t, dim);
    return cummin_type(v, i);
  }, py::arg("dim"));
  def_function_and_method(m, cls, "logcumsumexp", &logcumsumexp, py::arg("dim"));
  cls.def("cumsum_", [](Tensor& self, int64_t dim, std::optional<DType> dtype) -> Tensor& {
    return copy_(self, cumsum(self, dim, dtype));
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def("cumprod_", [](Tensor& self, int64_t dim, std::optional<DType> dtype) -> Tensor& {
    return copy_(self, cumprod(self, dim, dtype));
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());

  py::object mode_type = named_type(m, "mode", py::make_tuple("values", "indices"));
  py::object nanmedian_type = named_type(m, "nanmedian", py::make_tuple("values", "indices"));
  def_function_and_method(m, cls, "mode", [mode_type](const Tensor& t, int64_t dim, bool keepdim) {
    auto [v, i] = mode(t, dim, keepdim);
    return mode_type(v, i);
  }, py::arg("dim") = -1, py::arg("keepdim") = false);
  def_function_and_method(m, cls, "nanmedian", [nanmedian_type](const Tensor& t, py::object dim, bool keepdim) -> py::object {
    if (dim.is_none()) return py::cast(nanmedian(t));
    auto [v, i] = nanmedian(t, dim.cast<int64_t>(), keepdim);
    return nanmedian_type(v, i);
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  for (bool ignore_nan : {false, true}) {
    const char* name = ignore_nan ? "nanquantile" : "quantile";
    def_function_and_method(m, cls, name, [ignore_nan, name](const Tensor& t, py::object q, std::optional<int64_t> dim,
                                                             bool keepdim, const std::string& interpolation) {
      Tensor qt;
      if (py::isinstance<TensorImpl>(q)) {
        qt = q.cast<Tensor>();
      } else {
        double v = q.cast<double>();
        EMBER_CHECK(v >= 0 && v <= 1, name, "() q must be in the range [0, 1] but got ", v);
        qt = scalar_tensor(v, t.dtype(), t.device());
      }
      return quantile(t, qt, dim, keepdim, interpolation, ignore_nan);
    }, py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
       py::arg("interpolation") = "linear");
  }
}

}  // namespace ember::python
