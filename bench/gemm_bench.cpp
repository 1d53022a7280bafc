// GFLOP/s of ember::cpu::gemm<float> on square matrices, 1 and 2 threads.
//
// Build from the repository root (not built by CMake):
//   g++ -std=c++17 -O3 -Icsrc -DEMBER_HAVE_X86=1 -mavx2 -mfma -c csrc/cpu/gemm_avx2.cpp -o /tmp/k.o
//   g++ -std=c++17 -O3 -Icsrc -DEMBER_HAVE_X86=1 bench/gemm_bench.cpp csrc/cpu/gemm.cpp
//       csrc/core/parallel.cpp /tmp/k.o -pthread -o /tmp/gemm_bench   (one line with the above)
//   /tmp/gemm_bench [sizes...]
// NumPy on one thread, for comparison (unset both variables together, only in this command):
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 -c "import numpy as np,
//   timeit; [print(n, 2*n**3/min(timeit.repeat(lambda: a@a, number=1, repeat=20))/1e9) for n in
//   (256,512,1024,2048) for a in [np.random.rand(n,n).astype(np.float32)]]"
// Napkin math: AVX2 peak = 2 FMA ports x 8 floats x 2 flops = 32 flop/cycle, ~90-100 GFLOP/s at
// 2.8-3.1 GHz per core. The host shares its 2 cores, so compare numbers taken in the same run.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/parallel.h"
#include "cpu/gemm.h"

namespace {

// GFLOP/s of the fastest single call within about 2 GFLOP of work: the host shares its cores,
// and the minimum time is the estimate least disturbed by other processes.
double gflops(int64_t n, const std::vector<float>& a, const std::vector<float>& b,
              std::vector<float>& c) {
  const double flop = 2.0 * n * n * n;
  const int calls = std::max(5, static_cast<int>(2e9 / flop));
  double best = 1e30;
  for (int r = 0; r < calls; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    ember::cpu::gemm<float>(n, n, n, 1.f, a.data(), n, 1, b.data(), n, 1, 0.f, c.data(), n, 1);
    const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    best = std::min(best, dt.count());
  }
  return flop / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {256, 512, 1024, 2048};
  if (argc > 1) sizes.assign(argc - 1, 0);
  for (int i = 1; i < argc; ++i) sizes[i - 1] = std::atoll(argv[i]);
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::printf("%6s %12s %12s\n", "n", "1 thread", "2 threads");
  for (int64_t n : sizes) {
    std::vector<float> a(n * n), b(n * n), c(n * n);
    for (float& x : a) x = dist(rng);
    for (float& x : b) x = dist(rng);
    ember::set_num_threads(1);
    ember::cpu::gemm<float>(n, n, n, 1.f, a.data(), n, 1, b.data(), n, 1, 0.f, c.data(), n, 1);
    const double one = gflops(n, a, b, c);
    ember::set_num_threads(2);
    const double two = gflops(n, a, b, c);
    std::printf("%6lld %12.1f %12.1f\n", static_cast<long long>(n), one, two);
  }
}
