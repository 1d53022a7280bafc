#include "core/generator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace ember {

namespace {

constexpr uint8_t kStateMagic[4] = {'P', 'H', 'X', '1'};
constexpr size_t kStateSize = sizeof(kStateMagic) + 2 * sizeof(uint64_t);

void put_u64(std::vector<uint8_t>& bytes, uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes.push_back(uint8_t(v >> (8 * i)));
}

uint64_t get_u64(const uint8_t* bytes) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{bytes[i]} << (8 * i);
  return v;
}

[[noreturn]] void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string("[") + op + "] " + what);
}

void check_count(const char* op, int64_t n) {
  if (n < 0) fail(op, "n must be non-negative, got " + std::to_string(n));
}

uint64_t blocks_for(int64_t n, int per_block) { return (uint64_t(n) + per_block - 1) / per_block; }

// Calls emit(words, first, count) once per counter: `count` elements starting at `first`,
// K elements per block (Note [Philox counter layout]). Blocks are independent, so this loop can
// be split across threads at any block boundary without changing a single value.
template <int K, typename Emit>
void for_each_block(const PhiloxStream& s, int64_t n, Emit emit) {
  for (int64_t first = 0; first < n; first += K) {
    emit(s.block(uint64_t(first / K)), first, std::min<int64_t>(K, n - first));
  }
}

// (0, 1] rather than [0, 1): Box-Muller and the exponential take its log.
double open_unit_32(uint32_t w) { return (double(w) + 1.0) * 0x1.0p-32; }
double open_unit_64(uint64_t w) { return double((w >> 11) + 1) * 0x1.0p-53; }

uint64_t join(uint32_t lo, uint32_t hi) { return uint64_t{lo} | (uint64_t{hi} << 32); }

// Uniform integer in [0, range) from 64 random bits (multiply-shift: bias below range / 2^64).
uint64_t below(uint64_t bits, uint64_t range) {
  return uint64_t((static_cast<unsigned __int128>(bits) * range) >> 64);
}

template <typename T>
const char* dtype_name() {
  if constexpr (std::is_same_v<T, float>) return "float32";
  if constexpr (std::is_same_v<T, double>) return "float64";
  if constexpr (std::is_same_v<T, int64_t>) return "int64";
  if constexpr (std::is_same_v<T, int32_t>) return "int32";
  return "uint8";
}

// Maps u in [0, 1) to [low, high) in T. low + span * u is below high in exact arithmetic, but
// rounding to T (float especially) can land on high itself, so clamp to the largest T < high.
template <typename T>
class UniformMap {
 public:
  UniformMap(double low, double high) : low_(low), span_(high - low) {
    lo_ = T(low);
    if (double(lo_) < low) lo_ = std::nextafter(lo_, std::numeric_limits<T>::infinity());
    below_hi_ = T(high);
    if (double(below_hi_) >= high) {
      below_hi_ = std::nextafter(below_hi_, -std::numeric_limits<T>::infinity());
    }
  }
  // When low == high, below_hi_ < lo_ and every value becomes lo_.
  T operator()(double u) const { return std::max(std::min(T(low_ + span_ * u), below_hi_), lo_); }

 private:
  double low_, span_;
  T lo_, below_hi_;
};

template <typename T>
void check_randint_range(int64_t low, int64_t high) {
  if (high <= low) {
    fail("randint", "high (" + std::to_string(high) + ") must be greater than low (" +
                        std::to_string(low) + ")");
  }
  int64_t min, max;  // the integers T holds exactly
  if constexpr (std::is_floating_point_v<T>) {
    max = int64_t{1} << std::numeric_limits<T>::digits;
    min = -max;
  } else {
    min = int64_t(std::numeric_limits<T>::min());
    max = int64_t(std::numeric_limits<T>::max());
  }
  if (low < min || high - 1 > max) {
    fail("randint", "range [" + std::to_string(low) + ", " + std::to_string(high) +
                        ") does not fit in " + dtype_name<T>());
  }
}

// Row-wise validation for multinomial; returns the number of non-zero weights.
int64_t check_row(const double* w, int64_t n, int64_t row) {
  int64_t nonzero = 0;
  for (int64_t k = 0; k < n; ++k) {
    if (!std::isfinite(w[k]) || w[k] < 0) {
      fail("multinomial", "weights must be finite and non-negative; row " + std::to_string(row) +
                              ", category " + std::to_string(k) + " is " + std::to_string(w[k]));
    }
    nonzero += w[k] > 0;
  }
  if (nonzero == 0) fail("multinomial", "row " + std::to_string(row) + " has all-zero weights");
  return nonzero;
}

// Inverse-CDF sampling. Weights are scaled by the row's maximum first so the running sum
// cannot overflow however large the finite weights are.
void sample_with_replacement(const PhiloxStream& s, const double* w, int64_t n, int64_t row,
                             int64_t num_samples, int64_t* out) {
  const double max = *std::max_element(w, w + n);
  std::vector<double> cdf(static_cast<size_t>(n));
  double sum = 0;
  int64_t last_nonzero = 0;
  for (int64_t k = 0; k < n; ++k) {
    sum += w[k] / max;
    cdf[size_t(k)] = sum;
    if (w[k] > 0) last_nonzero = k;
  }
  for (int64_t j = 0; j < num_samples; ++j) {
    const uint64_t i = uint64_t(row * num_samples + j);
    const double x = unit_double(s.u64(i / 2, int(i % 2))) * sum;
    // The first bucket whose upper edge exceeds x; a zero-weight bucket has the same edge as
    // the one before it, so it is never the first. Rounding in u * sum can reach sum itself.
    const int64_t k = std::upper_bound(cdf.begin(), cdf.end(), x) - cdf.begin();
    out[j] = std::min(k, last_nonzero);
  }
}

// Exponential races: category k finishes at E_k / w_k with E_k ~ Exp(1); the order in which
// categories finish is distributed exactly as successive draws without replacement.
void sample_without_replacement(const PhiloxStream& s, const double* w, int64_t n, int64_t row,
                                int64_t num_samples, int64_t* out) {
  std::vector<std::pair<double, int64_t>> finish;
  finish.reserve(size_t(n));
  for (int64_t k = 0; k < n; ++k) {
    if (w[k] == 0) continue;
    const uint64_t i = uint64_t(row * n + k);
    finish.emplace_back(-std::log(open_unit_64(s.u64(i / 2, int(i % 2)))) / w[k], k);
  }
  std::partial_sort(finish.begin(), finish.begin() + num_samples, finish.end());
  for (int64_t j = 0; j < num_samples; ++j) out[j] = finish[size_t(j)].second;
}

}  // namespace

Generator::Generator(uint64_t seed) : seed_(seed) {}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seed_;
}

uint64_t Generator::seed() {
  std::random_device rd;
  const uint64_t s = join(rd(), rd());
  manual_seed(s);
  return s;
}

uint64_t Generator::seed_value() const { return initial_seed(); }

std::vector<uint8_t> Generator::get_state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<uint8_t> bytes(std::begin(kStateMagic), std::end(kStateMagic));
  put_u64(bytes, seed_);
  put_u64(bytes, offset_);
  return bytes;
}

void Generator::set_state(const std::vector<uint8_t>& state) {
  const bool tagged = state.size() == kStateSize &&
                      std::equal(std::begin(kStateMagic), std::end(kStateMagic), state.begin());
  if (!tagged) {
    fail("Generator.set_state", "expected a " + std::to_string(kStateSize) +
                                    "-byte state from get_state() starting with \"PHX1\", got " +
                                    std::to_string(state.size()) + " bytes");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = get_u64(state.data() + 4);
  offset_ = get_u64(state.data() + 12);
}

uint64_t Generator::reserve(uint64_t n) { return stream(n).base; }

PhiloxStream Generator::stream(uint64_t n) {
  std::lock_guard<std::mutex> lock(mutex_);
  const PhiloxStream s{seed_, offset_};
  offset_ += n;
  return s;
}

Generator& default_generator() {
  static Generator gen;
  return gen;
}

template <typename T>
void fill_uniform(Generator& gen, T* out, int64_t n, double low, double high) {
  check_count("uniform", n);
  if (!(low <= high) || !std::isfinite(high - low)) {
    fail("uniform", "expected finite low <= high, got low=" + std::to_string(low) +
                        ", high=" + std::to_string(high));
  }
  const UniformMap<T> map(low, high);
  if constexpr (std::is_same_v<T, float>) {
    for_each_block<4>(gen.stream(blocks_for(n, 4)), n, [&](const auto& w, int64_t first, int64_t m) {
      for (int64_t j = 0; j < m; ++j) out[first + j] = map(unit_float(w[j]));
    });
  } else {
    for_each_block<2>(gen.stream(blocks_for(n, 2)), n, [&](const auto& w, int64_t first, int64_t m) {
      for (int64_t j = 0; j < m; ++j) {
        out[first + j] = map(unit_double(join(w[2 * j], w[2 * j + 1])));
      }
    });
  }
}

template <typename T>
void fill_normal(Generator& gen, T* out, int64_t n, double mean, double stddev) {
  check_count("normal", n);
  if (!std::isfinite(mean) || !std::isfinite(stddev) || stddev < 0) {
    fail("normal", "expected finite mean and std >= 0, got mean=" + std::to_string(mean) +
                       ", std=" + std::to_string(stddev));
  }
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  // u1 is in (0, 1], so the log is finite and |z| <= sqrt(-2 log 2^-53) < 8.6.
  auto box_muller = [&](double u1, double u2, T* pair) {
    const double r = std::sqrt(-2.0 * std::log(u1));
    pair[0] = T(mean + stddev * r * std::cos(kTwoPi * u2));
    pair[1] = T(mean + stddev * r * std::sin(kTwoPi * u2));
  };
  // float: two pairs per block from 32-bit uniforms; double: one pair from 53-bit uniforms.
  constexpr int K = std::is_same_v<T, float> ? 4 : 2;
  for_each_block<K>(gen.stream(blocks_for(n, K)), n, [&](const auto& w, int64_t first, int64_t m) {
    T vals[K];
    if constexpr (K == 4) {
      box_muller(open_unit_32(w[0]), double(w[1]) * 0x1.0p-32, vals);
      box_muller(open_unit_32(w[2]), double(w[3]) * 0x1.0p-32, vals + 2);
    } else {
      box_muller(open_unit_64(join(w[0], w[1])), unit_double(join(w[2], w[3])), vals);
    }
    std::copy(vals, vals + m, out + first);
  });
}

template <typename T>
void fill_randint(Generator& gen, T* out, int64_t n, int64_t low, int64_t high) {
  check_count("randint", n);
  check_randint_range<T>(low, high);
  const uint64_t range = uint64_t(high) - uint64_t(low);
  for_each_block<2>(gen.stream(blocks_for(n, 2)), n, [&](const auto& w, int64_t first, int64_t m) {
    for (int64_t j = 0; j < m; ++j) {
      out[first + j] = T(int64_t(uint64_t(low) + below(join(w[2 * j], w[2 * j + 1]), range)));
    }
  });
}

template <typename T>
void fill_bernoulli(Generator& gen, T* out, int64_t n, const double* p, int64_t p_stride) {
  check_count("bernoulli", n);
  for (int64_t i = 0; i < n; ++i) {
    const double pi = p[i * p_stride];
    if (!(pi >= 0 && pi <= 1)) {
      fail("bernoulli",
           "p must lie in [0, 1]; p[" + std::to_string(i) + "] is " + std::to_string(pi));
    }
  }
  for_each_block<2>(gen.stream(blocks_for(n, 2)), n, [&](const auto& w, int64_t first, int64_t m) {
    for (int64_t j = 0; j < m; ++j) {
      out[first + j] = T(unit_double(join(w[2 * j], w[2 * j + 1])) < p[(first + j) * p_stride]);
    }
  });
}

void randperm(Generator& gen, int64_t* out, int64_t n) {
  check_count("randperm", n);
  for (int64_t i = 0; i < n; ++i) out[i] = i;
  const PhiloxStream s = gen.stream(blocks_for(n, 2));
  // The swap at position i is driven by element i of the stream alone.
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = int64_t(below(s.u64(uint64_t(i) / 2, int(i % 2)), uint64_t(i) + 1));
    std::swap(out[i], out[j]);
  }
}

void multinomial(Generator& gen, const double* probs, int64_t rows, int64_t n_categories,
                 int64_t row_stride, int64_t num_samples, bool replacement, int64_t* out) {
  if (rows < 0) fail("multinomial", "rows must be non-negative, got " + std::to_string(rows));
  if (n_categories < 1) {
    fail("multinomial", "need at least one category, got " + std::to_string(n_categories));
  }
  if (num_samples < 1) {
    fail("multinomial", "num_samples must be at least 1, got " + std::to_string(num_samples));
  }
  if (!replacement && num_samples > n_categories) {
    fail("multinomial", "cannot draw " + std::to_string(num_samples) + " samples from " +
                            std::to_string(n_categories) + " categories without replacement");
  }
  // Validate every row before reserving counters, so a rejected call leaves the generator as is.
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t nonzero = check_row(probs + r * row_stride, n_categories, r);
    if (!replacement && num_samples > nonzero) {
      fail("multinomial", "cannot draw " + std::to_string(num_samples) +
                              " samples without replacement: row " + std::to_string(r) +
                              " has only " + std::to_string(nonzero) + " non-zero weights");
    }
  }
  const int64_t per_row = replacement ? num_samples : n_categories;
  const PhiloxStream s = gen.stream(blocks_for(rows * per_row, 2));
  for (int64_t r = 0; r < rows; ++r) {
    const double* w = probs + r * row_stride;
    int64_t* row_out = out + r * num_samples;
    if (replacement) {
      sample_with_replacement(s, w, n_categories, r, num_samples, row_out);
    } else {
      sample_without_replacement(s, w, n_categories, r, num_samples, row_out);
    }
  }
}

template void fill_uniform<float>(Generator&, float*, int64_t, double, double);
template void fill_uniform<double>(Generator&, double*, int64_t, double, double);

template void fill_normal<float>(Generator&, float*, int64_t, double, double);
template void fill_normal<double>(Generator&, double*, int64_t, double, double);

template void fill_randint<int64_t>(Generator&, int64_t*, int64_t, int64_t, int64_t);
template void fill_randint<int32_t>(Generator&, int32_t*, int64_t, int64_t, int64_t);
template void fill_randint<uint8_t>(Generator&, uint8_t*, int64_t, int64_t, int64_t);
template void fill_randint<float>(Generator&, float*, int64_t, int64_t, int64_t);
template void fill_randint<double>(Generator&, double*, int64_t, int64_t, int64_t);

template void fill_bernoulli<float>(Generator&, float*, int64_t, const double*, int64_t);
template void fill_bernoulli<double>(Generator&, double*, int64_t, const double*, int64_t);
template void fill_bernoulli<int64_t>(Generator&, int64_t*, int64_t, const double*, int64_t);
template void fill_bernoulli<int32_t>(Generator&, int32_t*, int64_t, const double*, int64_t);
template void fill_bernoulli<uint8_t>(Generator&, uint8_t*, int64_t, const double*, int64_t);
template void fill_bernoulli<bool>(Generator&, bool*, int64_t, const double*, int64_t);

}  // namespace ember
