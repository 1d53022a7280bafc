// ember.set_num_threads / ember.get_num_threads: the size of the pool parallel_for runs on;
// ember.set_flush_denormal: the calling thread's treatment of subnormal floats; the SIMD level
// the kernels dispatch to (ember.backends.cpu.get_cpu_capability).
#include "core/parallel.h"
#include "cpu/cpu_features.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

void init_parallel(py::module_& m) {
  m.def("get_num_threads", &get_num_threads);
  // PyTorch answers a bool or a non-int with RuntimeError, not TypeError; so do we.
  m.def("set_num_threads", [](const py::object& n) {
    EMBER_CHECK(py::isinstance<py::int_>(n) && !py::isinstance<py::bool_>(n),
                "set_num_threads expects an int, but got ", py::str(py::type::of(n).attr("__name__")).cast<std::string>());
    const long long value = n.cast<long long>();
    EMBER_CHECK(value > 0, "set_num_threads expects a positive integer");
    set_num_threads(static_cast<int>(std::min<long long>(value, 1024)));
  }, py::arg("int"));
  m.def("set_flush_denormal", &cpu::set_flush_denormal, py::arg("mode"));
  m.def("_cpu_capability", [] {
    return cpu::cpu_use_avx512() ? "AVX512" : cpu::cpu_has_avx2_fma() ? "AVX2" : "DEFAULT";
  });
}

}  // namespace ember::python
