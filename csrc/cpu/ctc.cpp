// CPU CTC loss (see Note [CTC layout]): samples run in parallel; each walks its own alpha (forward)
// or beta (backward) recursion over the extended target l' = (blank, l1, blank, ..., lL, blank) in
// log space, accumulating in double.
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.h"
#include "ops/ctc.h"

namespace ember::cpu {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

/// log(exp(a) + exp(b) + exp(c)) with one log: the recursion's step from up to three predecessors.
double log_add3(double a, double b, double c) {
  const double m = std::max(a, std::max(b, c));
  if (m == kNegInf) return kNegInf;
  return m + std::log(std::exp(a - m) + std::exp(b - m) + std::exp(c - m));
}

/// One sample's view: its labels, lengths and the (T, N, C) log_probs column of the sample.
template <typename T>
struct Sample {
  const T* lp;  // lp[t * stride_t + c]
  int64_t stride_t, input_length, target_length;
  const int64_t* labels;
  int64_t blank;
  int64_t extended() const { return 2 * target_length + 1; }
  int64_t label(int64_t s) const { return s % 2 ? labels[s / 2] : blank; }
  double at(int64_t t, int64_t c) const { return double(lp[t * stride_t + c]); }
  /// Whether s may be reached from s - 2 (skipping a blank between two different labels).
  bool may_skip(int64_t s) const { return s % 2 && s >= 2 && labels[s / 2] != labels[s / 2 - 1]; }
};

template <typename T>
Sample<T> sample_of(const Tensor& log_probs, const Tensor& targets, const CtcLayout& L, int64_t n) {
  const int64_t N = log_probs.size(1), C = log_probs.size(2);
  return {log_probs.data<T>() + n * C, N * C, L.input_lengths[n], L.target_lengths[n],
          targets.data<int64_t>() + L.target_offsets[n], L.blank};
}

/// The log-likelihood of a sample from its last alpha row (-inf when no alignment exists).
double log_likelihood(const double* alpha, int64_t width, int64_t input_length, int64_t extended) {
  const double* last = alpha + (input_length - 1) * width;
  return extended > 1 ? log_add(last[extended - 1], last[extended - 2]) : last[extended - 1];
}

/// Fills alpha (input_length rows of `width`) and returns the negative log-likelihood.
template <typename T>
double forward_sample(const Sample<T>& x, double* alpha, int64_t width) {
  const int64_t S = x.extended(), Tn = x.input_length;
  if (Tn == 0) return x.target_length == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  for (int64_t s = 0; s < width; ++s) alpha[s] = kNegInf;
  alpha[0] = x.at(0, x.blank);
  if (S > 1) alpha[1] = x.at(0, x.label(1));
  for (int64_t t = 1; t < Tn; ++t) {
    const double* prev = alpha + (t - 1) * width;
    double* cur = alpha + t * width;
    for (int64_t s = 0; s < width; ++s) cur[s] = kNegInf;
    for (int64_t s = 0; s < S; ++s) {
      const double a = log_add3(prev[s], s >= 1 ? prev[s - 1] : kNegInf, x.may_skip(s) ? prev[s - 2] : kNegInf);
      cur[s] = a == kNegInf ? kNegInf : a + x.at(t, x.label(s));
    }
  }
  return -log_likelihood(alpha, width, Tn, S);
}

void ctc_loss_cpu(const Tensor& nll, const Tensor& log_alpha, const Tensor& log_probs, const Tensor& targets,
                  const CtcLayout& layout) {
  const int64_t N = log_probs.size(1), T = log_probs.size(0), width = log_alpha.size(2);
  dispatch_floating(log_probs.dtype(), "ctc_loss_cpu", [&](auto tag) {
    using Scalar = typename decltype(tag)::type;
    Scalar* out = nll.data<Scalar>();
    double* alpha = log_alpha.data<double>();
    parallel_for(0, N, 1, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n) {
        double v = forward_sample(sample_of<Scalar>(log_probs, targets, layout, n), alpha + n * T * width, width);
        if (layout.zero_infinity && std::isinf(v)) v = 0;
        out[n] = Scalar(v);
      }
    });
  });
}

/// Adds nothing for a sample PyTorch gives a zero gradient (the caller zero-filled it).
template <typename T>
void backward_sample(const Sample<T>& x, const double* alpha, int64_t width, double grad_nll, T* grad, int64_t C,
                     bool zero_infinity) {
  const int64_t S = x.extended(), Tn = x.input_length;
  if (Tn == 0) return;
  const double nll = -log_likelihood(alpha, width, Tn, S);
  if (zero_infinity && std::isinf(nll)) return;
  std::vector<double> beta(Tn * width, kNegInf), occupancy(C);
  double* last = beta.data() + (Tn - 1) * width;
  last[S - 1] = x.at(Tn - 1, x.blank);
  if (S > 1) last[S - 2] = x.at(Tn - 1, x.label(S - 2));
  for (int64_t t = Tn - 2; t >= 0; --t) {
    const double* next = beta.data() + (t + 1) * width;
    double* cur = beta.data() + t * width;
    for (int64_t s = 0; s < S; ++s) {
      const double b = log_add3(next[s], s + 1 < S ? next[s + 1] : kNegInf,
                                s + 2 < S && x.may_skip(s + 2) ? next[s + 2] : kNegInf);
      cur[s] = b == kNegInf ? kNegInf : b + x.at(t, x.label(s));
    }
  }
  for (int64_t t = 0; t < Tn; ++t) {
    std::fill(occupancy.begin(), occupancy.end(), kNegInf);
    const double *a = alpha + t * width, *b = beta.data() + t * width;
    for (int64_t s = 0; s < S; ++s) {
      const int64_t c = x.label(s);
      occupancy[c] = log_add(occupancy[c], a[s] + b[s]);
    }
    T* g = grad + t * x.stride_t;
    for (int64_t c = 0; c < C; ++c) {
      const double lp = x.at(t, c);
      g[c] = T((std::exp(lp) - std::exp(occupancy[c] + nll - lp)) * grad_nll);
    }
  }
}

void ctc_loss_backward_cpu(const Tensor& grad, const Tensor& grad_nll, const Tensor& log_probs, const Tensor& targets,
                           const Tensor& log_alpha, const CtcLayout& layout) {
  const int64_t T = log_probs.size(0), N = log_probs.size(1), C = log_probs.size(2), width = log_alpha.size(2);
  dispatch_floating(log_probs.dtype(), "ctc_loss_backward_cpu", [&](auto tag) {
    using Scalar = typename decltype(tag)::type;
    Scalar* g = grad.data<Scalar>();
    std::fill(g, g + grad.numel(), Scalar(0));
    const Scalar* gn = grad_nll.data<Scalar>();
    const int64_t gn_stride = grad_nll.numel() == 1 ? 0 : 1;
    parallel_for(0, N, 1, [&](int64_t n0, int64_t n1) {
      for (int64_t n = n0; n < n1; ++n)
        backward_sample(sample_of<Scalar>(log_probs, targets, layout, n), log_alpha.data<double>() + n * T * width,
                        width, double(gn[n * gn_stride]), g + n * C, C, layout.zero_infinity);
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(ctc_loss_kernel, CPU, &ctc_loss_cpu);
EMBER_REGISTER_KERNEL(ctc_loss_backward_kernel, CPU, &ctc_loss_backward_cpu);

}  // namespace ember::cpu
