// The _C extension module: exception translation and the init_* function of each binding file.
#include <pybind11/pybind11.h>

#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {
void init_build_config(py::module_& m);  // csrc/python/build_config.cpp (not in bindings.h: nothing else needs it)
}  // namespace ember::python

PYBIND11_MODULE(_C, m) {
  using namespace ember::python;
  m.doc() = "ember's C++ core";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ember::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    }
  });
  init_casters(m);
  TensorClass cls(m, "Tensor", py::dynamic_attr());
  init_tensor(m, cls);
  init_creation(m, cls);
  init_autograd(m, cls);
  init_view_ops(m, cls);
  init_elementwise_ops(m, cls);
  init_reduce_ops(m, cls);
  init_indexing_ops(m, cls);
  init_shape_ops(m, cls);
  init_linalg_ops(m, cls);
  init_optim_ops(m);
  init_dlpack(m, cls);
  init_random_ops(m, cls);
  init_conv_ops(m, cls);
  init_resample_ops(m);
  init_norm_ops(m);
  init_loss_ops(m);
  init_parallel(m);
  init_sort_count_ops(m, cls);
  init_build_config(m);
}
