#pragma once
// General matrix product on the CPU, BLAS style (Goto/BLIS loop nest).
//
// Note [Strides are in elements]: every matrix is a pointer plus a row stride and a column stride
// counted in elements, not bytes, so transposed and sliced views are multiplied without a copy.

#include <cstdint>

namespace ember::cpu {

/// C = beta*C + alpha * A @ B for A (MxK), B (KxN), C (MxN); beta == 0 means C is not read.
template <typename T>
void gemm(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
          const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, int64_t csc);

extern template void gemm<float>(int64_t, int64_t, int64_t, float, const float*, int64_t, int64_t,
                                 const float*, int64_t, int64_t, float, float*, int64_t, int64_t);
extern template void gemm<double>(int64_t, int64_t, int64_t, double, const double*, int64_t,
                                  int64_t, const double*, int64_t, int64_t, double, double*,
                                  int64_t, int64_t);
extern template void gemm<int64_t>(int64_t, int64_t, int64_t, int64_t, const int64_t*, int64_t,
                                   int64_t, const int64_t*, int64_t, int64_t, int64_t, int64_t*,
                                   int64_t, int64_t);
extern template void gemm<int32_t>(int64_t, int64_t, int64_t, int32_t, const int32_t*, int64_t,
                                   int64_t, const int32_t*, int64_t, int64_t, int32_t, int32_t*,
                                   int64_t, int64_t);
extern template void gemm<uint8_t>(int64_t, int64_t, int64_t, uint8_t, const uint8_t*, int64_t,
                                   int64_t, const uint8_t*, int64_t, int64_t, uint8_t, uint8_t*,
                                   int64_t, int64_t);

namespace detail {

/// A micro-kernel: C[m x n] = beta*C + alpha * (packed A panel)(MRxkc) @ (packed B panel)(kcxNR),
/// with m <= MR and n <= NR; beta == 0 means C is not read.
template <typename T>
using MicroKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t csc,
                             int64_t m, int64_t n, T alpha, T beta);

#ifdef EMBER_HAVE_X86
/// AVX2+FMA micro-kernels (gemm_avx2.cpp); call only when the CPU has both.
void kernel_f32_6x16_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t rsc,
                          int64_t csc, int64_t m, int64_t n, float alpha, float beta);
void kernel_f64_6x8_avx2(int64_t kc, const double* a, const double* b, double* c, int64_t rsc,
                         int64_t csc, int64_t m, int64_t n, double alpha, double beta);
/// AVX-512F micro-kernel (gemm_avx512.cpp); call only when the CPU has AVX-512F.
void kernel_f32_12x32_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t rsc,
                             int64_t csc, int64_t m, int64_t n, float alpha, float beta);
#endif

}  // namespace detail
}  // namespace ember::cpu
