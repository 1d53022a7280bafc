"""ember.__config__, as torch.__config__: show() describes the build (compiler, flags, SIMD kernels and
what the running CPU uses of them, CUDA, MPI); parallel_info() the CPU thread pool."""
import platform

import numpy

from ember import _C


def _config():
    return dict(_C._build_config())


def _yes(flag):
    return "yes" if flag else "no"


def show():
    """A multi-line description of how ember was built and what this machine runs of it."""
    from ember.version import __version__
    c = _config()
    built = ", ".join(c["simd_kernels_built"]) or "none (not an x86-64 build)"
    lines = [
        f"ember {__version__} built with:",
        f"  - C++ compiler: {c['compiler']} {c['compiler_version']} ({c['compiler_path']})",
        f"  - C++ standard: C++{c['cxx_standard']}",
        f"  - build type: {c['build_type']}",
        f"  - C++ flags: {c['cxx_flags']}",
        f"  - system: {c['system']}, CMake {c['cmake_version']}, pybind11 {c['pybind11_version']}",
        f"  - SIMD kernels built: {built}",
        f"  - CPU capability used at run time: {_C._cpu_capability()} "
        f"(AVX2+FMA: {_yes(c['cpu_avx2_fma'])}, AVX-512F used: {_yes(c['cpu_avx512f_used'])})",
        f"  - CUDA: {'built' if c['cuda'] else 'not built'}",
        f"  - MPI: {'built' if c['mpi'] else 'not built'}",
        f"  - Python {platform.python_version()}, NumPy {numpy.__version__}",
    ]
    return "\n".join(lines) + "\n"


def parallel_info():
    """The intra-op thread pool, as torch.__config__.parallel_info()."""
    return f"ember CPU thread pool\n  - threads: {_C.get_num_threads()}\n  - CPU capability: {_C._cpu_capability()}\n"


def _cxx_flags():
    return _config()["cxx_flags"]
