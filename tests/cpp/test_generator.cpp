#include "core/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ember {
namespace {

template <typename T>
std::vector<T> uniform(Generator& g, int64_t n, double low = 0, double high = 1) {
  std::vector<T> v(static_cast<size_t>(n));
  fill_uniform(g, v.data(), n, low, high);
  return v;
}

template <typename T>
std::vector<T> normal(Generator& g, int64_t n, double mean = 0, double stddev = 1) {
  std::vector<T> v(static_cast<size_t>(n));
  fill_normal(g, v.data(), n, mean, stddev);
  return v;
}

template <typename T>
std::vector<T> randint(Generator& g, int64_t n, int64_t low, int64_t high) {
  std::vector<T> v(static_cast<size_t>(n));
  fill_randint(g, v.data(), n, low, high);
  return v;
}

std::vector<int64_t> multinomial_draw(Generator& g, const std::vector<double>& w, int64_t num_samples,
                                      bool replacement) {
  std::vector<int64_t> out(static_cast<size_t>(std::max<int64_t>(num_samples, 0)));
  multinomial(g, w.data(), 1, int64_t(w.size()), int64_t(w.size()), num_samples, replacement, out.data());
  return out;
}

template <typename V>
std::pair<double, double> mean_var(const V& v) {
  double sum = 0, sq = 0;
  for (auto x : v) sum += double(x);
  const double mean = sum / double(v.size());
  for (auto x : v) sq += (double(x) - mean) * (double(x) - mean);
  return {mean, sq / double(v.size())};
}

// Known answers from Random123's published test vectors (examples/kat_vectors in the D. E. Shaw
// Research distribution: "philox4x32 10 <ctr x4> <key x2> <out x4>"), the same three that
// DEShawResearch/Random123-Boost libs/random/test/test_philox.cpp lines 50-52 check, as cited in
// TensorFlow's compiler/tests/stateful_random_ops_test.py.
TEST(Philox, KnownAnswerVectors) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (std::array<uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (std::array<uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (std::array<uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, StreamLayoutFollowsTheNote) {
  const PhiloxStream s{0x0123456789abcdefULL, 0xfffffffffULL};
  const uint64_t c = s.base + 7;
  const auto want = philox4x32_10({uint32_t(c), uint32_t(c >> 32), 0, 0}, {0x89abcdef, 0x01234567});
  EXPECT_EQ(s.block(7), want);
  EXPECT_EQ(s.u32(7, 2), want[2]);
  EXPECT_EQ(s.u64(7, 1), uint64_t{want[2]} | (uint64_t{want[3]} << 32));
}

TEST(Philox, UnitMapsStayBelowOne) {
  EXPECT_EQ(unit_float(0), 0.0f);
  EXPECT_LT(unit_float(0xffffffffu), 1.0f);
  EXPECT_EQ(unit_double(0), 0.0);
  EXPECT_LT(unit_double(~uint64_t{0}), 1.0);
}

TEST(Generator, SameSeedSameValues) {
  Generator a(42), b(42);
  EXPECT_EQ(uniform<double>(a, 100), uniform<double>(b, 100));
  EXPECT_EQ(normal<float>(a, 101), normal<float>(b, 101));
  EXPECT_EQ(randint<int64_t>(a, 33, -5, 5), randint<int64_t>(b, 33, -5, 5));
}

TEST(Generator, DifferentSeedsAndSuccessiveDrawsDiffer) {
  Generator a(1), b(2);
  const auto first = uniform<double>(a, 100);
  EXPECT_NE(first, uniform<double>(b, 100));
  EXPECT_NE(first, uniform<double>(a, 100));
}

TEST(Generator, ManualSeedResetsTheOffset) {
  Generator g(7);
  const auto first = uniform<float>(g, 50);
  uniform<float>(g, 50);
  g.manual_seed(7);
  EXPECT_EQ(uniform<float>(g, 50), first);
  EXPECT_EQ(g.initial_seed(), 7u);
  EXPECT_EQ(g.seed_value(), 7u);
}

TEST(Generator, ReserveAdvancesByTheCount) {
  Generator g(3);
  EXPECT_EQ(g.reserve(10), 0u);
  EXPECT_EQ(g.reserve(5), 10u);
  EXPECT_EQ(g.reserve(0), 15u);
  uniform<double>(g, 7);  // 2 doubles per counter: 4 counters
  EXPECT_EQ(g.reserve(1), 19u);
}

TEST(Generator, ConcurrentReservationsNeverOverlap) {
  Generator g(5);
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<uint64_t>> bases(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) bases[size_t(t)].push_back(g.reserve(3));
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& b : bases) all.insert(b.begin(), b.end());
  ASSERT_EQ(all.size(), size_t(kThreads * kEach));
  uint64_t expect = 0;
  for (uint64_t b : all) {
    EXPECT_EQ(b, expect);
    expect += 3;
  }
}

TEST(Generator, SeedFromRandomDevice) {
  Generator g(1);
  uniform<double>(g, 10);
  const uint64_t s = g.seed();
  EXPECT_EQ(g.initial_seed(), s);
  Generator h(s);
  EXPECT_EQ(uniform<double>(g, 10), uniform<double>(h, 10));
}

TEST(Generator, DefaultGeneratorIsOneObject) {
  EXPECT_EQ(&default_generator(), &default_generator());
  EXPECT_EQ(Generator().initial_seed(), 67280421310721ULL);
}

TEST(Generator, StateRoundTripReproducesTheNextDraws) {
  Generator g(11);
  uniform<double>(g, 13);
  const auto state = g.get_state();
  const auto next = normal<double>(g, 20);
  const auto after = randint<int32_t>(g, 20, 0, 100);
  Generator h(999);
  h.set_state(state);
  EXPECT_EQ(normal<double>(h, 20), next);
  EXPECT_EQ(randint<int32_t>(h, 20, 0, 100), after);
  EXPECT_EQ(h.initial_seed(), 11u);
  g.set_state(state);
  EXPECT_EQ(normal<double>(g, 20), next);
}

TEST(Generator, MalformedStateThrows) {
  Generator g(1);
  auto state = g.get_state();
  EXPECT_THROW(g.set_state({}), std::invalid_argument);
  EXPECT_THROW(g.set_state(std::vector<uint8_t>(state.begin(), state.end() - 1)), std::invalid_argument);
  state[0] ^= 0xff;
  EXPECT_THROW(g.set_state(state), std::invalid_argument);
}

// Element i must be the stream's element i, computed alone, whatever the length of the draw.
TEST(ChunkIndependence, UniformMatchesTheStreamOneAtATime) {
  Generator g(2024);
  const auto d = uniform<double>(g, 1000);
  const auto f = uniform<float>(g, 1000);
  const PhiloxStream sd{2024, 0}, sf{2024, 500};
  for (uint64_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(d[i], unit_double(sd.u64(i / 2, int(i % 2)))) << i;
    ASSERT_EQ(f[i], unit_float(sf.u32(i / 4, int(i % 4)))) << i;
  }
}

TEST(ChunkIndependence, RandintMatchesTheStreamOneAtATime) {
  Generator g(8);
  const auto v = randint<int64_t>(g, 1000, 10, 20);
  const PhiloxStream s{8, 0};
  for (uint64_t i = 0; i < 1000; ++i) {
    const uint64_t bits = s.u64(i / 2, int(i % 2));
    ASSERT_EQ(v[i], 10 + int64_t((static_cast<unsigned __int128>(bits) * 10) >> 64)) << i;
  }
}

TEST(ChunkIndependence, ValuesDoNotDependOnTheDrawLength) {
  for (int64_t n : {1, 2, 3, 5, 999}) {
    Generator a(77), b(77), c(77), d(77);
    const auto u_long = uniform<float>(a, 1000), u_short = uniform<float>(b, n);
    const auto z_long = normal<float>(c, 1000), z_short = normal<float>(d, n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(u_short[size_t(i)], u_long[size_t(i)]);
      ASSERT_EQ(z_short[size_t(i)], z_long[size_t(i)]);
    }
  }
  Generator e(77), f(77);
  const auto zd_long = normal<double>(e, 1000), zd_short = normal<double>(f, 7);
  EXPECT_TRUE(std::equal(zd_short.begin(), zd_short.end(), zd_long.begin()));
}

template <typename T>
void check_uniform_moments(double low, double high) {
  Generator g(123);
  const auto v = uniform<T>(g, 1000000, low, high);
  for (T x : v) ASSERT_TRUE(x >= T(low) && x < T(high)) << x;
  const auto [mean, var] = mean_var(v);
  const double span = high - low;
  EXPECT_NEAR(mean, (low + high) / 2, 2e-3 * span);
  EXPECT_NEAR(var, span * span / 12, 1e-3 * span * span);
}

TEST(Uniform, RangeMeanAndVariance) {
  check_uniform_moments<float>(0, 1);
  check_uniform_moments<double>(0, 1);
  check_uniform_moments<float>(-3, 5);
  check_uniform_moments<double>(-3, 5);
}

// Between 1 and the next float up, low + span * u rounds to high about half the time.
TEST(Uniform, FloatRoundingNeverReachesHigh) {
  Generator g(9);
  const double high = std::nextafter(1.0f, 2.0f);
  for (float x : uniform<float>(g, 10000, 1.0, high)) ASSERT_EQ(x, 1.0f);
  const double dhigh = std::nextafter(1.0, 2.0);
  for (double x : uniform<double>(g, 10000, 1.0, dhigh)) ASSERT_EQ(x, 1.0);
}

TEST(Uniform, EqualBoundsGiveLowAndBadBoundsThrow) {
  Generator g(9);
  for (float x : uniform<float>(g, 10, 2.5, 2.5)) EXPECT_EQ(x, 2.5f);
  EXPECT_THROW(uniform<double>(g, 10, 1, 0), std::invalid_argument);
  EXPECT_THROW(uniform<double>(g, 10, 0, std::nan("")), std::invalid_argument);
  EXPECT_THROW(uniform<double>(g, 10, -1e308, 1e308), std::invalid_argument);
  double sink;
  EXPECT_THROW(fill_uniform(g, &sink, -1, 0, 1), std::invalid_argument);
}

template <typename T>
void check_normal_moments() {
  Generator g(321);
  const auto v = normal<T>(g, 1000001);
  for (T x : v) ASSERT_TRUE(std::isfinite(x));
  const auto [mean, var] = mean_var(v);
  EXPECT_NEAR(mean, 0, 5e-3);
  EXPECT_NEAR(std::sqrt(var), 1, 5e-3);
  const auto shifted = normal<T>(g, 100000, 3, 0.5);
  const auto [m2, v2] = mean_var(shifted);
  EXPECT_NEAR(m2, 3, 1e-2);
  EXPECT_NEAR(std::sqrt(v2), 0.5, 1e-2);
}

TEST(Normal, MeanAndStd) {
  check_normal_moments<float>();
  check_normal_moments<double>();
}

TEST(Normal, BadParametersThrow) {
  Generator g(1);
  EXPECT_THROW(normal<double>(g, 3, 0, -1), std::invalid_argument);
  EXPECT_THROW(normal<double>(g, 3, std::nan(""), 1), std::invalid_argument);
  for (float x : normal<float>(g, 3, 4, 0)) EXPECT_EQ(x, 4.0f);
}

template <typename T>
void check_randint_bins(int64_t low, int64_t high) {
  Generator g(55);
  const int64_t n = 100000, k = high - low;
  const auto v = randint<T>(g, n, low, high);
  std::vector<int64_t> counts(size_t(k), 0);
  for (T x : v) {
    const auto xi = int64_t(x);
    ASSERT_EQ(T(xi), x);
    ASSERT_TRUE(xi >= low && xi < high) << xi;
    ++counts[size_t(xi - low)];
  }
  const double expected = double(n) / double(k);
  double chi2 = 0;
  for (int64_t c : counts) chi2 += (double(c) - expected) * (double(c) - expected) / expected;
  // k-1 degrees of freedom: mean k-1, sd sqrt(2(k-1)); allow a wide margin.
  EXPECT_LT(chi2, double(k - 1) + 6 * std::sqrt(2.0 * double(k - 1))) << "range " << low << ".." << high;
}

TEST(Randint, BoundsAndRoughUniformity) {
  check_randint_bins<int64_t>(-5, 5);
  check_randint_bins<int32_t>(0, 17);
  check_randint_bins<uint8_t>(200, 256);
  check_randint_bins<float>(-100, -90);
  check_randint_bins<double>(3, 7);
}

TEST(Randint, ExtremeRangesStayInBounds) {
  Generator g(4);
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  const auto v = randint<int64_t>(g, 10000, lo, hi);
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [&](int64_t x) { return x < hi; }));
  EXPECT_GT(std::count_if(v.begin(), v.end(), [](int64_t x) { return x < 0; }), 4000);
}

TEST(Randint, BadRangesThrow) {
  Generator g(4);
  EXPECT_THROW(randint<int64_t>(g, 3, 5, 5), std::invalid_argument);
  EXPECT_THROW(randint<uint8_t>(g, 3, -1, 10), std::invalid_argument);
  EXPECT_THROW(randint<uint8_t>(g, 3, 0, 257), std::invalid_argument);
  EXPECT_THROW(randint<int32_t>(g, 3, 0, int64_t{1} << 40), std::invalid_argument);
  EXPECT_THROW(randint<float>(g, 3, 0, (int64_t{1} << 24) + 2), std::invalid_argument);
  EXPECT_NO_THROW(randint<uint8_t>(g, 3, 0, 256));
}

TEST(Randperm, IsAPermutation) {
  Generator g(6);
  for (int64_t n : {0, 1, 2, 1000}) {
    std::vector<int64_t> p(static_cast<size_t>(n));
    randperm(g, p.data(), n);
    std::vector<int64_t> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(sorted[size_t(i)], i);
  }
  std::vector<int64_t> a(1000), b(1000);
  randperm(g, a.data(), 1000);
  randperm(g, b.data(), 1000);
  EXPECT_NE(a, b);
  EXPECT_THROW(randperm(g, a.data(), -1), std::invalid_argument);
}

TEST(Randperm, AllOrdersOfThreeAreEquallyLikely) {
  Generator g(12);
  std::map<std::vector<int64_t>, int> counts;
  const int n = 60000;
  for (int i = 0; i < n; ++i) {
    std::vector<int64_t> p(3);
    randperm(g, p.data(), 3);
    ++counts[p];
  }
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [perm, c] : counts) EXPECT_NEAR(c, n / 6, 400);
}

template <typename T>
void check_bernoulli_frequency() {
  Generator g(31);
  const int64_t n = 100000;
  // Strided p: even entries 0.3, odd entries are padding the stride must skip.
  std::vector<double> p(size_t(2 * n));
  for (int64_t i = 0; i < n; ++i) {
    p[size_t(2 * i)] = 0.3;
    p[size_t(2 * i + 1)] = 0.9;
  }
  auto out = std::make_unique<T[]>(static_cast<size_t>(n));  // not vector: vector<bool> has no data()
  fill_bernoulli(g, out.get(), n, p.data(), 2);
  int64_t ones = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T x = out[size_t(i)];
    ASSERT_TRUE(x == T(0) || x == T(1));
    ones += x == T(1);
  }
  EXPECT_NEAR(double(ones) / double(n), 0.3, 0.01);
}

TEST(Bernoulli, Frequency) {
  check_bernoulli_frequency<float>();
  check_bernoulli_frequency<double>();
  check_bernoulli_frequency<int64_t>();
  check_bernoulli_frequency<int32_t>();
  check_bernoulli_frequency<uint8_t>();
  check_bernoulli_frequency<bool>();
}

TEST(Bernoulli, CertainProbabilitiesAndBadP) {
  Generator g(2);
  const double zero = 0, one = 1;
  bool out[1000];
  fill_bernoulli(g, out, 1000, &zero, 0);
  EXPECT_TRUE(std::none_of(out, out + 1000, [](bool b) { return b; }));
  fill_bernoulli(g, out, 1000, &one, 0);
  EXPECT_TRUE(std::all_of(out, out + 1000, [](bool b) { return b; }));
  const double bad[] = {1.5, -0.1, std::nan("")};
  for (const double& p : bad) EXPECT_THROW(fill_bernoulli(g, out, 3, &p, 0), std::invalid_argument);
}

TEST(Multinomial, WithReplacementFrequencies) {
  Generator g(17);
  const std::vector<double> w = {1, 0, 2, 3, 0, 4};  // sums to 10, unnormalised
  const int64_t n = 200000;
  std::vector<int64_t> counts(w.size(), 0);
  for (int64_t k : multinomial_draw(g, w, n, true)) ++counts[size_t(k)];
  EXPECT_EQ(counts[1], 0);
  EXPECT_EQ(counts[4], 0);
  for (size_t k = 0; k < w.size(); ++k) EXPECT_NEAR(double(counts[k]) / double(n), w[k] / 10, 5e-3) << k;
}

TEST(Multinomial, RowsWithStride) {
  Generator g(18);
  // Two rows of 3 categories, stride 4 (the 4th entry is padding and must be ignored).
  const std::vector<double> probs = {0, 0, 5, 100, 1, 0, 0, 100};
  std::vector<int64_t> out(2 * 50);
  multinomial(g, probs.data(), 2, 3, 4, 50, true, out.data());
  for (int s = 0; s < 50; ++s) {
    EXPECT_EQ(out[size_t(s)], 2);
    EXPECT_EQ(out[size_t(50 + s)], 0);
  }
  multinomial(g, probs.data(), 2, 3, 4, 1, false, out.data());
  EXPECT_EQ(out[0], 2);
  EXPECT_EQ(out[1], 0);
}

TEST(Multinomial, HugeWeightsDoNotOverflow) {
  Generator g(19);
  const std::vector<double> w = {1e308, 0, 1e308};
  for (int64_t k : multinomial_draw(g, w, 1000, true)) ASSERT_TRUE(k == 0 || k == 2);
}

TEST(Multinomial, WithoutReplacementIsDistinctAndSkipsZeros) {
  Generator g(21);
  const std::vector<double> w = {0.5, 0, 1, 2, 0, 4, 0.25};
  for (int trial = 0; trial < 2000; ++trial) {
    const auto s = multinomial_draw(g, w, 5, false);
    std::set<int64_t> distinct(s.begin(), s.end());
    ASSERT_EQ(distinct.size(), 5u);
    ASSERT_EQ(distinct.count(1), 0u);
    ASSERT_EQ(distinct.count(4), 0u);
  }
}

TEST(Multinomial, WithoutReplacementFrequencies) {
  Generator g(22);
  const std::vector<double> w = {1, 2, 0, 3, 4};
  const int n = 100000;
  std::vector<double> first(w.size(), 0), second_given_3_first(w.size(), 0);
  int three_first = 0;
  for (int t = 0; t < n; ++t) {
    const auto s = multinomial_draw(g, w, 2, false);
    first[size_t(s[0])] += 1;
    if (s[0] == 3) {
      ++three_first;
      second_given_3_first[size_t(s[1])] += 1;
    }
  }
  // First draw ~ w / 10; after category 3 is taken, the second ~ w / 7 over the rest.
  for (size_t k = 0; k < w.size(); ++k) EXPECT_NEAR(first[k] / n, w[k] / 10, 6e-3) << k;
  const double rest[] = {1.0 / 7, 2.0 / 7, 0, 0, 4.0 / 7};
  for (size_t k = 0; k < w.size(); ++k) {
    EXPECT_NEAR(second_given_3_first[k] / three_first, rest[k], 1.5e-2) << k;
  }
}

TEST(Multinomial, ErrorsThrowAndLeaveTheGeneratorAlone) {
  Generator g(23);
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<double>> bad_rows = {{1, -1}, {1, std::nan("")}, {inf, 1}, {0, 0}};
  for (const auto& w : bad_rows) {
    EXPECT_THROW(multinomial_draw(g, w, 1, true), std::invalid_argument);
    EXPECT_THROW(multinomial_draw(g, w, 1, false), std::invalid_argument);
  }
  const std::vector<double> w = {1, 0, 1};
  EXPECT_THROW(multinomial_draw(g, w, 4, false), std::invalid_argument);  // > n_categories
  EXPECT_THROW(multinomial_draw(g, w, 3, false), std::invalid_argument);  // > non-zero weights
  EXPECT_THROW(multinomial_draw(g, w, 0, true), std::invalid_argument);
  EXPECT_THROW(multinomial_draw(g, w, -2, false), std::invalid_argument);
  EXPECT_NO_THROW(multinomial_draw(g, w, 2, false));
  EXPECT_EQ(g.reserve(0), 2u);  // only the successful draw reserved counters (3 categories)
  try {
    multinomial_draw(g, {0, 0}, 1, true);
    FAIL() << "expected a throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "[multinomial] row 0 has all-zero weights");
  }
}

}  // namespace
}  // namespace ember
