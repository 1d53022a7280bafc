// Fused classification losses: ember._C._nll_loss_nd and ember._C._cross_entropy_loss, called by
// ember.nn.functional.nll_loss / cross_entropy (which resolve the legacy size_average/reduce flags).
#include "ops/loss.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

void init_loss_ops(py::module_& m) {
  m.def("_nll_loss_nd", [](const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                           const std::string& reduction, int64_t ignore_index) {
    return nll_loss_nd(input, target, weight.value_or(Tensor()), parse_reduction(reduction), ignore_index);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
        py::arg("ignore_index") = -100);
  m.def("_cross_entropy_loss", [](const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight,
                                  const std::string& reduction, int64_t ignore_index, double label_smoothing) {
    return cross_entropy(input, target, weight.value_or(Tensor()), parse_reduction(reduction), ignore_index,
                         label_smoothing);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(), py::arg("reduction") = "mean",
        py::arg("ignore_index") = -100, py::arg("label_smoothing") = 0.0);
}

}  // namespace ember::python
