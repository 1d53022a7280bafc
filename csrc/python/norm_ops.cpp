// Normalisation: ember.layer_norm/native_layer_norm, ember.rms_norm, ember.batch_norm/native_batch_norm,
// ember.group_norm and ember.instance_norm (module functions, as in torch; ember.nn.functional wraps them).
#include "ops/norm.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
namespace {

Tensor optional_tensor(py::handle h) { return h.is_none() ? Tensor() : h.cast<Tensor>(); }

py::tuple triple(const std::tuple<Tensor, Tensor, Tensor>& t) {
  return py::make_tuple(std::get<0>(t), std::get<1>(t), std::get<2>(t));
}

}  // namespace

void init_norm_ops(py::module_& m) {
  m.def("native_layer_norm", [](const Tensor& x, const Shape& shape, py::object w, py::object b, double eps) {
    return triple(native_layer_norm(x, shape, optional_tensor(w), optional_tensor(b), eps));
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight"), py::arg("bias"), py::arg("eps"));
  m.def("layer_norm", [](const Tensor& x, const Shape& shape, py::object w, py::object b, double eps) {
    return layer_norm(x, shape, optional_tensor(w), optional_tensor(b), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("eps") = 1e-5);
  m.def("rms_norm", [](const Tensor& x, const Shape& shape, py::object w, py::object eps) {
    return rms_norm(x, shape, optional_tensor(w), eps.is_none() ? -1.0 : eps.cast<double>());
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("eps") = py::none());
  m.def("native_batch_norm", [](const Tensor& x, py::object w, py::object b, py::object rm, py::object rv,
                                bool training, double momentum, double eps) {
    return triple(native_batch_norm(x, optional_tensor(w), optional_tensor(b), optional_tensor(rm),
                                    optional_tensor(rv), training, momentum, eps));
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"), py::arg("running_var"),
     py::arg("training"), py::arg("momentum"), py::arg("eps"));
  m.def("batch_norm", [](const Tensor& x, py::object w, py::object b, py::object rm, py::object rv,
                         bool training, double momentum, double eps) {
    return batch_norm(x, optional_tensor(w), optional_tensor(b), optional_tensor(rm), optional_tensor(rv),
                      training, momentum, eps);
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"), py::arg("running_var"),
     py::arg("training"), py::arg("momentum"), py::arg("eps"));
  m.def("group_norm", [](const Tensor& x, int64_t groups, py::object w, py::object b, double eps) {
    return group_norm(x, groups, optional_tensor(w), optional_tensor(b), eps);
  }, py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
     py::arg("eps") = 1e-5);
  m.def("instance_norm", [](const Tensor& x, py::object w, py::object b, py::object rm, py::object rv,
                            bool use_input_stats, double momentum, double eps) {
    return instance_norm(x, optional_tensor(w), optional_tensor(b), optional_tensor(rm), optional_tensor(rv),
                         use_input_stats, momentum, eps);
  }, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"), py::arg("running_var"),
     py::arg("use_input_stats"), py::arg("momentum"), py::arg("eps"));
}

}  // namespace ember::python
