// CPU grid sampling. Each output point reads a fixed set of taps (plane offset, weight and the
// weight's derivative w.r.t. each grid coordinate): 4 or 8 for bilinear, 1 for nearest, 16 for
// bicubic. The forward runs points in parallel over all channels; the backward builds one sample's
// taps once, then scatters the input gradient with channels in parallel (planes never race) and
// sums the grid gradient with points in parallel. The coordinate rules are PyTorch's
// (GridSampler.h): unnormalise, then clip or reflect, each step's derivative carried along.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel.h"
#include "ops/grid_sample.h"

namespace ember::cpu {
namespace {

template <typename T>
T unnormalize(T c, int64_t size, bool align_corners, T* mult) {
  if (align_corners) {
    *mult = static_cast<T>(size - 1) / 2;
    return (c + 1) / 2 * static_cast<T>(size - 1);
  }
  *mult = static_cast<T>(size) / 2;
  return ((c + 1) * static_cast<T>(size) - 1) / 2;
}

// Clamps to [0, size-1]; the derivative is 0 outside (and at 0, as in PyTorch).
template <typename T>
T clip(T in, int64_t size, T* grad) {
  if (in <= 0) {
    *grad = 0;
    return 0;
  }
  const T hi = static_cast<T>(size - 1);
  if (in >= hi) {
    *grad = 0;
    return hi;
  }
  *grad = 1;
  return in;
}

// Reflects into [twice_low/2, twice_high/2], the derivative +-1.
template <typename T>
T reflect(T in, int64_t twice_low, int64_t twice_high, T* grad) {
  if (twice_low == twice_high) {
    *grad = 0;
    return 0;
  }
  const T lo = static_cast<T>(twice_low) / 2, span = static_cast<T>(twice_high - twice_low) / 2;
  in = in - lo;
  T sign = 1;
  if (in < 0) sign = -1, in = -in;
  const T extra = std::fmod(in, span);
  const int64_t flips = static_cast<int64_t>(std::floor(in / span));
  if (flips % 2 == 0) {
    *grad = sign;
    return extra + lo;
  }
  *grad = -sign;
  return span - extra + lo;
}

// Border/reflection padding of a source coordinate (derivative multiplied into *grad).
template <typename T>
T pad_coordinate(T c, int64_t size, GridPadding padding, bool align_corners, T* grad) {
  T g = 1;
  if (padding == GridPadding::Border) {
    c = clip(c, size, &g);
  } else if (padding == GridPadding::Reflection) {
    T g2;
    c = align_corners ? reflect(c, 0, 2 * (size - 1), &g) : reflect(c, -1, 2 * size - 1, &g);
    c = clip(c, size, &g2);
    g *= g2;
  }
  *grad *= g;
  return c;
}

template <typename T>
void cubic_coefficients(T t, T c[4], T dc[4]) {
  const T A = T(-0.75);
  auto k1 = [A](T x) { return ((A + 2) * x - (A + 3)) * x * x + 1; };
  auto k2 = [A](T x) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; };
  auto dk1 = [A](T x) { return (3 * (A + 2) * x - 2 * (A + 3)) * x; };
  auto dk2 = [A](T x) { return (3 * A * x - 10 * A) * x + 8 * A; };
  c[0] = k2(t + 1), c[1] = k1(t), c[2] = k1(1 - t), c[3] = k2(2 - t);
  dc[0] = dk2(t + 1), dc[1] = dk1(t), dc[2] = -dk1(1 - t), dc[3] = -dk2(2 - t);
}

constexpr int kMaxTaps = 16;

// The taps of one point: plane offsets (-1: outside, reads 0), weights, d weight / d coord[a].
template <typename T>
struct Taps {
  int count = 0;
  int64_t off[kMaxTaps];
  T w[kMaxTaps];
  T d[kMaxTaps][3];
};

// size[a] is the input extent along grid coordinate a (x: W, y: H, z: D).
template <typename T>
void point_taps(const T* coord, const int64_t* size, int nsp, const GridSampleArgs& a, Taps<T>& t) {
  auto offset = [&](const int64_t* idx) -> int64_t {
    int64_t off = 0;
    for (int k = nsp - 1; k >= 0; --k) {
      if (idx[k] < 0 || idx[k] >= size[k]) return -1;
      off = off * size[k] + idx[k];
    }
    return off;
  };
  if (a.mode == GridMode::Bicubic) {
    T c[2][4], dc[2][4];
    int64_t base[2];
    for (int k = 0; k < 2; ++k) {
      T m;
      const T s = unnormalize(coord[k], size[k], a.align_corners, &m);
      const T f = std::floor(s);
      base[k] = static_cast<int64_t>(f);
      cubic_coefficients(s - f, c[k], dc[k]);
      for (int i = 0; i < 4; ++i) dc[k][i] *= m;
    }
    t.count = 16;
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 4; ++i) {
        const int n = j * 4 + i;
        int64_t idx[2];
        for (int k = 0; k < 2; ++k) {
          T unused = 1;
          idx[k] = static_cast<int64_t>(pad_coordinate(static_cast<T>(base[k] - 1 + (k ? j : i)), size[k], a.padding,
                                                       a.align_corners, &unused));
        }
        t.off[n] = offset(idx);
        t.w[n] = c[0][i] * c[1][j];
        t.d[n][0] = dc[0][i] * c[1][j];
        t.d[n][1] = c[0][i] * dc[1][j];
      }
    return;
  }
  T src[3], mult[3];
  for (int k = 0; k < nsp; ++k) {
    src[k] = unnormalize(coord[k], size[k], a.align_corners, &mult[k]);
    src[k] = pad_coordinate(src[k], size[k], a.padding, a.align_corners, &mult[k]);
  }
  if (a.mode == GridMode::Nearest) {
    int64_t idx[3];
    for (int k = 0; k < nsp; ++k) idx[k] = static_cast<int64_t>(std::nearbyint(src[k]));
    t.count = 1;
    t.off[0] = offset(idx);
    t.w[0] = 1;
    t.d[0][0] = t.d[0][1] = t.d[0][2] = 0;
    return;
  }
  // Bilinear: corner n takes the upper index along axis k when bit k of n is set (x fastest).
  int64_t lo[3];
  T w[3][2], dw[3][2];
  for (int k = 0; k < nsp; ++k) {
    const T f = std::floor(src[k]);
    lo[k] = static_cast<int64_t>(f);
    w[k][0] = (f + 1) - src[k], w[k][1] = src[k] - f;
    dw[k][0] = -mult[k], dw[k][1] = mult[k];
  }
  t.count = 1 << nsp;
  for (int n = 0; n < t.count; ++n) {
    int64_t idx[3];
    T weight = 1;
    for (int k = 0; k < nsp; ++k) {
      const int b = (n >> k) & 1;
      idx[k] = lo[k] + b;
      weight = k ? weight * w[k][b] : w[k][b];
    }
    t.off[n] = offset(idx);
    t.w[n] = weight;
    for (int k = 0; k < nsp; ++k) {
      T dk = 1;
      for (int q = 0; q < nsp; ++q) dk *= q == k ? dw[q][(n >> q) & 1] : w[q][(n >> q) & 1];
      t.d[n][k] = dk;
    }
  }
}

// The geometry: N samples, C channels, an input plane of `plane` elements (extents size[]), P
// output points per sample.
struct Geom {
  int64_t N, C, plane, P;
  int nsp;
  int64_t size[3];
  Geom(const Tensor& input, const Tensor& grid) : N(input.size(0)), C(input.size(1)), nsp(input.dim() - 2) {
    plane = 1, P = 1;
    for (int k = 0; k < nsp; ++k) {
      size[k] = input.size(input.dim() - 1 - k);
      plane *= size[k];
      P *= grid.size(1 + k);
    }
  }
};

int64_t point_grain(int64_t C, int taps) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, C * taps)); }

void grid_sample_cpu(const Tensor& out, const Tensor& input, const Tensor& grid, const GridSampleArgs& a) {
  const Geom g(input, grid);
  dispatch_floating(input.dtype(), "grid_sampler", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data<T>();
    const T* gr = grid.data<T>();
    T* y = out.data<T>();
    parallel_for(0, g.N * g.P, point_grain(g.C, 4), [&](int64_t p0, int64_t p1) {
      Taps<T> t;
      for (int64_t q = p0; q < p1; ++q) {
        const int64_t n = q / g.P, p = q % g.P;
        point_taps(gr + q * g.nsp, g.size, g.nsp, a, t);
        for (int64_t c = 0; c < g.C; ++c) {
          const T* xp = x + (n * g.C + c) * g.plane;
          T acc = 0;
          for (int k = 0; k < t.count; ++k)
            if (t.off[k] >= 0) acc += xp[t.off[k]] * t.w[k];
          y[(n * g.C + c) * g.P + p] = acc;
        }
      }
    });
  });
}

void grid_sample_backward_cpu(const Tensor& grad_input, const Tensor& grad_grid, const Tensor& grad_out,
                              const Tensor& input, const Tensor& grid, const GridSampleArgs& a) {
  const Geom g(input, grid);
  dispatch_floating(input.dtype(), "grid_sampler_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data<T>();
    const T* gr = grid.data<T>();
    const T* gy = grad_out.data<T>();
    T* gx = grad_input.defined() ? grad_input.data<T>() : nullptr;
    T* gg = grad_grid.defined() ? grad_grid.data<T>() : nullptr;
    if (gx) std::fill(gx, gx + g.N * g.C * g.plane, T(0));
    std::vector<Taps<T>> taps(g.P);
    for (int64_t n = 0; n < g.N; ++n) {
      parallel_for(0, g.P, point_grain(1, 16), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) point_taps(gr + (n * g.P + p) * g.nsp, g.size, g.nsp, a, taps[p]);
      });
      if (gx)
        parallel_for(0, g.C, 1, [&](int64_t c0, int64_t c1) {
          for (int64_t c = c0; c < c1; ++c) {
            T* gxp = gx + (n * g.C + c) * g.plane;
            const T* gyp = gy + (n * g.C + c) * g.P;
            for (int64_t p = 0; p < g.P; ++p) {
              const Taps<T>& t = taps[p];
              for (int k = 0; k < t.count; ++k)
                if (t.off[k] >= 0) gxp[t.off[k]] += t.w[k] * gyp[p];
            }
          }
        });
      if (gg)
        parallel_for(0, g.P, point_grain(g.C, 16), [&](int64_t p0, int64_t p1) {
          for (int64_t p = p0; p < p1; ++p) {
            const Taps<T>& t = taps[p];
            T sum[3] = {0, 0, 0};
            for (int64_t c = 0; c < g.C; ++c) {
              const T* xp = x + (n * g.C + c) * g.plane;
              const T go = gy[(n * g.C + c) * g.P + p];
              for (int k = 0; k < t.count; ++k)
                if (t.off[k] >= 0)
                  for (int q = 0; q < g.nsp; ++q) sum[q] += xp[t.off[k]] * t.d[k][q] * go;
            }
            for (int q = 0; q < g.nsp; ++q) gg[(n * g.P + p) * g.nsp + q] = sum[q];
          }
        });
    }
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(grid_sample_kernel, CPU, &grid_sample_cpu);
EMBER_REGISTER_KERNEL(grid_sample_backward_kernel, CPU, &grid_sample_backward_cpu);

}  // namespace ember::cpu
