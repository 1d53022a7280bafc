// CPU resampling along one axis of a contiguous (outer, L, inner) view: outer lines run in
// parallel; the backward scatters within one line, so lines never race.
#include <algorithm>

#include "core/parallel.h"
#include "ops/resample.h"

namespace ember::cpu {
namespace {

int64_t line_grain(int64_t per_line) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, per_line)); }

void resample_axis_cpu(const Tensor& out, const Tensor& in, int64_t outer, int64_t inner, const ResampleTaps& t) {
  dispatch_floating(in.dtype(), "upsample", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    const int64_t nt = t.taps, Lin = t.in_len, Lout = t.out_len;
    std::vector<T> w(t.weight.begin(), t.weight.end());
    parallel_for(0, outer, line_grain(Lout * inner * nt), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const T* xl = x + o * Lin * inner;
        T* yl = y + o * Lout * inner;
        if (inner == 1) {
          for (int64_t j = 0; j < Lout; ++j) {
            const int64_t* idx = t.index.data() + j * nt;
            const T* wj = w.data() + j * nt;
            T acc = xl[idx[0]] * wj[0];
            for (int64_t k = 1; k < nt; ++k) acc += xl[idx[k]] * wj[k];
            yl[j] = acc;
          }
          continue;
        }
        for (int64_t j = 0; j < Lout; ++j) {
          T* dst = yl + j * inner;
          const int64_t* idx = t.index.data() + j * nt;
          const T* wj = w.data() + j * nt;
          const T* src = xl + idx[0] * inner;
          const T w0 = wj[0];
          for (int64_t i = 0; i < inner; ++i) dst[i] = src[i] * w0;
          for (int64_t k = 1; k < nt; ++k) {
            const T* s = xl + idx[k] * inner;
            const T wk = wj[k];
            for (int64_t i = 0; i < inner; ++i) dst[i] += s[i] * wk;
          }
        }
      }
    });
  });
}

void resample_axis_backward_cpu(const Tensor& grad_in, const Tensor& grad_out, int64_t outer, int64_t inner,
                                const ResampleTaps& t) {
  dispatch_floating(grad_in.dtype(), "upsample_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gy = grad_out.data<T>();
    T* gx = grad_in.data<T>();
    const int64_t nt = t.taps, Lin = t.in_len, Lout = t.out_len;
    std::vector<T> w(t.weight.begin(), t.weight.end());
    parallel_for(0, outer, line_grain(Lout * inner * nt), [&](int64_t o0, int64_t o1) {
      std::fill(gx + o0 * Lin * inner, gx + o1 * Lin * inner, T(0));
      for (int64_t o = o0; o < o1; ++o) {
        T* gxl = gx + o * Lin * inner;
        const T* gyl = gy + o * Lout * inner;
        for (int64_t j = 0; j < Lout; ++j) {
          const T* src = gyl + j * inner;
          for (int64_t k = 0; k < nt; ++k) {
            T* dst = gxl + t.index[j * nt + k] * inner;
            const T wk = w[j * nt + k];
            for (int64_t i = 0; i < inner; ++i) dst[i] += src[i] * wk;
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(resample_axis_kernel, CPU, &resample_axis_cpu);
EMBER_REGISTER_KERNEL(resample_axis_backward_kernel, CPU, &resample_axis_backward_cpu);

}  // namespace ember::cpu
