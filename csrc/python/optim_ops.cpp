// Fused optimizer steps for ember.optim: ember._C._<name>_step(param, grad, state..., hyperparameters).
// Optional state buffers are passed as None.
#include "ops/optim.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t.value_or(Tensor()); }
}  // namespace

void init_optim_ops(py::module_& m) {
  m.def("_sgd_step", [](const Tensor& param, const Tensor& grad, const std::optional<Tensor>& buf,
                        double lr, double momentum, double dampening, double weight_decay,
                        bool nesterov, bool maximize) -> std::optional<Tensor> {
    Tensor out = sgd_step(param, grad, opt(buf), lr, momentum, dampening, weight_decay, nesterov, maximize);
    if (!out.defined()) return std::nullopt;
    return out;
  }, py::arg("param"), py::arg("grad"), py::arg("momentum_buffer"), py::arg("lr"), py::arg("momentum"),
        py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"));
  m.def("_adam_step", [](const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                         const Tensor& exp_avg_sq, const std::optional<Tensor>& max_exp_avg_sq,
                         const Tensor& step, double lr, double beta1, double beta2, double eps,
                         double weight_decay, bool amsgrad, bool maximize, bool decoupled) {
    adam_step(param, grad, exp_avg, exp_avg_sq, opt(max_exp_avg_sq), step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled);
  }, py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq"),
        py::arg("step"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled"));
  m.def("_adagrad_step", &adagrad_step, py::arg("param"), py::arg("grad"), py::arg("sum"), py::arg("step"),
        py::arg("lr"), py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"), py::arg("maximize"));
  m.def("_rmsprop_step", [](const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                            const std::optional<Tensor>& grad_avg, const std::optional<Tensor>& buf,
                            const Tensor& step, double lr, double alpha, double eps, double weight_decay,
                            double momentum, bool centered, bool maximize) {
    rmsprop_step(param, grad, square_avg, opt(grad_avg), opt(buf), step, lr, alpha, eps, weight_decay,
                 momentum, centered, maximize);
  }, py::arg("param"), py::arg("grad"), py::arg("square_avg"), py::arg("grad_avg"), py::arg("momentum_buffer"),
        py::arg("step"), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"),
        py::arg("momentum"), py::arg("centered"), py::arg("maximize"));
  m.def("_adadelta_step", &adadelta_step, py::arg("param"), py::arg("grad"), py::arg("square_avg"),
        py::arg("acc_delta"), py::arg("step"), py::arg("lr"), py::arg("rho"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("maximize"));
  m.def("_adamax_step", &adamax_step, py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_inf"),
        py::arg("step"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("maximize"));
  m.def("_asgd_step", &asgd_step, py::arg("param"), py::arg("grad"), py::arg("ax"), py::arg("step"),
        py::arg("eta"), py::arg("mu"), py::arg("lr"), py::arg("lambd"), py::arg("alpha"), py::arg("t0"),
        py::arg("weight_decay"), py::arg("maximize"));
  m.def("_rprop_step", &rprop_step, py::arg("param"), py::arg("grad"), py::arg("prev"), py::arg("step_size"),
        py::arg("step"), py::arg("etaminus"), py::arg("etaplus"), py::arg("step_size_min"),
        py::arg("step_size_max"), py::arg("maximize"));
  m.def("_nadam_step", &nadam_step, py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"),
        py::arg("step"), py::arg("mu_product"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("momentum_decay"), py::arg("decoupled"), py::arg("maximize"));
  m.def("_radam_step", &radam_step, py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"),
        py::arg("step"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
        py::arg("weight_decay"), py::arg("decoupled"), py::arg("maximize"));
  m.def("_adafactor_step", [](const Tensor& param, const Tensor& grad, const std::optional<Tensor>& row_var,
                              const std::optional<Tensor>& col_var, const std::optional<Tensor>& variance,
                              const Tensor& step, double lr, double beta2_decay, double eps1, double eps2,
                              double d, double weight_decay, bool maximize) {
    adafactor_step(param, grad, opt(row_var), opt(col_var), opt(variance), step, lr, beta2_decay, eps1, eps2, d,
                   weight_decay, maximize);
  }, py::arg("param"), py::arg("grad"), py::arg("row_var"), py::arg("col_var"), py::arg("variance"),
        py::arg("step"), py::arg("lr"), py::arg("beta2_decay"), py::arg("eps1"), py::arg("eps2"), py::arg("d"),
        py::arg("weight_decay"), py::arg("maximize"));
}

}  // namespace ember::python
