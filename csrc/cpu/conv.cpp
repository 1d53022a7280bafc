// CPU convolution: im2col + the packed gemm over a block of samples at once. The columns of a
// block's samples sit side by side in one [C/g*kh*kw, nb*OH*OW] matrix, so each of the three
// kernels runs one large gemm per block and group (the weight packed once, the gemm's own threads
// splitting it) instead of one small gemm per sample. Blocks are sized to stay in L2; given enough
// of them, threads take whole blocks, else each step of a block runs in parallel over samples.
// Every output element is summed in an order fixed by the shapes alone, so results are the same
// bit for bit for any thread count. A 1x1, stride-1, unpadded kernel needs no columns for the
// forward and input-gradient products: the input plane already is the column matrix. F.unfold and
// F.fold are im2col and col2im over whole samples. All tensors arrive contiguous (the ops make them
// so).
#include <algorithm>
#include <memory>

#include "core/parallel.h"
#include "cpu/gemm.h"
#include "ops/conv.h"

namespace ember::cpu {
namespace {

// The sliding blocks of one sample: C channels of H x W, a kh x kw window, OH x OW positions.
struct Patches {
  int64_t C, H, W, kh, kw, OH, OW;
  int64_t Kc() const { return C * kh * kw; }  // rows of a column matrix
  int64_t L() const { return OH * OW; }       // columns per sample
};

// The geometry of a convolution shared by its three kernels, per group.
struct ConvGeom {
  int64_t N, C, HW, O, groups, Og;
  Patches p;   // one group's channels
  int64_t Kc, L;
  bool direct;  // 1x1, stride 1, no padding: columns == input
  ConvGeom(const Tensor& in, const Tensor& w, const Tensor& out, const ConvArgs& a)
      : N(in.size(0)), C(in.size(1)), HW(in.size(2) * in.size(3)), O(w.size(0)), groups(a.groups),
        Og(O / groups),
        p{C / groups, in.size(2), in.size(3), w.size(2), w.size(3), out.size(2), out.size(3)},
        Kc(p.Kc()), L(p.L()) {
    direct = p.kh == 1 && p.kw == 1 && a.sh == 1 && a.sw == 1 && a.pt == 0 && a.pl == 0 && p.OH == p.H &&
             p.OW == p.W;
  }
  // Samples per block: the block's columns (~256 KiB of floats) stay in L2 from im2col through the
  // gemm's packing, and a large batch never materialises all its columns at once.
  // A sample with 256 or more output pixels is a wide enough product alone: blocks of one sample,
  // whose [Og, L] output planes the gemm reads and writes in place.
  int64_t block() const {
    if (L >= 256) return 1;
    return std::max<int64_t>(1, std::min<int64_t>(N, (int64_t(1) << 16) / std::max<int64_t>(1, Kc * L)));
  }
};

// Samples per parallel chunk of a per-sample loop touching `per_sample` elements each.
int64_t sample_grain(int64_t per_sample) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, per_sample)); }

// The output columns [lo, hi) of a row whose input column is ox*sw + off lie inside [0, W).
inline void valid_range(int64_t OW, int64_t W, int64_t sw, int64_t off, int64_t* lo, int64_t* hi) {
  *lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  *hi = W - off <= 0 ? 0 : std::min<int64_t>(OW, (W - off - 1) / sw + 1);
  *lo = std::min(*lo, OW);
  if (*hi < *lo) *hi = *lo;
}

// cols[(c*kh+i)*kw+j][oy*OW+ox] = x[c][oy*sh - pt + i*dh][ox*sw - pl + j*dw] (0 outside); rows of
// cols are ld apart.
template <typename T>
void im2col(const T* x, const Patches& p, const ConvArgs& a, T* cols, int64_t ld) {
  for (int64_t c = 0; c < p.C; ++c)
    for (int64_t i = 0; i < p.kh; ++i)
      for (int64_t j = 0; j < p.kw; ++j) {
        T* row = cols + ((c * p.kh + i) * p.kw + j) * ld;
        const int64_t off = j * a.dw - a.pl;
        int64_t lo, hi;
        valid_range(p.OW, p.W, a.sw, off, &lo, &hi);
        for (int64_t oy = 0; oy < p.OH; ++oy) {
          T* dst = row + oy * p.OW;
          const int64_t iy = oy * a.sh - a.pt + i * a.dh;
          if (iy < 0 || iy >= p.H) {
            std::fill(dst, dst + p.OW, T(0));
            continue;
          }
          const T* src = x + (c * p.H + iy) * p.W + off;
          std::fill(dst, dst + lo, T(0));
          // Plain loops, not memcpy: rows are often shorter than a libc call's set-up.
          if (a.sw == 1)
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * a.sw];
          std::fill(dst + hi, dst + p.OW, T(0));
        }
      }
}

// The adjoint of im2col: x (zeroed here) gets x[c][iy][ix] = sum of the columns that read it.
template <typename T>
void col2im(const T* cols, int64_t ld, const Patches& p, const ConvArgs& a, T* x) {
  std::fill(x, x + p.C * p.H * p.W, T(0));
  for (int64_t c = 0; c < p.C; ++c)
    for (int64_t i = 0; i < p.kh; ++i)
      for (int64_t j = 0; j < p.kw; ++j) {
        const T* row = cols + ((c * p.kh + i) * p.kw + j) * ld;
        const int64_t off = j * a.dw - a.pl;
        int64_t lo, hi;
        valid_range(p.OW, p.W, a.sw, off, &lo, &hi);
        for (int64_t oy = 0; oy < p.OH; ++oy) {
          const int64_t iy = oy * a.sh - a.pt + i * a.dh;
          if (iy < 0 || iy >= p.H) continue;
          const T* src = row + oy * p.OW;
          T* dst = x + (c * p.H + iy) * p.W + off;
          if (a.sw == 1)
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] += src[ox];
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox * a.sw] += src[ox];
        }
      }
}

// The columns of samples [n0, n0+nb), one group: cols[:, s*L : (s+1)*L] = im2col(sample n0+s).
template <typename T>
void block_im2col(const T* x, const ConvGeom& g, const ConvArgs& a, int64_t n0, int64_t nb, int64_t gr, T* cols) {
  parallel_for(0, nb, sample_grain(g.Kc * g.L), [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s)
      im2col(x + ((n0 + s) * g.C + gr * g.p.C) * g.HW, g.p, a, cols + s * g.L, nb * g.L);
  });
}

// dst[o][s*L + l] = y[n0+s][gr*Og + o][l]: a block's [N, O, L] planes of one group side by side
// as an [Og, nb*L] matrix (or back, when to_block is false).
template <typename T>
void block_planes(T* y, const ConvGeom& g, int64_t n0, int64_t nb, int64_t gr, T* dst, bool to_block) {
  parallel_for(0, nb, sample_grain(g.Og * g.L), [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s)
      for (int64_t o = 0; o < g.Og; ++o) {
        T* plane = y + ((n0 + s) * g.O + gr * g.Og + o) * g.L;
        T* row = dst + o * nb * g.L + s * g.L;
        if (to_block)
          for (int64_t l = 0; l < g.L; ++l) row[l] = plane[l];
        else
          for (int64_t l = 0; l < g.L; ++l) plane[l] = row[l];
      }
  });
}

// A thread's column and plane buffers, reused across its blocks (uninitialised: always written first).
template <typename T>
struct Scratch {
  std::unique_ptr<T[]> cols, planes;
  Scratch(const ConvGeom& g, int64_t nbmax)
      : cols(new T[g.Kc * nbmax * g.L]), planes(new T[g.Og * nbmax * g.L]) {}
};

// Runs fn(block, n0, nb, scratch) for each block of samples. With at least two blocks per thread the
// blocks run in parallel (and every step inside a block runs inline); otherwise they run in turn
// and each step parallelises itself. Either way each output element is computed the same way.
template <typename T, typename F>
void for_each_block(const ConvGeom& g, const F& fn) {
  const int64_t nbmax = g.block(), blocks = (g.N + nbmax - 1) / nbmax;
  const int64_t grain = blocks >= 2 * get_num_threads() ? 1 : std::max<int64_t>(blocks, 1);
  parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    Scratch<T> scratch(g, nbmax);
    for (int64_t b = b0; b < b1; ++b) fn(b, b * nbmax, std::min(nbmax, g.N - b * nbmax), scratch);
  });
}

void conv2d_cpu(const Tensor& out, const Tensor& in, const Tensor& weight, const Tensor& bias,
                const ConvArgs& a) {
  ConvGeom g(in, weight, out, a);
  dispatch_numeric(in.dtype(), "conv2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    const T* w = weight.data<T>();
    T* y = out.data<T>();
    for_each_block<T>(g, [&](int64_t, int64_t n0, int64_t nb, Scratch<T>& s) {
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* wg = w + gr * g.Og * g.Kc;
        if (g.direct) {  // each sample's plane is its column matrix: multiply straight into y
          for (int64_t n = n0; n < n0 + nb; ++n)
            gemm<T>(g.Og, g.L, g.Kc, T(1), wg, g.Kc, 1, x + (n * g.C + gr * g.p.C) * g.HW, g.L, 1, T(0),
                    y + (n * g.O + gr * g.Og) * g.L, g.L, 1);
          continue;
        }
        block_im2col(x, g, a, n0, nb, gr, s.cols.get());
        T* planes = nb == 1 ? y + (n0 * g.O + gr * g.Og) * g.L : s.planes.get();
        gemm<T>(g.Og, nb * g.L, g.Kc, T(1), wg, g.Kc, 1, s.cols.get(), nb * g.L, 1, T(0), planes, nb * g.L, 1);
        if (nb > 1) block_planes(y, g, n0, nb, gr, planes, false);
      }
    });
    if (bias.defined()) {
      const T* b = bias.data<T>();
      parallel_for(0, g.N, sample_grain(g.O * g.L), [&](int64_t n0, int64_t n1) {
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t o = 0; o < g.O; ++o) {
            T* plane = y + (n * g.O + o) * g.L;
            for (int64_t l = 0; l < g.L; ++l) plane[l] += b[o];
          }
      });
    }
  });
}

// grad_cols = W_g^T @ grad_out[block, g] for a block of samples, then col2im into grad_in.
void conv2d_backward_input_cpu(const Tensor& grad_in, const Tensor& grad_out, const Tensor& weight,
                               const ConvArgs& a) {
  ConvGeom g(grad_in, weight, grad_out, a);
  dispatch_numeric(grad_in.dtype(), "conv2d_backward_input", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gy = grad_out.data<T>();
    const T* w = weight.data<T>();
    T* gx = grad_in.data<T>();
    for_each_block<T>(g, [&](int64_t, int64_t n0, int64_t nb, Scratch<T>& s) {
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        const T* wg = w + gr * g.Og * g.Kc;
        if (g.direct) {
          for (int64_t n = n0; n < n0 + nb; ++n)
            gemm<T>(g.Kc, g.L, g.Og, T(1), wg, 1, g.Kc, gy + (n * g.O + gr * g.Og) * g.L, g.L, 1, T(0),
                    gx + (n * g.C + gr * g.p.C) * g.HW, g.L, 1);
          continue;
        }
        T* cols = s.cols.get();
        T* planes = nb == 1 ? gy + (n0 * g.O + gr * g.Og) * g.L : s.planes.get();
        if (nb > 1) block_planes(gy, g, n0, nb, gr, planes, true);
        gemm<T>(g.Kc, nb * g.L, g.Og, T(1), wg, 1, g.Kc, planes, nb * g.L, 1, T(0), cols, nb * g.L, 1);
        parallel_for(0, nb, sample_grain(g.Kc * g.L), [&](int64_t s0, int64_t s1) {
          for (int64_t i = s0; i < s1; ++i)
            col2im(cols + i * g.L, nb * g.L, g.p, a, gx + ((n0 + i) * g.C + gr * g.p.C) * g.HW);
        });
      }
    });
  });
}

// grad_W_g = sum over blocks of grad_out[block, g] (Og x nb*L) @ cols(block)^T: one gemm per block
// whose reduction runs over the block's samples and pixels together. Block b > 0 writes its own
// partial sum, and the partials are added to block 0's in block order, whichever threads ran them.
void conv2d_backward_weight_cpu(const Tensor& grad_weight, const Tensor& grad_out, const Tensor& in,
                                const ConvArgs& a) {
  ConvGeom g(in, grad_weight, grad_out, a);
  dispatch_numeric(in.dtype(), "conv2d_backward_weight", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* gy = grad_out.data<T>();
    const T* x = in.data<T>();
    T* gw = grad_weight.data<T>();
    const int64_t wsize = g.O * g.Kc, nbmax = g.block(), blocks = (g.N + nbmax - 1) / nbmax;
    std::fill(gw, gw + wsize, T(0));  // stays zero for an empty batch
    std::unique_ptr<T[]> partial(new T[std::max<int64_t>(blocks - 1, 0) * wsize]);
    for_each_block<T>(g, [&](int64_t b, int64_t n0, int64_t nb, Scratch<T>& s) {
      T* acc = b == 0 ? gw : partial.get() + (b - 1) * wsize;
      for (int64_t gr = 0; gr < g.groups; ++gr) {
        T* planes = nb == 1 ? gy + (n0 * g.O + gr * g.Og) * g.L : s.planes.get();
        if (nb > 1) block_planes(gy, g, n0, nb, gr, planes, true);
        block_im2col(x, g, a, n0, nb, gr, s.cols.get());
        gemm<T>(g.Og, g.Kc, nb * g.L, T(1), planes, nb * g.L, 1, s.cols.get(), 1, nb * g.L, T(0),
                acc + gr * g.Og * g.Kc, g.Kc, 1);
      }
    });
    for (int64_t b = 1; b < blocks; ++b)
      for (int64_t i = 0; i < wsize; ++i) gw[i] += partial[(b - 1) * wsize + i];
  });
}

void im2col_cpu(const Tensor& cols, const Tensor& in, const FoldArgs& f) {
  const Patches p{in.size(1), in.size(2), in.size(3), f.kh, f.kw, f.oh, f.ow};
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* c = cols.data<T>();
    parallel_for(0, in.size(0), sample_grain(p.Kc() * p.L()), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) im2col(x + n * p.C * p.H * p.W, p, f.conv, c + n * p.Kc() * p.L(), p.L());
    });
  });
}

void col2im_cpu(const Tensor& out, const Tensor& cols, const FoldArgs& f) {
  const Patches p{out.size(1), out.size(2), out.size(3), f.kh, f.kw, f.oh, f.ow};
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* c = cols.data<T>();
    T* x = out.data<T>();
    parallel_for(0, out.size(0), sample_grain(p.Kc() * p.L()), [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) col2im(c + n * p.Kc() * p.L(), p.L(), p, f.conv, x + n * p.C * p.H * p.W);
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(conv2d_kernel, CPU, &conv2d_cpu);
EMBER_REGISTER_KERNEL(conv2d_backward_input_kernel, CPU, &conv2d_backward_input_cpu);
EMBER_REGISTER_KERNEL(conv2d_backward_weight_kernel, CPU, &conv2d_backward_weight_cpu);
EMBER_REGISTER_KERNEL(im2col_kernel, CPU, &im2col_cpu);
EMBER_REGISTER_KERNEL(col2im_kernel, CPU, &col2im_cpu);

}  // namespace ember::cpu
