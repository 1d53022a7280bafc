// The loop nest around the micro-kernels (Goto & van de Geijn, "Anatomy of high-performance
// matrix multiplication", 2008; the BLIS layering):
//
//   for jc over N in NC:            B panel  (KC x NC) packed once, lives in L3
//     for pc over K in KC:
//       for ic over M in MC:        A block  (MC x KC) packed once, lives in L2
//         for jr over NC in NR:     B micro-panel (KC x NR) stays in L1
//           for ir over MC in MR:   micro-kernel: MR x NR tile of C in registers
//
// Packing copies each block into the exact order the micro-kernel reads it, zero-padded to whole
// tiles, so it also absorbs any strides (Note [Strides are in elements]) and ragged edges.

#include "cpu/gemm.h"

#include <algorithm>
#include <memory>
#include <new>
#include <type_traits>

#include "core/parallel.h"
#include "cpu/cpu_features.h"

namespace ember::cpu {
namespace {

// Below this many multiply-adds packing costs more than it saves; users multiply 2x2 matrices.
constexpr int64_t kDirectWork = 4096;
// Below this many columns of C a vector loop's set-up costs more than the loop.
constexpr int64_t kNarrowN = 8;
// Below this many multiply-adds waking a second thread costs more than it saves.
constexpr int64_t kParallelWork = 64 * 64 * 64;

// Packs an mc x kc block of A into MR-row panels, each stored k-major (MR values per k). A
// compile-time MR turns the inner loops into straight-line copies.
template <typename T, int MR>
void pack_a(int64_t mc, int64_t kc, const T* A, int64_t rsa, int64_t csa, T* out) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR) {
    const int64_t rows = std::min<int64_t>(MR, mc - i0);
    const T* a = A + i0 * rsa;
    if (rows == MR) {
      for (int64_t k = 0; k < kc; ++k, out += MR) {
        for (int i = 0; i < MR; ++i) out[i] = a[i * rsa + k * csa];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k, out += MR) {
        for (int i = 0; i < MR; ++i) out[i] = i < rows ? a[i * rsa + k * csa] : T(0);
      }
    }
  }
}

// Packs a kc x nc block of B into NR-column panels, each stored k-major (NR values per k).
template <typename T, int NR>
void pack_b(int64_t kc, int64_t nc, const T* B, int64_t rsb, int64_t csb, T* out) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    const int64_t cols = std::min<int64_t>(NR, nc - j0);
    const T* b = B + j0 * csb;
    if (cols == NR && csb == 1) {
      for (int64_t k = 0; k < kc; ++k, out += NR) {
        for (int j = 0; j < NR; ++j) out[j] = b[k * rsb + j];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k, out += NR) {
        for (int j = 0; j < NR; ++j) out[j] = j < cols ? b[k * rsb + j * csb] : T(0);
      }
    }
  }
}

// A micro-kernel, its tile shape (MR x NR), the packers for that shape and the cache blocks.
template <typename T>
struct Blocking {
  int64_t mr, nr, mc, kc, nc;
  detail::MicroKernel<T> kernel;
  void (*pack_a)(int64_t mc, int64_t kc, const T* A, int64_t rsa, int64_t csa, T* out);
  void (*pack_b)(int64_t kc, int64_t nc, const T* B, int64_t rsb, int64_t csb, T* out);
};

// Ties the tile shape of a kernel to the packers that lay data out for it.
template <typename T, int MR, int NR>
Blocking<T> make_blocking(int64_t mc, int64_t kc, int64_t nc, detail::MicroKernel<T> kernel) {
  return {MR, NR, mc, kc, nc, kernel, pack_a<T, MR>, pack_b<T, NR>};
}

// C = beta*C + alpha*acc for a tile of accumulators with row length ld; beta == 0 never reads C.
template <typename T>
void update_tile(const T* acc, int64_t ld, T* c, int64_t rsc, int64_t csc, int64_t m, int64_t n,
                 T alpha, T beta) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      T& cij = c[i * rsc + j * csc];
      const T prod = static_cast<T>(alpha * acc[i * ld + j]);
      cij = beta == T(0) ? prod : static_cast<T>(prod + beta * cij);
    }
  }
}

// Plain C++ micro-kernel; fixed trip counts let the compiler keep acc in vector registers.
template <typename T, int MR, int NR>
void kernel_portable(int64_t kc, const T* a, const T* b, T* c, int64_t rsc, int64_t csc,
                     int64_t m, int64_t n, T alpha, T beta) {
  T acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
    for (int i = 0; i < MR; ++i) {
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
    }
  }
  update_tile(&acc[0][0], NR, c, rsc, csc, m, n, alpha, beta);
}

// Block sizes: KC x NR of B fills about a third of L1, MC x KC of A an eighth of L2, and KC x NC
// of B sits in L3 (BLIS's choices for Haswell-class cores, confirmed by bench/gemm_bench.cpp).
template <typename T>
Blocking<T> portable_blocking() {
  if constexpr (sizeof(T) >= 8) {
    return make_blocking<T, 4, 4>(128, 256, 2048, kernel_portable<T, 4, 4>);
  } else {
    return make_blocking<T, 4, 8>(128, 256, 4096, kernel_portable<T, 4, 8>);
  }
}

template <typename T>
Blocking<T> choose_blocking() {
#ifdef EMBER_HAVE_X86
  if constexpr (std::is_same_v<T, float>) {
    // Twice the vector width and 32 registers: a 12 x 32 tile. KC x NR of B (32 KiB) still fits
    // the 48 KiB L1 next to the A micro-panel.
    if (cpu_use_avx512())
      return make_blocking<float, 12, 32>(144, 256, 4096, detail::kernel_f32_12x32_avx512);
  }
  if (cpu_has_avx2_fma()) {
    if constexpr (std::is_same_v<T, float>) {
      return make_blocking<float, 6, 16>(144, 256, 4080, detail::kernel_f32_6x16_avx2);
    } else if constexpr (std::is_same_v<T, double>) {
      return make_blocking<double, 6, 8>(72, 256, 2040, detail::kernel_f64_6x8_avx2);
    }
  }
#endif
  return portable_blocking<T>();
}

struct AlignedDelete {
  void operator()(void* p) const { ::operator delete(p, std::align_val_t(64)); }
};

// Per-thread packing buffer, grown on demand and reused so a product never calls malloc twice.
template <typename T, int Slot>
T* scratch(int64_t n) {
  thread_local std::unique_ptr<void, AlignedDelete> buf;
  thread_local int64_t capacity = 0;
  if (n > capacity) {
    buf.reset(::operator new(static_cast<size_t>(n) * sizeof(T), std::align_val_t(64)));
    capacity = n;
  }
  return static_cast<T*>(buf.get());
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// One row of C for the unpacked path: acc[0, n) = A[i, :] @ B[:, j0 : j0+n]. Looping k outside j
// gives independent, vectorisable adds instead of one latency-bound chain per element.
template <typename T, bool kUnitCsb>
void direct_row(int64_t n, int64_t K, const T* a, int64_t csa, const T* B, int64_t rsb,
                int64_t csb, T* acc) {
  std::fill_n(acc, n, T(0));
  for (int64_t k = 0; k < K; ++k) {
    const T a_k = a[k * csa];
    const T* b = B + k * rsb;
    for (int64_t j = 0; j < n; ++j) acc[j] += a_k * b[kUnitCsb ? j : j * csb];
  }
}

// Unpacked product by dot products, for C narrower than a vector loop's set-up is worth.
template <typename T>
void gemm_dot(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
              const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, int64_t csc) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T acc = T(0);
      for (int64_t k = 0; k < K; ++k) acc += A[i * rsa + k * csa] * B[k * rsb + j * csb];
      update_tile(&acc, 0, C + i * rsc + j * csc, 0, 0, 1, 1, alpha, beta);
    }
  }
}

// Unpacked product by rows, for small products where packing costs more than it saves.
template <typename T>
void gemm_rows(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
               const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, int64_t csc) {
  constexpr int64_t kChunk = 64;
  T acc[kChunk];
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j0 = 0; j0 < N; j0 += kChunk) {
      const int64_t n = std::min(kChunk, N - j0);
      if (csb == 1) {
        direct_row<T, true>(n, K, A + i * rsa, csa, B + j0, rsb, csb, acc);
      } else {
        direct_row<T, false>(n, K, A + i * rsa, csa, B + j0 * csb, rsb, csb, acc);
      }
      update_tile(acc, 0, C + i * rsc + j0 * csc, 0, csc, 1, n, alpha, beta);
    }
  }
}

// The single-threaded blocked product (loop nest at the top of this file).
template <typename T>
void gemm_blocked(const Blocking<T>& bl, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                  int64_t rsa, int64_t csa, const T* B, int64_t rsb, int64_t csb, T beta, T* C,
                  int64_t rsc, int64_t csc) {
  const int64_t kc_max = std::min(bl.kc, K);
  T* b_pack = scratch<T, 0>(kc_max * round_up(std::min(bl.nc, N), bl.nr));
  T* a_pack = scratch<T, 1>(kc_max * round_up(std::min(bl.mc, M), bl.mr));
  for (int64_t jc = 0; jc < N; jc += bl.nc) {
    const int64_t nc = std::min(bl.nc, N - jc);
    for (int64_t pc = 0; pc < K; pc += bl.kc) {
      const int64_t kc = std::min(bl.kc, K - pc);
      const T beta_pc = pc == 0 ? beta : T(1);  // later K blocks accumulate onto the first
      bl.pack_b(kc, nc, B + pc * rsb + jc * csb, rsb, csb, b_pack);
      for (int64_t ic = 0; ic < M; ic += bl.mc) {
        const int64_t mc = std::min(bl.mc, M - ic);
        bl.pack_a(mc, kc, A + ic * rsa + pc * csa, rsa, csa, a_pack);
        for (int64_t jr = 0; jr < nc; jr += bl.nr) {
          for (int64_t ir = 0; ir < mc; ir += bl.mr) {
            bl.kernel(kc, a_pack + ir * kc, b_pack + jr * kc, C + (ic + ir) * rsc + (jc + jr) * csc,
                      rsc, csc, std::min(bl.mr, mc - ir), std::min(bl.nr, nc - jr), alpha, beta_pc);
          }
        }
      }
    }
  }
}

// Splits the larger of M and N across threads in whole tiles; each thread runs the blocked product
// on its slice with its own packing buffers, so threads share nothing and never synchronise.
template <typename T>
void gemm_packed(const Blocking<T>& bl, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                 int64_t rsa, int64_t csa, const T* B, int64_t rsb, int64_t csb, T beta, T* C,
                 int64_t rsc, int64_t csc) {
  if (M * N * K < kParallelWork || get_num_threads() == 1) {
    gemm_blocked(bl, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    return;
  }
  const bool split_m = M >= N;
  const int64_t tile = split_m ? bl.mr : bl.nr;
  const int64_t extent = split_m ? M : N;
  const int64_t tiles = (extent + tile - 1) / tile;
  const int64_t work_per_tile = tile * (split_m ? N : M) * K;
  const int64_t grain = std::max<int64_t>(1, kParallelWork / work_per_tile);
  parallel_for(0, tiles, grain, [&](int64_t t0, int64_t t1) {
    const int64_t lo = t0 * tile, hi = std::min(t1 * tile, extent);
    if (split_m) {
      gemm_blocked(bl, hi - lo, N, K, alpha, A + lo * rsa, rsa, csa, B, rsb, csb, beta,
                   C + lo * rsc, rsc, csc);
    } else {
      gemm_blocked(bl, M, hi - lo, K, alpha, A, rsa, csa, B + lo * csb, rsb, csb, beta,
                   C + lo * csc, rsc, csc);
    }
  });
}

}  // namespace

template <typename T>
void gemm(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
          const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, int64_t csc) {
  if (M <= 0 || N <= 0) return;
  // alpha == 0 leaves A and B unread, as in BLAS, so NaN in them does not leak into C.
  if (K <= 0 || alpha == T(0)) {
    gemm_dot(M, N, int64_t{0}, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    return;
  }
  if (M * N * K < kDirectWork) {
    if (N < kNarrowN) {
      gemm_dot(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    } else {
      gemm_rows(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    }
    return;
  }
  static const Blocking<T> blocking = choose_blocking<T>();
  gemm_packed(blocking, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
}

#define EMBER_INSTANTIATE_GEMM(T)                                                              \
  template void gemm<T>(int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, const T*,     \
                        int64_t, int64_t, T, T*, int64_t, int64_t);
EMBER_INSTANTIATE_GEMM(float)
EMBER_INSTANTIATE_GEMM(double)
EMBER_INSTANTIATE_GEMM(int64_t)
EMBER_INSTANTIATE_GEMM(int32_t)
EMBER_INSTANTIATE_GEMM(uint8_t)
#undef EMBER_INSTANTIATE_GEMM

}  // namespace ember::cpu
