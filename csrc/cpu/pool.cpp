// CPU pooling over NCHW planes: every (n, c) plane is independent, so planes run in parallel and
// the backward kernels (which scatter within one plane) never race.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.h"
#include "ops/conv.h"

namespace ember::cpu {
namespace {

// Plane geometry of a pooling: input H x W, output OH x OW, number of planes.
struct Planes {
  int64_t planes, H, W, OH, OW;
  Planes(const Tensor& in, const Tensor& out)
      : planes(in.size(0) * in.size(1)), H(in.size(2)), W(in.size(3)), OH(out.size(2)), OW(out.size(3)) {}
  // Planes per parallel chunk, from the elements one plane touches.
  int64_t grain(int64_t window) const {
    return std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, OH * OW * window + H * W));
  }
};

template <typename T>
constexpr T lowest() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                              : std::numeric_limits<T>::lowest();
}

// NaN wins, and a later NaN wins over an earlier one, as in PyTorch.
template <typename T>
inline bool takes_max(T v, T best) {
  if constexpr (std::is_floating_point_v<T>) return v > best || std::isnan(v);
  return v > best;
}

// Adaptive windows: [floor(o*in/out), ceil((o+1)*in/out)).
inline int64_t win_start(int64_t o, int64_t in, int64_t out) { return o * in / out; }
inline int64_t win_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

// Max pooling of every plane. window(oy, ox, visit) calls visit(iy, ix) for each input position in
// the window of output (oy, ox); the largest value and its index within the plane are kept.
template <typename Window>
void max_pool_planes(const Tensor& out, const Tensor& indices, const Tensor& in, int64_t window_size,
                     const char* op, const Window& window) {
  Planes p(in, out);
  dispatch_numeric(in.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    int64_t* idx = indices.data<int64_t>();
    parallel_for(0, p.planes, p.grain(window_size), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* xp = x + pl * p.H * p.W;
        for (int64_t oy = 0; oy < p.OH; ++oy)
          for (int64_t ox = 0; ox < p.OW; ++ox) {
            T best = lowest<T>();
            int64_t arg = -1;
            window(oy, ox, [&](int64_t iy, int64_t ix) {
              const T v = xp[iy * p.W + ix];
              if (arg < 0 || takes_max(v, best)) best = v, arg = iy * p.W + ix;
            });
            const int64_t o = (pl * p.OH + oy) * p.OW + ox;
            y[o] = best;
            idx[o] = arg;
          }
      }
    });
  });
}

void max_pool2d_cpu(const Tensor& out, const Tensor& indices, const Tensor& in, const PoolArgs& a) {
  const int64_t H = in.size(2), W = in.size(3);
  max_pool_planes(out, indices, in, a.kh * a.kw, "max_pool2d", [&](int64_t oy, int64_t ox, const auto& visit) {
    for (int64_t i = 0; i < a.kh; ++i) {
      const int64_t iy = oy * a.sh - a.ph + i * a.dh;
      if (iy < 0 || iy >= H) continue;
      for (int64_t j = 0; j < a.kw; ++j) {
        const int64_t ix = ox * a.sw - a.pw + j * a.dw;
        if (ix >= 0 && ix < W) visit(iy, ix);
      }
    }
  });
}

void adaptive_max_pool2d_cpu(const Tensor& out, const Tensor& indices, const Tensor& in) {
  const int64_t H = in.size(2), W = in.size(3), OH = out.size(2), OW = out.size(3);
  const int64_t window_size = (H / std::max<int64_t>(OH, 1) + 1) * (W / std::max<int64_t>(OW, 1) + 1);
  max_pool_planes(out, indices, in, window_size, "adaptive_max_pool2d",
                  [&](int64_t oy, int64_t ox, const auto& visit) {
                    for (int64_t iy = win_start(oy, H, OH); iy < win_end(oy, H, OH); ++iy)
                      for (int64_t ix = win_start(ox, W, OW); ix < win_end(ox, W, OW); ++ix) visit(iy, ix);
                  });
}

void max_pool_backward_cpu(const Tensor& grad_in, const Tensor& grad_out, const Tensor& indices) {
  Planes p(grad_in, grad_out);
  dispatch_numeric(grad_in.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gy = grad_out.data<T>();
    const int64_t* idx = indices.data<int64_t>();
    T* gx = grad_in.data<T>();
    const int64_t in_plane = p.H * p.W, out_plane = p.OH * p.OW;
    parallel_for(0, p.planes, p.grain(1), [&](int64_t p0, int64_t p1) {
      std::fill(gx + p0 * in_plane, gx + p1 * in_plane, T(0));
      for (int64_t pl = p0; pl < p1; ++pl)
        for (int64_t o = 0; o < out_plane; ++o)
          gx[pl * in_plane + idx[pl * out_plane + o]] += gy[pl * out_plane + o];
    });
  });
}

// Calls f(plane offset of output o, window [hs, he) x [ws, we), divisor) for every output of an
// average pooling, with PyTorch's rule for the divisor.
template <typename F>
void for_each_avg_window(const Planes& p, const PoolArgs& a, bool cip, int64_t divisor, const F& f) {
  for (int64_t oy = 0; oy < p.OH; ++oy)
    for (int64_t ox = 0; ox < p.OW; ++ox) {
      int64_t hs = oy * a.sh - a.ph, ws = ox * a.sw - a.pw;
      int64_t he = std::min(hs + a.kh, p.H + a.ph), we = std::min(ws + a.kw, p.W + a.pw);
      const int64_t padded_size = (he - hs) * (we - ws);
      hs = std::max<int64_t>(hs, 0), ws = std::max<int64_t>(ws, 0);
      he = std::min(he, p.H), we = std::min(we, p.W);
      const int64_t d = divisor ? divisor : cip ? padded_size : (he - hs) * (we - ws);
      f(oy * p.OW + ox, hs, he, ws, we, d);
    }
}

void avg_pool2d_cpu(const Tensor& out, const Tensor& in, const PoolArgs& a, bool cip, int64_t divisor) {
  Planes p(in, out);
  dispatch_floating(in.dtype(), "avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    parallel_for(0, p.planes, p.grain(a.kh * a.kw), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* xp = x + pl * p.H * p.W;
        T* yp = y + pl * p.OH * p.OW;
        for_each_avg_window(p, a, cip, divisor, [&](int64_t o, int64_t hs, int64_t he, int64_t ws, int64_t we,
                                                    int64_t d) {
          T s = 0;
          for (int64_t iy = hs; iy < he; ++iy)
            for (int64_t ix = ws; ix < we; ++ix) s += xp[iy * p.W + ix];
          yp[o] = hs < he && ws < we ? s / static_cast<T>(d) : T(0);
        });
      }
    });
  });
}

void avg_pool2d_backward_cpu(const Tensor& grad_in, const Tensor& grad_out, const PoolArgs& a, bool cip,
                             int64_t divisor) {
  Planes p(grad_in, grad_out);
  dispatch_floating(grad_in.dtype(), "avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gy = grad_out.data<T>();
    T* gx = grad_in.data<T>();
    parallel_for(0, p.planes, p.grain(a.kh * a.kw), [&](int64_t p0, int64_t p1) {
      std::fill(gx + p0 * p.H * p.W, gx + p1 * p.H * p.W, T(0));
      for (int64_t pl = p0; pl < p1; ++pl) {
        T* gxp = gx + pl * p.H * p.W;
        const T* gyp = gy + pl * p.OH * p.OW;
        for_each_avg_window(p, a, cip, divisor, [&](int64_t o, int64_t hs, int64_t he, int64_t ws, int64_t we,
                                                    int64_t d) {
          const T g = gyp[o] / static_cast<T>(d);
          for (int64_t iy = hs; iy < he; ++iy)
            for (int64_t ix = ws; ix < we; ++ix) gxp[iy * p.W + ix] += g;
        });
      }
    });
  });
}

void adaptive_avg_pool2d_cpu(const Tensor& out, const Tensor& in) {
  Planes p(in, out);
  dispatch_floating(in.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    parallel_for(0, p.planes, p.grain(1), [&](int64_t p0, int64_t p1) {
      for (int64_t pl = p0; pl < p1; ++pl) {
        const T* xp = x + pl * p.H * p.W;
        for (int64_t oy = 0; oy < p.OH; ++oy) {
          const int64_t hs = win_start(oy, p.H, p.OH), he = win_end(oy, p.H, p.OH);
          for (int64_t ox = 0; ox < p.OW; ++ox) {
            const int64_t ws = win_start(ox, p.W, p.OW), we = win_end(ox, p.W, p.OW);
            T s = 0;
            for (int64_t iy = hs; iy < he; ++iy)
              for (int64_t ix = ws; ix < we; ++ix) s += xp[iy * p.W + ix];
            y[(pl * p.OH + oy) * p.OW + ox] = s / static_cast<T>((he - hs) * (we - ws));
          }
        }
      }
    });
  });
}

void adaptive_avg_pool2d_backward_cpu(const Tensor& grad_in, const Tensor& grad_out) {
  Planes p(grad_in, grad_out);
  dispatch_floating(grad_in.dtype(), "adaptive_avg_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gy = grad_out.data<T>();
    T* gx = grad_in.data<T>();
    parallel_for(0, p.planes, p.grain(1), [&](int64_t p0, int64_t p1) {
      std::fill(gx + p0 * p.H * p.W, gx + p1 * p.H * p.W, T(0));
      for (int64_t pl = p0; pl < p1; ++pl) {
        T* gxp = gx + pl * p.H * p.W;
        for (int64_t oy = 0; oy < p.OH; ++oy) {
          const int64_t hs = win_start(oy, p.H, p.OH), he = win_end(oy, p.H, p.OH);
          for (int64_t ox = 0; ox < p.OW; ++ox) {
            const int64_t ws = win_start(ox, p.W, p.OW), we = win_end(ox, p.W, p.OW);
            const T g = gy[(pl * p.OH + oy) * p.OW + ox] / static_cast<T>((he - hs) * (we - ws));
            for (int64_t iy = hs; iy < he; ++iy)
              for (int64_t ix = ws; ix < we; ++ix) gxp[iy * p.W + ix] += g;
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(max_pool2d_kernel, CPU, &max_pool2d_cpu);
EMBER_REGISTER_KERNEL(adaptive_max_pool2d_kernel, CPU, &adaptive_max_pool2d_cpu);
EMBER_REGISTER_KERNEL(max_pool_backward_kernel, CPU, &max_pool_backward_cpu);
EMBER_REGISTER_KERNEL(avg_pool2d_kernel, CPU, &avg_pool2d_cpu);
EMBER_REGISTER_KERNEL(avg_pool2d_backward_kernel, CPU, &avg_pool2d_backward_cpu);
EMBER_REGISTER_KERNEL(adaptive_avg_pool2d_kernel, CPU, &adaptive_avg_pool2d_cpu);
EMBER_REGISTER_KERNEL(adaptive_avg_pool2d_backward_kernel, CPU, &adaptive_avg_pool2d_backward_cpu);

}  // namespace ember::cpu
