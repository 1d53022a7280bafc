// CPU matrix products: the dtype switch, the products with a single row or column of output
// (which gemm would pack a whole panel for), and the batch loop of bmm.
#include <algorithm>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "ops/linalg.h"

namespace ember::cpu {
namespace {

// Below this many multiply-adds one thread runs a product (gemm's own threshold).
constexpr int64_t kParallelWork = 64 * 64 * 64;
// Rows of a column-major gemv accumulated at once: a stack buffer that stays in L1.
constexpr int64_t kGemvChunk = 256;

// sum_k a[k*sa] * b[k*sb]. Eight independent partial sums vectorise without reassociation flags.
template <typename T>
T dot_strided(int64_t K, const T* a, int64_t sa, const T* b, int64_t sb) {
  T acc[8] = {};
  int64_t k = 0;
  if (sa == 1 && sb == 1) {
    for (; k + 8 <= K; k += 8)
      for (int j = 0; j < 8; ++j) acc[j] += a[k + j] * b[k + j];
  }
  for (; k < K; ++k) acc[0] += a[k * sa] * b[k * sb];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

template <typename T>
void store(T* y, T acc, T alpha, T beta) {
  *y = beta == T(0) ? static_cast<T>(alpha * acc) : static_cast<T>(alpha * acc + beta * *y);
}

// y[i] = beta*y[i] + alpha * sum_k A[i,k] x[k] over rows [lo, hi). Row-major A takes one dot per
// row; column-major A (a transposed view) adds whole contiguous columns into a row buffer instead.
template <typename T>
void gemv_rows(int64_t lo, int64_t hi, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
               const T* x, int64_t incx, T beta, T* y, int64_t incy) {
  if (rsa != 1 || csa == 1) {
    for (int64_t i = lo; i < hi; ++i) store(y + i * incy, dot_strided(K, A + i * rsa, csa, x, incx), alpha, beta);
    return;
  }
  T acc[kGemvChunk];
  for (int64_t i0 = lo; i0 < hi; i0 += kGemvChunk) {
    const int64_t n = std::min(kGemvChunk, hi - i0);
    std::fill_n(acc, n, T(0));
    for (int64_t k = 0; k < K; ++k) {
      const T xk = x[k * incx];
      const T* col = A + k * csa + i0;
      for (int64_t i = 0; i < n; ++i) acc[i] += xk * col[i];
    }
    for (int64_t i = 0; i < n; ++i) store(y + (i0 + i) * incy, acc[i], alpha, beta);
  }
}

template <typename T>
void gemv(int64_t M, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa, const T* x,
          int64_t incx, T beta, T* y, int64_t incy) {
  const int64_t grain = std::max<int64_t>(kGemvChunk, kParallelWork / std::max<int64_t>(K, 1));
  parallel_for(0, M, grain, [&](int64_t lo, int64_t hi) {
    gemv_rows(lo, hi, K, alpha, A, rsa, csa, x, incx, beta, y, incy);
  });
}

// C = beta*C + alpha * A @ B: a single output column or row is a matrix-vector product.
template <typename T>
void product(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t rsa, int64_t csa,
             const T* B, int64_t rsb, int64_t csb, T beta, T* C, int64_t rsc, int64_t csc) {
  if (alpha == T(0)) {  // gemm leaves A and B unread (BLAS): NaN in them must not reach C
    gemm<T>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
  } else if (N == 1) {
    gemv<T>(M, K, alpha, A, rsa, csa, B, rsb, beta, C, rsc);
  } else if (M == 1) {  // C^T = B^T @ A^T
    gemv<T>(N, K, alpha, B, csb, rsb, A, csa, beta, C, csc);
  } else {
    gemm<T>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
  }
}

void gemm_cpu(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha,
              const Scalar& beta) {
  dispatch_numeric(out.dtype(), "mm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Shape &as = a.strides(), &bs = b.strides(), &cs = out.strides();
    product<T>(out.sizes()[0], out.sizes()[1], a.sizes()[1], alpha.to<T>(), a.data<T>(), as[0], as[1],
               b.data<T>(), bs[0], bs[1], beta.to<T>(), out.data<T>(), cs[0], cs[1]);
  });
}

// Element offsets of batch index i in each of out, a, b (dims [0, nb) of their shared batch).
void batch_offsets(int64_t i, const Tensor& out, const Tensor& a, const Tensor& b, int nb,
                   int64_t off[3]) {
  off[0] = off[1] = off[2] = 0;
  for (int d = nb - 1; d >= 0; --d) {
    const int64_t size = out.sizes()[d], idx = i % size;
    i /= size;
    off[0] += idx * out.strides()[d];
    off[1] += idx * a.strides()[d];
    off[2] += idx * b.strides()[d];
  }
}

// Small products run one per thread across the batch; a large one threads inside gemm instead.
// Never both: gemm's parallel_for runs inline inside a parallel region.
void bmm_cpu(const Tensor& out, const Tensor& a, const Tensor& b, const Scalar& alpha,
             const Scalar& beta) {
  const int nb = out.dim() - 2;
  const int64_t M = out.sizes()[nb], N = out.sizes()[nb + 1], K = a.sizes()[nb + 1];
  int64_t batches = 1;
  for (int d = 0; d < nb; ++d) batches *= out.sizes()[d];
  dispatch_numeric(out.dtype(), "bmm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T al = alpha.to<T>(), be = beta.to<T>();
    const T *pa = a.data<T>(), *pb = b.data<T>();
    T* pc = out.data<T>();
    const Shape &as = a.strides(), &bs = b.strides(), &cs = out.strides();
    auto run = [&](int64_t lo, int64_t hi) {
      int64_t off[3];
      for (int64_t i = lo; i < hi; ++i) {
        batch_offsets(i, out, a, b, nb, off);
        product<T>(M, N, K, al, pa + off[1], as[nb], as[nb + 1], pb + off[2], bs[nb], bs[nb + 1], be,
                   pc + off[0], cs[nb], cs[nb + 1]);
      }
    };
    const int64_t work = std::max<int64_t>(M * N * std::max<int64_t>(K, 1), 1);
    if (work >= kParallelWork) {
      run(0, batches);
    } else {
      parallel_for(0, batches, std::max<int64_t>(1, kParallelWork / work), run);
    }
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(gemm_kernel, CPU, &gemm_cpu);
EMBER_REGISTER_KERNEL(bmm_kernel, CPU, &bmm_cpu);

}  // namespace ember::cpu
