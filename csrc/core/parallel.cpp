#include "core/parallel.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ember {
namespace {

thread_local bool t_in_parallel_region = false;

int read_env_threads(const char* name) {
  const char* s = std::getenv(name);
  if (s == nullptr) return 0;
  char* end = nullptr;
  const long n = std::strtol(s, &end, 10);
  return (end != s && *end == '\0' && n >= 1 && n <= 1024) ? static_cast<int>(n) : 0;
}

int default_num_threads() {
  for (const char* name : {"EMBER_NUM_THREADS", "OMP_NUM_THREADS"}) {
    if (int n = read_env_threads(name)) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int>& num_threads_setting() {
  static std::atomic<int> n{default_num_threads()};
  return n;
}

// One job at a time (use_mutex_); chunks are claimed under state_mutex_, so a worker that wakes
// late finds next_chunk_ == n_chunks_ and goes back to sleep instead of touching a stale job.
class ThreadPool {
 public:
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  bool run(int64_t n_chunks, detail::ChunkFn chunk_fn, const void* ctx) {
    std::unique_lock<std::mutex> use(use_mutex_, std::try_to_lock);
    if (!use.owns_lock()) return false;
    grow(static_cast<size_t>(n_chunks - 1));
    std::unique_lock<std::mutex> lock(state_mutex_);
    chunk_fn_ = chunk_fn;
    ctx_ = ctx;
    n_chunks_ = n_chunks;
    next_chunk_ = 0;
    pending_ = n_chunks;
    error_ = nullptr;
    for (int64_t i = 1; i < n_chunks; ++i) work_cv_.notify_one();
    t_in_parallel_region = true;
    run_chunks(lock);
    t_in_parallel_region = false;
    done_cv_.wait(lock, [this] { return pending_ == 0; });
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return true;
  }

 private:
  void grow(size_t n_workers) {
    while (workers_.size() < n_workers) workers_.emplace_back([this] { worker_loop(); });
  }

  void worker_loop() {
    t_in_parallel_region = true;
    std::unique_lock<std::mutex> lock(state_mutex_);
    for (;;) {
      work_cv_.wait(lock, [this] { return stop_ || next_chunk_ < n_chunks_; });
      if (stop_) return;
      run_chunks(lock);
    }
  }

  // Claims and runs chunks until none is left; `lock` is held on entry and on exit.
  void run_chunks(std::unique_lock<std::mutex>& lock) {
    while (next_chunk_ < n_chunks_) {
      const int64_t chunk = next_chunk_++;
      lock.unlock();
      std::exception_ptr err;
      try {
        chunk_fn_(ctx_, chunk);
      } catch (...) {
        err = std::current_exception();
      }
      lock.lock();
      if (err && !error_) error_ = err;
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  std::mutex use_mutex_;
  std::mutex state_mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::vector<std::thread> workers_;
  detail::ChunkFn chunk_fn_ = nullptr;
  const void* ctx_ = nullptr;
  int64_t n_chunks_ = 0, next_chunk_ = 0, pending_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
};

ThreadPool& pool() {
  static ThreadPool p;
  return p;
}

}  // namespace

int get_num_threads() { return num_threads_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  if (n < 1) {
    throw std::invalid_argument("[set_num_threads] expected n >= 1, got " + std::to_string(n));
  }
  num_threads_setting().store(n, std::memory_order_relaxed);
}

bool in_parallel_region() { return t_in_parallel_region; }

namespace detail {

bool run_on_pool(int64_t n_chunks, ChunkFn chunk_fn, const void* ctx) {
  return pool().run(n_chunks, chunk_fn, ctx);
}

}  // namespace detail
}  // namespace ember
