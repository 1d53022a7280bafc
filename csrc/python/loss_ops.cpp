// Fused losses: ember._C._nll_loss_nd, ember._C._cross_entropy_loss and ember._C._ctc_loss_nll, called by
// ember.nn.functional.nll_loss / cross_entropy (which resolve the legacy size_average/reduce flags).
#include "ops/ctc.h"
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
  m.def("_ctc_loss_nll", &ctc_loss_nll, py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"),
        py::arg("target_lengths"), py::arg("blank") = 0, py::arg("zero_infinity") = false);
}

}  // namespace ember::python
