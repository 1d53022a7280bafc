// ember::parallel_for: coverage, inline nesting, exceptions, thread-count settings.

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/parallel.h"

namespace {

// Restores the thread count a test changed, so tests do not leak settings into each other.
struct ThreadCountGuard {
  int saved = ember::get_num_threads();
  ~ThreadCountGuard() { ember::set_num_threads(saved); }
};

TEST(Parallel, CoversEveryIndexOnce) {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 4}) {
    ember::set_num_threads(threads);
    for (int64_t n : {0, 1, 7, 100, 1001}) {
      for (int64_t grain : {1, 3, 64}) {
        std::vector<std::atomic<int>> hits(n + 10);
        ember::parallel_for(10, 10 + n, grain, [&](int64_t lo, int64_t hi) {
          EXPECT_LT(lo, hi);
          for (int64_t i = lo; i < hi; ++i) hits[i]++;
        });
        for (int64_t i = 0; i < n + 10; ++i) ASSERT_EQ(hits[i], i >= 10 ? 1 : 0) << i;
      }
    }
  }
}

TEST(Parallel, ChunksRespectGrainAndThreadCount) {
  ThreadCountGuard guard;
  ember::set_num_threads(4);
  std::atomic<int> chunks{0};
  ember::parallel_for(0, 100, 40, [&](int64_t lo, int64_t hi) {
    chunks++;
    EXPECT_GE(hi - lo, 40);
  });
  EXPECT_LE(chunks.load(), 2);
}

TEST(Parallel, SmallRangeRunsInline) {
  ThreadCountGuard guard;
  ember::set_num_threads(2);
  const auto caller = std::this_thread::get_id();
  ember::parallel_for(0, 10, 10, [&](int64_t lo, int64_t hi) {
    EXPECT_EQ(std::this_thread::get_id(), caller);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, 10);
    EXPECT_FALSE(ember::in_parallel_region());
  });
}

TEST(Parallel, NestedCallsRunInline) {
  ThreadCountGuard guard;
  ember::set_num_threads(2);
  std::atomic<int> inner_calls{0}, total{0};
  ember::parallel_for(0, 2, 1, [&](int64_t, int64_t) {
    EXPECT_TRUE(ember::in_parallel_region());
    const auto outer = std::this_thread::get_id();
    ember::parallel_for(0, 100, 1, [&](int64_t a, int64_t b) {
      EXPECT_EQ(std::this_thread::get_id(), outer);
      inner_calls++;
      total += int(b - a);
    });
  });
  EXPECT_EQ(inner_calls.load(), 2);  // one inline call per outer chunk
  EXPECT_EQ(total.load(), 200);
  EXPECT_FALSE(ember::in_parallel_region());
}

TEST(Parallel, ExceptionsPropagateToCaller) {
  ThreadCountGuard guard;
  ember::set_num_threads(2);
  for (int64_t bad : {0, 99}) {  // thrown by the caller's chunk and by the worker's
    EXPECT_THROW(ember::parallel_for(0, 100, 1,
                                     [&](int64_t lo, int64_t hi) {
                                       if (lo <= bad && bad < hi) throw std::runtime_error("boom");
                                     }),
                 std::runtime_error);
  }
  // The pool still works afterwards.
  std::atomic<int64_t> sum{0};
  ember::parallel_for(0, 100, 1, [&](int64_t lo, int64_t hi) { sum += hi - lo; });
  EXPECT_EQ(sum.load(), 100);
}

TEST(Parallel, ConcurrentCallersAreSafe) {
  ThreadCountGuard guard;
  ember::set_num_threads(2);
  std::atomic<int64_t> sum{0};
  std::vector<std::thread> users;
  for (int u = 0; u < 4; ++u) {
    users.emplace_back([&] {
      for (int rep = 0; rep < 200; ++rep) {
        ember::parallel_for(0, 1000, 10, [&](int64_t lo, int64_t hi) { sum += hi - lo; });
      }
    });
  }
  for (std::thread& t : users) t.join();
  EXPECT_EQ(sum.load(), 4 * 200 * 1000);
}

TEST(Parallel, SetNumThreadsValidates) {
  ThreadCountGuard guard;
  EXPECT_GE(ember::get_num_threads(), 1);
  EXPECT_THROW(ember::set_num_threads(0), std::invalid_argument);
  EXPECT_THROW(ember::set_num_threads(-3), std::invalid_argument);
  ember::set_num_threads(3);
  EXPECT_EQ(ember::get_num_threads(), 3);
}

}  // namespace
