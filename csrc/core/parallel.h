#pragma once
// A small fork-join thread pool and parallel_for, in the spirit of ATen's at::parallel_for.
//
// Note [Sleeping pool]: workers wait on a condition variable and never spin. The host sometimes
// takes one of our two cores away for minutes; spinning pools then collapse 40-100x. The caller
// also keeps claiming chunks itself, so a descheduled worker delays nothing but its own chunk.

#include <algorithm>
#include <cstdint>

namespace ember {

/// Threads parallel_for may use: hardware_concurrency(), or EMBER_NUM_THREADS / OMP_NUM_THREADS.
int get_num_threads();

/// Sets the thread count used by parallel_for; throws std::invalid_argument when n < 1.
void set_num_threads(int n);

/// True while the calling thread runs a chunk of a parallel_for.
bool in_parallel_region();

namespace detail {

using ChunkFn = void (*)(const void* ctx, int64_t chunk);

/// Runs chunk_fn(ctx, c) for c in [0, n_chunks) on the pool and the caller, rethrowing the first
/// exception. Returns false without running anything when another thread holds the pool.
bool run_on_pool(int64_t n_chunks, ChunkFn chunk_fn, const void* ctx);

}  // namespace detail

/// Runs fn(chunk_begin, chunk_end) over [begin, end) in at most get_num_threads() chunks of at
/// least `grain` items. Runs inline for small ranges, one thread, or inside a parallel region.
template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& fn) {
  if (begin >= end) return;
  const int64_t range = end - begin;
  const int64_t n_chunks = std::min<int64_t>(get_num_threads(), range / std::max<int64_t>(grain, 1));
  if (n_chunks <= 1 || in_parallel_region()) {
    fn(begin, end);
    return;
  }
  struct Ctx {
    const F* fn;
    int64_t begin, end, chunk_size;
  };
  const Ctx ctx{&fn, begin, end, (range + n_chunks - 1) / n_chunks};
  auto run_chunk = [](const void* p, int64_t c) {
    const Ctx& x = *static_cast<const Ctx*>(p);
    const int64_t lo = x.begin + c * x.chunk_size;
    if (lo < x.end) (*x.fn)(lo, std::min(x.end, lo + x.chunk_size));
  };
  if (!detail::run_on_pool(n_chunks, run_chunk, &ctx)) fn(begin, end);
}

}  // namespace ember
