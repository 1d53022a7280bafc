#include "ops/resample.h"

#include <algorithm>
#include <cmath>

#include "autograd/node.h"
#include "ops/copy.h"
#include "ops/factory.h"

namespace ember {

EMBER_DEFINE_KERNEL(resample_axis_kernel, void(const Tensor& out, const Tensor& in, int64_t outer, int64_t inner,
                                               const ResampleTaps& taps));
EMBER_DEFINE_KERNEL(resample_axis_backward_kernel, void(const Tensor& grad_in, const Tensor& grad_out,
                                                        int64_t outer, int64_t inner, const ResampleTaps& taps));

namespace {

using TapsPtr = std::shared_ptr<const ResampleTaps>;

// The rules of PyTorch's UpSample.h, in the data's precision T (float for float32 data): the scale
// from a given factor (1/factor) or from the sizes, and the source position of output j.
template <typename T>
T scale_value(double scale, int64_t in, int64_t out) {
  return scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
}

template <typename T>
T area_scale(int64_t in, int64_t out, bool align_corners, double scale) {
  if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  return scale_value<T>(scale, in, out);
}

template <typename T>
T source_index(T scale, int64_t j, bool align_corners, bool cubic) {
  if (align_corners) return scale * static_cast<T>(j);
  const T src = scale * (static_cast<T>(j) + T(0.5)) - T(0.5);
  return !cubic && src < 0 ? T(0) : src;
}

// floor as PyTorch takes it (floorf, so through float also for double data), kept below in_len.
template <typename T>
int64_t floor_index(T real, int64_t in) {
  return std::min<int64_t>(static_cast<int64_t>(std::floor(static_cast<float>(real))), in - 1);
}

// Keys' cubic convolution with A = -0.75, PyTorch's bicubic kernel.
template <typename T>
T cubic1(T x, T A) { return ((A + 2) * x - (A + 3)) * x * x + 1; }
template <typename T>
T cubic2(T x, T A) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }

template <typename T>
void fill_taps(ResampleTaps& t, const std::string& mode, bool align_corners, double scale) {
  const int64_t in = t.in_len, out = t.out_len;
  t.taps = mode == "linear" ? 2 : mode == "cubic" ? 4 : 1;
  t.index.resize(out * t.taps);
  t.weight.resize(out * t.taps);
  for (int64_t j = 0; j < out; ++j) {
    int64_t* idx = t.index.data() + j * t.taps;
    double* w = t.weight.data() + j * t.taps;
    if (mode == "nearest" || mode == "nearest-exact") {
      // The nearest scale is float whatever the dtype; "nearest" keeps PyTorch's shortcuts for
      // equal and doubled sizes.
      const float s = scale_value<float>(scale, in, out);
      if (mode == "nearest-exact")
        idx[0] = std::min<int64_t>(static_cast<int64_t>(std::floor(static_cast<float>((j + 0.5) * s))), in - 1);
      else if (out == in)
        idx[0] = j;
      else if (out == 2 * in)
        idx[0] = j >> 1;
      else
        idx[0] = std::min<int64_t>(static_cast<int64_t>(std::floor(static_cast<float>(j) * s)), in - 1);
      w[0] = 1;
      continue;
    }
    const T s = area_scale<T>(in, out, align_corners, scale);
    const T real = source_index<T>(s, j, align_corners, mode == "cubic");
    const int64_t i0 = floor_index(real, in);
    const T lambda = std::min(std::max(real - static_cast<T>(i0), T(0)), T(1));
    if (mode == "linear") {
      idx[0] = i0, idx[1] = i0 + (i0 < in - 1 ? 1 : 0);
      w[0] = T(1) - lambda, w[1] = lambda;
    } else {
      const T A = T(-0.75);
      const T c[4] = {cubic2<T>(lambda + 1, A), cubic1<T>(lambda, A), cubic1<T>(1 - lambda, A),
                      cubic2<T>(2 - lambda, A)};
      for (int k = 0; k < 4; ++k) {
        idx[k] = std::min<int64_t>(std::max<int64_t>(i0 - 1 + k, 0), in - 1);
        w[k] = c[k];
      }
    }
  }
}

Tensor resample_axis_backward(const Tensor& grad_out, int64_t dim, const TapsPtr& taps);

// (outer, inner) of a contiguous tensor around `dim`.
std::pair<int64_t, int64_t> outer_inner(const Shape& s, int64_t dim) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= s[d];
  for (int64_t d = dim + 1; d < s.size(); ++d) inner *= s[d];
  return {outer, inner};
}

// Resamples `dim` of input to taps->out_len; linear in input, so its gradient is the adjoint.
Tensor resample_axis(const Tensor& input, int64_t dim, const TapsPtr& taps) {
  Tensor x = contiguous(input);
  Shape sizes = x.sizes();
  sizes[dim] = taps->out_len;
  Tensor out = empty(sizes, x.dtype(), x.device());
  auto [outer, inner] = outer_inner(sizes, dim);
  resample_axis_kernel(x.device(), out, x, outer, inner, *taps);
  if (should_record({&input})) {
    record("UpsampleBackward0", {input}, out, {}, [dim, taps](const TensorList& g, const TensorList&) {
      return TensorList{resample_axis_backward(g[0], dim, taps)};
    });
  }
  return out;
}

Tensor resample_axis_backward(const Tensor& grad_out, int64_t dim, const TapsPtr& taps) {
  Tensor g = contiguous(grad_out);
  Shape sizes = g.sizes();
  sizes[dim] = taps->in_len;
  Tensor grad_in = empty(sizes, g.dtype(), g.device());
  auto [outer, inner] = outer_inner(sizes, dim);
  resample_axis_backward_kernel(g.device(), grad_in, g, outer, inner, *taps);
  if (should_record({&grad_out})) {
    record("UpsampleBackwardBackward0", {grad_out}, grad_in, {}, [dim, taps](const TensorList& gg, const TensorList&) {
      return TensorList{resample_axis(gg[0], dim, taps)};
    });
  }
  return grad_in;
}

}  // namespace

Tensor upsample(const Tensor& input, const Shape& output_size, const std::vector<double>& scales,
                const std::string& mode, bool align_corners) {
  EMBER_CHECK(mode == "nearest" || mode == "nearest-exact" || mode == "linear" || mode == "cubic",
              "upsample: unknown mode '", mode, "'");
  const int64_t nsp = output_size.size();
  EMBER_CHECK(nsp >= 1 && input.dim() == nsp + 2, "upsample: expected a ", nsp + 2, "-d input for ", nsp,
              " output sizes, but got input of size ", input.sizes());
  EMBER_CHECK(static_cast<int64_t>(scales.size()) == nsp, "upsample: expected ", nsp, " scales, but got ", scales.size());
  EMBER_CHECK(is_floating(input.dtype()), "\"upsample_", mode, "\" not implemented for '",
              scalar_type_name(input.dtype()), "'");
  bool positive = true;
  for (int64_t d = 2; d < input.dim(); ++d) positive = positive && input.size(d) > 0 && output_size[d - 2] > 0;
  const Shape in_spatial(input.sizes().begin() + 2, input.sizes().end());
  EMBER_CHECK(positive, "Input and output sizes should be greater than 0, but got input sizes ", in_spatial,
              " and output sizes ", output_size);
  Tensor out = input;
  for (int64_t i = nsp - 1; i >= 0; --i) {
    auto taps = std::make_shared<ResampleTaps>();
    taps->in_len = input.size(2 + i), taps->out_len = output_size[i];
    if (input.dtype() == DType::Float64)
      fill_taps<double>(*taps, mode, align_corners, scales[i]);
    else
      fill_taps<float>(*taps, mode, align_corners, scales[i]);
    out = resample_axis(out, 2 + i, taps);
  }
  return out;
}

}  // namespace ember
