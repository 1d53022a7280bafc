// ember._C._build_config(): the compiler, flags and optional backends this module was built with
// (from the CMake-generated build_config.h), and the SIMD levels the running CPU offers.
#include "build_config.h"
#include "cpu/cpu_features.h"
#include "python/bindings.h"

namespace py = pybind11;

namespace ember::python {

void init_build_config(py::module_& m) {
  m.def("_build_config", [] {
    py::dict config;
    config["compiler"] = EMBER_BUILD_COMPILER_ID;
    config["compiler_version"] = EMBER_BUILD_COMPILER_VERSION;
    config["compiler_path"] = EMBER_BUILD_COMPILER_PATH;
    config["build_type"] = EMBER_BUILD_TYPE;
    config["cxx_flags"] = EMBER_BUILD_CXX_FLAGS;
    config["cxx_standard"] = EMBER_BUILD_CXX_STANDARD;
    config["system"] = EMBER_BUILD_SYSTEM;
    config["cmake_version"] = EMBER_BUILD_CMAKE_VERSION;
    config["pybind11_version"] = std::to_string(PYBIND11_VERSION_MAJOR) + "." +
                                 std::to_string(PYBIND11_VERSION_MINOR) + "." + std::to_string(PYBIND11_VERSION_PATCH);
#ifdef EMBER_HAVE_X86
    config["simd_kernels_built"] = py::make_tuple("AVX2+FMA", "AVX512F");
#else
    config["simd_kernels_built"] = py::tuple();
#endif
    config["cpu_avx2_fma"] = cpu::cpu_has_avx2_fma();
    config["cpu_avx512f_used"] = cpu::cpu_use_avx512();
    config["cuda"] = static_cast<bool>(EMBER_BUILD_CUDA);
    config["mpi"] = static_cast<bool>(EMBER_BUILD_MPI);
    return config;
  });
}

}  // namespace ember::python
