// CPU reductions, scans and softmax (see Note [Reduction kernel layout] in ops/reduce.h).
//
// A reduction is planned once per call: size-1 dims are dropped, the kept and the reduced dims are
// each sorted innermost-first by input stride and merged where contiguous. Then one of two loops:
//  - inner: the input's innermost dim is reduced. Each output element reduces its own rows, and a
//    contiguous row is reduced in 8 independent lanes so the compiler vectorises it.
//  - vertical: the innermost dim is kept. A block of adjacent outputs accumulates one input row at a
//    time into a small accumulator array, so the inner loop runs along contiguous memory.
// Threads split the OUTPUT elements, so no two threads ever write the same output; a reduction to
// a single element instead splits its input into per-thread partial accumulators merged at the end.
// float accumulates in double: a 1e7-element float32 sum keeps ~1e-9 relative accuracy.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <memory>

#include "core/parallel.h"
#include "cpu/reduce_simd.h"
#include "ops/reduce.h"

namespace ember::cpu {
namespace {

/// Work (input elements) below which a reduction stays on one thread.
constexpr int64_t kGrain = 32768;
/// Outputs accumulated together by the vertical loop.
constexpr int64_t kBlock = 256;

template <typename T>
using acc_type_t = std::conditional_t<std::is_floating_point_v<T>, double,
                                      std::conditional_t<std::is_same_v<T, bool>, int64_t, int64_t>>;

template <typename T>
bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x; else return false;
}
/// a beats b for max: larger, or NaN (NaN propagates, as in PyTorch). Bitwise, not short-circuit,
/// operators keep it branch-free so that the lanes of a row vectorise (10x on amax).
template <typename T>
bool beats_max(T a, T b) { return (a > b) | (is_nan(a) & !is_nan(b)); }
template <typename T>
bool beats_min(T a, T b) { return (a < b) | (is_nan(a) & !is_nan(b)); }

/// max (IsMax) or min of a contiguous run, starting from `acc`, with NaN propagating. The main loop
/// is a plain compare-select the compiler turns into vector max/min; NaN (which that loop would
/// drop) is detected through x * 0, which is NaN only for NaN and inf, and then the run is redone
/// with the exact NaN-aware comparison.
template <bool IsMax, typename T>
T extremum_run(T acc, const T* p, int64_t n) {
  auto exact = [&](T a, int64_t from) {
    for (int64_t i = from; i < n; ++i) a = (IsMax ? beats_max(p[i], a) : beats_min(p[i], a)) ? p[i] : a;
    return a;
  };
  constexpr int L = 8;
  if (n < 2 * L) return exact(acc, 0);
  T lane[L], probe[L];
  for (int k = 0; k < L; ++k) lane[k] = p[k], probe[k] = 0;
  int64_t i = L;
  for (; i + L <= n; i += L)
    for (int k = 0; k < L; ++k) {
      T x = p[i + k];
      lane[k] = IsMax ? (x > lane[k] ? x : lane[k]) : (x < lane[k] ? x : lane[k]);
      if constexpr (std::is_floating_point_v<T>) probe[k] += x * T(0);
    }
  if constexpr (std::is_floating_point_v<T>) {
    T bad = 0;
    for (int k = 0; k < L; ++k) bad += probe[k] + p[k] * T(0);
    if (bad != bad) return exact(acc, 0);
  }
  for (int k = 0; k < L; ++k) acc = (IsMax ? beats_max(lane[k], acc) : beats_min(lane[k], acc)) ? lane[k] : acc;
  return exact(acc, i);
}

// ---- the plan ---------------------------------------------------------------------------------

struct Dims {
  int n = 0;
  int64_t size[kMaxDims];
  int64_t in[kMaxDims];   // input stride (elements)
  int64_t out[kMaxDims];  // output stride (elements; 0 for reduced dims)
  int64_t numel() const {
    int64_t k = 1;
    for (int i = 0; i < n; ++i) k *= size[i];
    return k;
  }
  void push(int64_t size_, int64_t in_, int64_t out_) {
    size[n] = size_, in[n] = in_, out[n] = out_, ++n;
  }
  // Innermost first by |input stride|, then merges a dim into the previous one when both the
  // input and the output step through the pair as one.
  void sort_and_merge() {
    int order[kMaxDims];
    for (int i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order, order + n, [&](int a, int b) { return std::abs(in[a]) < std::abs(in[b]); });
    Dims s;
    for (int k = 0; k < n; ++k) {
      int i = order[k];
      if (s.n > 0 && in[i] == s.in[s.n - 1] * s.size[s.n - 1] &&
          out[i] == s.out[s.n - 1] * s.size[s.n - 1]) {
        s.size[s.n - 1] *= size[i];
      } else {
        s.push(size[i], in[i], out[i]);
      }
    }
    *this = s;
  }
};

struct Plan {
  Dims kept, red;
  int64_t n_out, n_red;
  bool inner;  // the input's innermost dim is reduced

  // `out` has the keepdim shape and is contiguous; `merge` is false when reduced dims must keep
  // their logical order (arg reductions, which have at most one).
  Plan(const Tensor& out, const Tensor& in) {
    Shape os = contiguous_strides(out.sizes());
    for (int d = 0; d < in.dim(); ++d) {
      int64_t s = in.sizes()[d];
      if (s == 1) continue;
      if (out.sizes()[d] == 1) red.push(s, in.strides()[d], 0);
      else kept.push(s, in.strides()[d], os[d]);
    }
    kept.sort_and_merge();
    red.sort_and_merge();
    n_out = kept.numel();
    n_red = red.numel();
    inner = red.n > 0 && (kept.n == 0 || std::abs(red.in[0]) < std::abs(kept.in[0]));
  }
};

/// Walks a multi-index over dims [first, d.n), innermost first, tracking input and output offsets.
struct Walker {
  const Dims& d;
  int first;
  int64_t idx[kMaxDims] = {};
  int64_t in = 0, out = 0;
  Walker(const Dims& dims, int first_dim, int64_t start) : d(dims), first(first_dim) {
    for (int i = first; i < d.n; ++i) {
      idx[i] = start % d.size[i];
      start /= d.size[i];
      in += idx[i] * d.in[i];
      out += idx[i] * d.out[i];
    }
  }
  void next() {
    for (int i = first; i < d.n; ++i) {
      in += d.in[i], out += d.out[i];
      if (++idx[i] < d.size[i]) return;
      in -= d.in[i] * d.size[i], out -= d.out[i] * d.size[i];
      idx[i] = 0;
    }
  }
};

// ---- reduction functors -------------------------------------------------------------------------
// Each has acc_t, init(), combine(acc, x), merge(acc, acc) (for lanes and thread partials) and
// write(out_offset, acc). kLanes is false for those whose combine counts positions.

template <typename T, typename Acc, typename Out, typename Derived>
struct OpBase {
  using acc_t = Acc;
  static constexpr bool kLanes = true;
  Out* out;
};

/// Ops may define run(acc, p, n) for a contiguous run faster than the generic lanes.
template <typename Op, typename = void>
struct has_run : std::false_type {};
template <typename Op>
struct has_run<Op, std::void_t<decltype(&Op::run)>> : std::true_type {};

template <typename T>
struct SumOp : OpBase<T, acc_type_t<T>, T, SumOp<T>> {
  using acc_t = acc_type_t<T>;
  double scale = 1;  // 1/n for mean
  bool mean = false;
  acc_t init() const { return 0; }
  acc_t combine(acc_t a, T x) const { return a + acc_t(x); }
  acc_t merge(acc_t a, acc_t b) const { return a + b; }
  void write(int64_t o, acc_t a) const {
    if constexpr (std::is_floating_point_v<T>)
      this->out[o] = T(mean ? a * scale : a);
    else
      this->out[o] = T(a);
  }
};

template <typename T>
struct ProdOp : OpBase<T, acc_type_t<T>, T, ProdOp<T>> {
  using acc_t = acc_type_t<T>;
  acc_t init() const { return 1; }
  acc_t combine(acc_t a, T x) const { return a * acc_t(x); }
  acc_t merge(acc_t a, acc_t b) const { return a * b; }
  void write(int64_t o, acc_t a) const { this->out[o] = T(a); }
};

template <typename T, bool IsMax>
struct ExtremumOp : OpBase<T, T, T, ExtremumOp<T, IsMax>> {
  using acc_t = T;
  acc_t init() const {
    if constexpr (std::is_floating_point_v<T>)
      return IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    else
      return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  acc_t combine(acc_t a, T x) const {
    if constexpr (IsMax) return beats_max(x, a) ? x : a; else return beats_min(x, a) ? x : a;
  }
  acc_t merge(acc_t a, acc_t b) const { return combine(a, b); }
  acc_t run(acc_t a, const T* p, int64_t n) const { return extremum_run<IsMax>(a, p, n); }
  void write(int64_t o, acc_t a) const { this->out[o] = a; }
};

/// all (IsAll) or any over x != 0.
template <typename T, bool IsAll>
struct LogicalOp : OpBase<T, bool, bool, LogicalOp<T, IsAll>> {
  using acc_t = bool;
  acc_t init() const { return IsAll; }
  acc_t combine(acc_t a, T x) const { return IsAll ? (a & (x != T(0))) : (a | (x != T(0))); }
  acc_t merge(acc_t a, acc_t b) const { return IsAll ? (a & b) : (a | b); }
  void write(int64_t o, acc_t a) const { this->out[o] = a; }
};

template <typename T>
struct CountNonzeroOp : OpBase<T, int64_t, int64_t, CountNonzeroOp<T>> {
  using acc_t = int64_t;
  acc_t init() const { return 0; }
  acc_t combine(acc_t a, T x) const { return a + (x != T(0)); }
  acc_t merge(acc_t a, acc_t b) const { return a + b; }
  void write(int64_t o, acc_t a) const { this->out[o] = a; }
};

/// log(sum(exp(x))) in one pass: the running max m and sum(exp(x - m)), rescaled when m grows.
template <typename T>
struct LogSumExpOp : OpBase<T, void, T, LogSumExpOp<T>> {
  struct acc_t {
    double m, s;
  };
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  acc_t init() const { return {-kInf, 0}; }
  acc_t combine(acc_t a, T x) const { return merge(a, {double(x), 1}); }
  acc_t merge(acc_t a, acc_t b) const {
    if (a.m != a.m || b.m != b.m) return {std::numeric_limits<double>::quiet_NaN(), 1};
    if (b.s == 0 || b.m == -kInf) return a;  // b contributes exp(-inf) = 0
    if (a.s == 0 || a.m == -kInf) return b;
    if (a.m == b.m) return {a.m, a.s + b.s};  // also +inf + +inf, where m - m would be NaN
    return a.m > b.m ? acc_t{a.m, a.s + b.s * std::exp(b.m - a.m)} : acc_t{b.m, b.s + a.s * std::exp(a.m - b.m)};
  }
  void write(int64_t o, acc_t a) const { this->out[o] = T(a.s == 0 ? -kInf : a.m + std::log(a.s)); }
};

/// Vector norms; Kind picks the map of |x| and the final root.
template <typename T, ReduceOp Kind>
struct NormOp : OpBase<T, double, T, NormOp<T, Kind>> {
  using acc_t = double;
  double p = 2;
  acc_t init() const {
    if constexpr (Kind == ReduceOp::NormNegInf) return std::numeric_limits<double>::infinity();
    else return 0;
  }
  acc_t combine(acc_t a, T x) const {
    double v = std::abs(double(x));
    if constexpr (Kind == ReduceOp::NormL0) return a + (v != 0);
    else if constexpr (Kind == ReduceOp::NormL1) return a + v;
    else if constexpr (Kind == ReduceOp::NormL2) return a + v * v;
    else if constexpr (Kind == ReduceOp::NormInf) return beats_max(v, a) ? v : a;
    else if constexpr (Kind == ReduceOp::NormNegInf) return beats_min(v, a) ? v : a;
    else return a + std::pow(v, p);
  }
  acc_t merge(acc_t a, acc_t b) const {
    if constexpr (Kind == ReduceOp::NormInf) return beats_max(b, a) ? b : a;
    else if constexpr (Kind == ReduceOp::NormNegInf) return beats_min(b, a) ? b : a;
    else return a + b;
  }
  void write(int64_t o, acc_t a) const {
    if constexpr (Kind == ReduceOp::NormL2) a = std::sqrt(a);
    else if constexpr (Kind == ReduceOp::NormP) a = std::pow(a, 1.0 / p);
    this->out[o] = T(a);
  }
};

/// The value and position of the first max/min along one dim. combine counts positions, so a row
/// is reduced in order (no lanes) and never split across threads.
template <typename T, bool IsMax>
struct ArgOp {
  static constexpr bool kLanes = false;
  struct acc_t {
    T value;
    int64_t index, seen;
  };
  T* values;  // may be null
  int64_t* indices;
  acc_t init() const { return {T(0), 0, 0}; }
  acc_t combine(acc_t a, T x) const {
    bool take = a.seen == 0 || (IsMax ? beats_max(x, a.value) : beats_min(x, a.value));
    if (take) a.value = x, a.index = a.seen;
    ++a.seen;
    return a;
  }
  acc_t merge(acc_t a, acc_t) const { return a; }  // never called: kLanes is false
  void write(int64_t o, acc_t a) const {
    if (values) values[o] = a.value;
    indices[o] = a.index;
  }
};

// ---- the two loops ------------------------------------------------------------------------------

template <typename Op, typename T>
typename Op::acc_t reduce_row(const Op& op, typename Op::acc_t acc, const T* p, int64_t n, int64_t s) {
  using acc_t = typename Op::acc_t;
  if constexpr (has_run<Op>::value) {
    if (s == 1) return op.run(acc, p, n);
  } else if constexpr (Op::kLanes) {
    if (s == 1) {
      constexpr int L = 8;
      acc_t lane[L];
      for (int k = 0; k < L; ++k) lane[k] = op.init();
      int64_t i = 0;
      for (; i + L <= n; i += L)
        for (int k = 0; k < L; ++k) lane[k] = op.combine(lane[k], p[i + k]);
      for (; i < n; ++i) acc = op.combine(acc, p[i]);
      for (int k = 0; k < L; ++k) acc = op.merge(acc, lane[k]);
      return acc;
    }
  }
  for (int64_t i = 0; i < n; ++i) acc = op.combine(acc, p[i * s]);
  return acc;
}

// Reduces everything the output element at input offset `base` covers.
template <typename Op, typename T>
typename Op::acc_t reduce_one(const Op& op, const Plan& plan, const T* base) {
  typename Op::acc_t acc = op.init();
  if (plan.red.n == 0) return op.combine(acc, *base);
  const int64_t rows = plan.n_red / plan.red.size[0];
  Walker r(plan.red, 1, 0);
  for (int64_t k = 0; k < rows; ++k, r.next())
    acc = reduce_row(op, acc, base + r.in, plan.red.size[0], plan.red.in[0]);
  return acc;
}

template <typename Op, typename T>
void inner_loop(const Op& op, const Plan& plan, const T* in) {
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(plan.n_red, 1));
  parallel_for(0, plan.n_out, grain, [&](int64_t begin, int64_t end) {
    Walker w(plan.kept, 0, begin);
    for (int64_t o = begin; o < end; ++o, w.next()) op.write(w.out, reduce_one(op, plan, in + w.in));
  });
}

// One output, one contiguous run of input: per-thread partials over slices of the run.
template <typename Op, typename T>
void split_single(const Op& op, const Plan& plan, const T* in) {
  const int64_t n = plan.red.size[0], s = plan.red.in[0];
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), n / kGrain));
  std::unique_ptr<typename Op::acc_t[]> part(new typename Op::acc_t[chunks]);  // not vector<bool>
  for (int64_t c = 0; c < chunks; ++c) part[c] = op.init();
  const int64_t step = (n + chunks - 1) / chunks;
  parallel_for(0, chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t lo = c * step, hi = std::min(n, lo + step);
      if (lo < hi) part[c] = reduce_row(op, op.init(), in + lo * s, hi - lo, s);
    }
  });
  typename Op::acc_t acc = op.init();
  for (int64_t c = 0; c < chunks; ++c) acc = op.merge(acc, part[c]);
  op.write(0, acc);
}

template <typename Op, typename T>
void vertical_loop(const Op& op, const Plan& plan, const T* in) {
  const int64_t m = plan.kept.size[0], si = plan.kept.in[0], so = plan.kept.out[0];
  const int64_t blocks = (m + kBlock - 1) / kBlock, outer = plan.n_out / m;
  const int64_t grain = std::max<int64_t>(1, kGrain / (std::min(m, kBlock) * std::max<int64_t>(plan.n_red, 1)));
  parallel_for(0, outer * blocks, grain, [&](int64_t begin, int64_t end) {
    typename Op::acc_t acc[kBlock];
    for (int64_t task = begin; task < end; ++task) {
      const int64_t j0 = (task % blocks) * kBlock, len = std::min(kBlock, m - j0);
      Walker w(plan.kept, 1, task / blocks);
      const T* base = in + w.in + j0 * si;
      for (int64_t j = 0; j < len; ++j) acc[j] = op.init();
      Walker r(plan.red, 0, 0);
      for (int64_t k = 0; k < plan.n_red; ++k, r.next()) {
        const T* p = base + r.in;
        if (si == 1) {
          for (int64_t j = 0; j < len; ++j) acc[j] = op.combine(acc[j], p[j]);
        } else {
          for (int64_t j = 0; j < len; ++j) acc[j] = op.combine(acc[j], p[j * si]);
        }
      }
      for (int64_t j = 0; j < len; ++j) op.write(w.out + (j0 + j) * so, acc[j]);
    }
  });
}

template <typename Op, typename T>
void run(const Op& op, const Plan& plan, const T* in) {
  if (plan.n_out == 0) return;
  if (plan.n_red == 0) {  // reducing an empty dim: every output is the identity
    for (int64_t o = 0; o < plan.n_out; ++o) {
      Walker w(plan.kept, 0, o);
      op.write(w.out, op.init());
    }
    return;
  }
  if (!plan.inner && plan.red.n > 0) return vertical_loop(op, plan, in);
  if (Op::kLanes && plan.n_out == 1 && plan.red.n == 1 && plan.n_red >= 2 * kGrain)
    return split_single(op, plan, in);
  inner_loop(op, plan, in);
}

template <template <typename> class OpT, typename T>
void run_simple(const Tensor& out, const Tensor& in, const Plan& plan) {
  OpT<T> op;
  op.out = out.data<typename std::remove_pointer_t<decltype(op.out)>>();
  run(op, plan, in.data<T>());
}

template <typename T> using MaxOp = ExtremumOp<T, true>;
template <typename T> using MinOp = ExtremumOp<T, false>;
template <typename T> using AllOp = LogicalOp<T, true>;
template <typename T> using AnyOp = LogicalOp<T, false>;

template <typename T, ReduceOp Kind>
void run_norm(const Tensor& out, const Tensor& in, const Plan& plan, double p) {
  NormOp<T, Kind> op;
  op.out = out.data<T>();
  op.p = p;
  run(op, plan, in.data<T>());
}

void reduce_cpu(ReduceOp op, const Tensor& out, const Tensor& in, double p) {
  Plan plan(out, in);
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (op) {
      case ReduceOp::Sum: return run_simple<SumOp, T>(out, in, plan);
      case ReduceOp::Mean: {
        SumOp<T> s;
        s.out = out.data<T>();
        s.mean = true;
        s.scale = 1.0 / double(plan.n_red);
        return run(s, plan, in.data<T>());
      }
      case ReduceOp::Prod: return run_simple<ProdOp, T>(out, in, plan);
      case ReduceOp::Max: return run_simple<MaxOp, T>(out, in, plan);
      case ReduceOp::Min: return run_simple<MinOp, T>(out, in, plan);
      case ReduceOp::All: return run_simple<AllOp, T>(out, in, plan);
      case ReduceOp::Any: return run_simple<AnyOp, T>(out, in, plan);
      case ReduceOp::CountNonzero: return run_simple<CountNonzeroOp, T>(out, in, plan);
      default: break;
    }
    if constexpr (std::is_floating_point_v<T>) {
      switch (op) {
        case ReduceOp::LogSumExp: return run_simple<LogSumExpOp, T>(out, in, plan);
        case ReduceOp::NormL0: return run_norm<T, ReduceOp::NormL0>(out, in, plan, p);
        case ReduceOp::NormL1: return run_norm<T, ReduceOp::NormL1>(out, in, plan, p);
        case ReduceOp::NormL2: return run_norm<T, ReduceOp::NormL2>(out, in, plan, p);
        case ReduceOp::NormInf: return run_norm<T, ReduceOp::NormInf>(out, in, plan, p);
        case ReduceOp::NormNegInf: return run_norm<T, ReduceOp::NormNegInf>(out, in, plan, p);
        default: return run_norm<T, ReduceOp::NormP>(out, in, plan, p);
      }
    }
    EMBER_CHECK(false, "[reduce] norm of a non-floating tensor");
  });
}

void arg_reduce_cpu(ReduceOp op, const Tensor& values, const Tensor& indices, const Tensor& in, int) {
  Plan plan(indices, in);
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* v = values.defined() ? values.data<T>() : nullptr;
    if (op == ReduceOp::Max) run(ArgOp<T, true>{v, indices.data<int64_t>()}, plan, in.data<T>());
    else run(ArgOp<T, false>{v, indices.data<int64_t>()}, plan, in.data<T>());
  });
}

// ---- scans --------------------------------------------------------------------------------------

template <typename T, ScanOp Op>
void scan_typed(const Tensor& out, const Tensor& in, int dim, bool reverse) {
  using acc_t = acc_type_t<T>;
  const int64_t n = in.sizes()[dim];
  const int64_t sin = in.strides()[dim], sout = out.strides()[dim];
  // The other dims, as a reduction plan sees them: the scanned dim is the one "reduced".
  Dims rest;
  for (int d = 0; d < in.dim(); ++d)
    if (d != dim && in.sizes()[d] != 1) rest.push(in.sizes()[d], in.strides()[d], out.strides()[d]);
  rest.sort_and_merge();
  const int64_t lines = rest.numel();
  if (lines == 0 || n == 0) return;
  const T* src = in.data<T>();
  T* dst = out.data<T>();
  const int64_t first = reverse ? n - 1 : 0, step = reverse ? -1 : 1;
  auto apply = [](acc_t a, T x) { return Op == ScanOp::Sum ? a + acc_t(x) : a * acc_t(x); };
  const acc_t identity = Op == ScanOp::Sum ? 0 : 1;
  if (rest.n == 0 || std::abs(sin) <= std::abs(rest.in[0])) {
    // Scanned dim innermost: one sequential line per task.
    parallel_for(0, lines, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      Walker w(rest, 0, b);
      for (int64_t l = b; l < e; ++l, w.next()) {
        acc_t acc = identity;
        for (int64_t k = 0, i = first; k < n; ++k, i += step) {
          acc = apply(acc, src[w.in + i * sin]);
          dst[w.out + i * sout] = T(acc);
        }
      }
    });
    return;
  }
  // Scanned dim outer: a block of adjacent lines advances one row at a time.
  const int64_t m = rest.size[0], si = rest.in[0], so = rest.out[0];
  const int64_t blocks = (m + kBlock - 1) / kBlock, outer = lines / m;
  parallel_for(0, outer * blocks, std::max<int64_t>(1, kGrain / (std::min(m, kBlock) * n)), [&](int64_t b, int64_t e) {
    acc_t acc[kBlock];
    for (int64_t task = b; task < e; ++task) {
      const int64_t j0 = (task % blocks) * kBlock, len = std::min(kBlock, m - j0);
      Walker w(rest, 1, task / blocks);
      for (int64_t j = 0; j < len; ++j) acc[j] = identity;
      for (int64_t k = 0, i = first; k < n; ++k, i += step) {
        const T* p = src + w.in + i * sin + j0 * si;
        T* q = dst + w.out + i * sout + j0 * so;
        for (int64_t j = 0; j < len; ++j) {
          acc[j] = apply(acc[j], p[j * si]);
          q[j * so] = T(acc[j]);
        }
      }
    }
  });
}

void scan_cpu(ScanOp op, const Tensor& out, const Tensor& in, int dim, bool reverse) {
  if (in.dim() == 0) {  // a 0-d scan is a copy
    dispatch_all(in.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      *out.data<T>() = *in.data<T>();
    });
    return;
  }
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (op == ScanOp::Sum) scan_typed<T, ScanOp::Sum>(out, in, dim, reverse);
    else scan_typed<T, ScanOp::Prod>(out, in, dim, reverse);
  });
}

// ---- softmax ------------------------------------------------------------------------------------

// One contiguous row: max, then exp(x - max) written to out while summing, then one scaling pass
// (softmax) or x - max - log(sum) (log_softmax).
template <typename T>
void softmax_row(T* out, const T* x, int64_t n, bool log) {
  T mx = extremum_run<true>(-std::numeric_limits<T>::infinity(), x, n);
  double sum = exp_sub_sum(out, x, n, mx);
  if (log) {
    const T shift = mx + T(std::log(sum));
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] - shift;
  } else {
    const T inv = T(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) out[i] *= inv;
  }
}

// Softmax along a dim that is not innermost: `inner` adjacent lines at a time, each pass walking
// contiguous rows of them.
template <typename T>
void softmax_block(T* out, const T* x, int64_t n, int64_t inner, int64_t len, bool log) {
  T mx[kBlock];
  double sum[kBlock];
  for (int64_t j = 0; j < len; ++j) mx[j] = -std::numeric_limits<T>::infinity(), sum[j] = 0;
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < len; ++j) mx[j] = beats_max(x[k * inner + j], mx[j]) ? x[k * inner + j] : mx[j];
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < len; ++j) {
      T e = std::exp(x[k * inner + j] - mx[j]);
      sum[j] += e;
      if (!log) out[k * inner + j] = e;
    }
  for (int64_t j = 0; j < len; ++j)
    sum[j] = log ? double(mx[j]) + std::log(sum[j]) : 1.0 / sum[j];
  for (int64_t k = 0; k < n; ++k)
    for (int64_t j = 0; j < len; ++j) {
      if (log) out[k * inner + j] = x[k * inner + j] - T(sum[j]);
      else out[k * inner + j] *= T(sum[j]);
    }
}

void softmax_cpu(const Tensor& out, const Tensor& in, int dim, bool log) {
  // in and out are contiguous: [outer, n, inner].
  const int64_t n = in.dim() ? in.sizes()[dim] : 1;
  int64_t inner = 1;
  for (int d = dim + 1; d < in.dim(); ++d) inner *= in.sizes()[d];
  if (in.numel() == 0) return;
  const int64_t outer = in.numel() / (n * inner);
  dispatch_floating(in.dtype(), "softmax", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in.data<T>();
    T* y = out.data<T>();
    if (inner == 1) {
      parallel_for(0, outer, std::max<int64_t>(1, kGrain / n), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) softmax_row(y + r * n, x + r * n, n, log);
      });
      return;
    }
    const int64_t blocks = (inner + kBlock - 1) / kBlock;
    parallel_for(0, outer * blocks, std::max<int64_t>(1, kGrain / (n * std::min(inner, kBlock))),
                 [&](int64_t b, int64_t e) {
      for (int64_t task = b; task < e; ++task) {
        const int64_t o = task / blocks, j0 = (task % blocks) * kBlock;
        const int64_t off = o * n * inner + j0;
        softmax_block(y + off, x + off, n, inner, std::min(kBlock, inner - j0), log);
      }
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(reduce_kernel, CPU, &reduce_cpu);
EMBER_REGISTER_KERNEL(arg_reduce_kernel, CPU, &arg_reduce_cpu);
EMBER_REGISTER_KERNEL(scan_kernel, CPU, &scan_cpu);
EMBER_REGISTER_KERNEL(softmax_kernel, CPU, &softmax_cpu);

}  // namespace ember::cpu
