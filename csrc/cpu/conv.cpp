// CPU convolution: im2col + the packed gemm, one sample at a time so the column buffer stays in
// cache, parallel over the batch. A 1x1, stride-1, unpadded kernel needs no columns: the input
// plane already is the column matrix. All tensors arrive contiguous (the ops make them so).
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "ops/conv.h"

namespace ember::cpu {
namespace {

// The per-sample geometry shared by the three convolution kernels.
struct ConvGeom {
  int64_t N, C, H, W, O, kh, kw, OH, OW, groups;
  int64_t Cg, Og, Kc, L;  // channels and filters per group, rows of a column matrix, output pixels
  bool direct;            // 1x1, stride 1, no padding: columns == input
  ConvGeom(const Tensor& in, const Tensor& w, const Tensor& out, const ConvArgs& a)
      : N(in.size(0)), C(in.size(1)), H(in.size(2)), W(in.size(3)), O(w.size(0)), kh(w.size(2)),
        kw(w.size(3)), OH(out.size(2)), OW(out.size(3)), groups(a.groups) {
    Cg = C / groups, Og = O / groups, Kc = Cg * kh * kw, L = OH * OW;
    direct = kh == 1 && kw == 1 && a.sh == 1 && a.sw == 1 && a.pt == 0 && a.pl == 0 && OH == H && OW == W;
  }
  // Samples per parallel chunk: enough multiply-adds per chunk to pay for waking a thread.
  int64_t grain() const { return std::max<int64_t>(1, (1 << 18) / std::max<int64_t>(1, O * Kc * L)); }
};

// The output columns [lo, hi) of a row whose input column is ox*sw + off lie inside [0, W).
inline void valid_range(int64_t OW, int64_t W, int64_t sw, int64_t off, int64_t* lo, int64_t* hi) {
  *lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  *hi = W - off <= 0 ? 0 : std::min<int64_t>(OW, (W - off - 1) / sw + 1);
  *lo = std::min(*lo, OW);
  if (*hi < *lo) *hi = *lo;
}

// cols[(c*kh+i)*kw+j][oy*OW+ox] = x[c][oy*sh - pt + i*dh][ox*sw - pl + j*dw] (0 outside).
template <typename T>
void im2col(const T* x, const ConvGeom& g, const ConvArgs& a, T* cols) {
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        T* row = cols + ((c * g.kh + i) * g.kw + j) * g.L;
        const int64_t off = j * a.dw - a.pl;
        int64_t lo, hi;
        valid_range(g.OW, g.W, a.sw, off, &lo, &hi);
        for (int64_t oy = 0; oy < g.OH; ++oy) {
          T* dst = row + oy * g.OW;
          const int64_t iy = oy * a.sh - a.pt + i * a.dh;
          if (iy < 0 || iy >= g.H) {
            std::fill(dst, dst + g.OW, T(0));
            continue;
          }
          const T* src = x + (c * g.H + iy) * g.W + off;
          std::fill(dst, dst + lo, T(0));
          if (a.sw == 1)
            std::memcpy(dst + lo, src + lo, (hi - lo) * sizeof(T));
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * a.sw];
          std::fill(dst + hi, dst + g.OW, T(0));
        }
      }
}

// The adjoint of im2col: x[c][iy][ix] += cols[...] for every column that read it.
template <typename T>
void col2im(const T* cols, const ConvGeom& g, const ConvArgs& a, T* x) {
  for (int64_t c = 0; c < g.Cg; ++c)
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j) {
        const T* row = cols + ((c * g.kh + i) * g.kw + j) * g.L;
        const int64_t off = j * a.dw - a.pl;
        int64_t lo, hi;
        valid_range(g.OW, g.W, a.sw, off, &lo, &hi);
        for (int64_t oy = 0; oy < g.OH; ++oy) {
          const int64_t iy = oy * a.sh - a.pt + i * a.dh;
          if (iy < 0 || iy >= g.H) continue;
          const T* src = row + oy * g.OW;
          T* dst = x + (c * g.H + iy) * g.W + off;
          for (int64_t ox = lo; ox < hi; ++ox) dst[ox * a.sw] += src[ox];
        }
      }
}

void conv2d_cpu(const Tensor& out, const Tensor& in, const Tensor& weight, const Tensor& bias,
                const ConvArgs& a) {
  ConvGeom g(in, weight, out, a);
  dispatch_numeric(in.dtype(), "conv2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    const T* w = weight.data<T>();
    const T* b = bias.defined() ? bias.data<T>() : nullptr;
    T* y = out.data<T>();
    parallel_for(0, g.N, g.grain(), [&](int64_t n0, int64_t n1) {
      std::vector<T> cols(g.direct ? 0 : g.Kc * g.L);
      for (int64_t n = n0; n < n1; ++n) {
        T* yn = y + n * g.O * g.L;
        // The bias goes in first so the product accumulates onto it (beta = 1).
        if (b)
          for (int64_t o = 0; o < g.O; ++o) std::fill(yn + o * g.L, yn + (o + 1) * g.L, b[o]);
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          const T* xg = x + (n * g.C + gr * g.Cg) * g.H * g.W;
          if (!g.direct) im2col(xg, g, a, cols.data());
          gemm<T>(g.Og, g.L, g.Kc, T(1), w + gr * g.Og * g.Kc, g.Kc, 1, g.direct ? xg : cols.data(), g.L, 1,
                  T(b ? 1 : 0), yn + gr * g.Og * g.L, g.L, 1);
        }
      }
    });
  });
}

// grad_cols = W_g^T @ grad_out[n, g], then col2im into the zeroed input gradient.
void conv2d_backward_input_cpu(const Tensor& grad_in, const Tensor& grad_out, const Tensor& weight,
                               const ConvArgs& a) {
  ConvGeom g(grad_in, weight, grad_out, a);
  dispatch_numeric(grad_in.dtype(), "conv2d_backward_input", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gy = grad_out.data<T>();
    const T* w = weight.data<T>();
    T* gx = grad_in.data<T>();
    parallel_for(0, g.N, g.grain(), [&](int64_t n0, int64_t n1) {
      std::vector<T> cols(g.direct ? 0 : g.Kc * g.L);
      for (int64_t n = n0; n < n1; ++n)
        for (int64_t gr = 0; gr < g.groups; ++gr) {
          T* gxg = gx + (n * g.C + gr * g.Cg) * g.H * g.W;
          T* dst = g.direct ? gxg : cols.data();
          gemm<T>(g.Kc, g.L, g.Og, T(1), w + gr * g.Og * g.Kc, 1, g.Kc, gy + (n * g.O + gr * g.Og) * g.L, g.L, 1,
                  T(0), dst, g.L, 1);
          if (g.direct) continue;
          std::fill(gxg, gxg + g.Cg * g.H * g.W, T(0));
          col2im(cols.data(), g, a, gxg);
        }
    });
  });
}

// grad_W_g += grad_out[n, g] @ cols(n)^T over the batch. Each chunk of samples sums into its own
// buffer (chunk 0 into the output), and the buffers are added at the end: no two threads ever
// write the same element, and the result does not depend on thread timing.
void conv2d_backward_weight_cpu(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& in,
                                const ConvArgs& a) {
  ConvGeom g(in, grad_weight, grad_out, a);
  dispatch_numeric(in.dtype(), "conv2d_backward_weight", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gy = grad_out.data<T>();
    const T* x = in.data<T>();
    T* gw = grad_weight.data<T>();
    const int64_t wsize = g.O * g.Kc;
    std::fill(gw, gw + wsize, T(0));
    const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), g.N / g.grain()));
    const int64_t per = chunks ? (g.N + chunks - 1) / chunks : 0;
    std::vector<T> partial((chunks - 1) * wsize, T(0));
    parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
      std::vector<T> cols(g.direct ? 0 : g.Kc * g.L);
      for (int64_t c = c0; c < c1; ++c) {
        T* acc = c == 0 ? gw : partial.data() + (c - 1) * wsize;
        for (int64_t n = c * per; n < std::min(g.N, (c + 1) * per); ++n)
          for (int64_t gr = 0; gr < g.groups; ++gr) {
            const T* xg = x + (n * g.C + gr * g.Cg) * g.H * g.W;
            if (!g.direct) im2col(xg, g, a, cols.data());
            gemm<T>(g.Og, g.Kc, g.L, T(1), gy + (n * g.O + gr * g.Og) * g.L, g.L, 1, g.direct ? xg : cols.data(),
                    1, g.L, T(1), acc + gr * g.Og * g.Kc, g.Kc, 1);
          }
      }
    });
    for (int64_t c = 1; c < chunks; ++c)
      for (int64_t i = 0; i < wsize; ++i) gw[i] += partial[(c - 1) * wsize + i];
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(conv2d_kernel, CPU, &conv2d_cpu);
EMBER_REGISTER_KERNEL(conv2d_backward_input_kernel, CPU, &conv2d_backward_input_cpu);
EMBER_REGISTER_KERNEL(conv2d_backward_weight_kernel, CPU, &conv2d_backward_weight_cpu);

}  // namespace ember::cpu
