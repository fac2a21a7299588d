#include "thread_pool.hpp"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace plinth::cpu {
namespace {

// How long an idle thread polls before sleeping: longer than the gap between two ops while
// decoding, short enough that an idle context costs nothing measurable.
constexpr auto kSpinTime = std::chrono::microseconds(60);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Polls until done() holds or the spin time is over (or keep_spinning() turns false).
// Returns done().
template <class Done, class Keep> bool spin_until(Done done, Keep keep_spinning) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinTime;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (!keep_spinning() || std::chrono::steady_clock::now() > deadline) return done();
  }
}

} // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(std::max(1, n_threads)) {
  workers_.reserve(n_threads_ - 1);
  for (int i = 1; i < n_threads_; ++i)
    workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto &w : workers_)
    w.join();
}

void ThreadPool::run_chunks(int thread_index) {
  for (;;) {
    const int64_t c = next_chunk_.fetch_add(1, std::memory_order_relaxed);
    const int64_t begin = c * job_chunk_;
    if (begin >= job_n_) return;
    const int64_t end = std::min(job_n_, begin + job_chunk_);
    try {
      job_.call(job_.obj, begin, end, thread_index);
    } catch (...) {
      // Keep the first failure; the caller rethrows it once every thread is done.
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::worker_loop(int index) {
  uint32_t seen = 0;
  for (;;) {
    auto moved = [&] { return generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(moved, [&] { return spin_.load(std::memory_order_relaxed); }))
      while (!moved())
        generation_.wait(seen, std::memory_order_acquire);
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_relaxed)) return;
    run_chunks(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void ThreadPool::run(int64_t n, int64_t grain, FnRef fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (n_threads_ == 1 || n <= grain) {
    fn.call(fn.obj, 0, n, 0);
    return;
  }
  // A few chunks per thread balances uneven rows (causal attention) without much overhead.
  const int64_t max_chunks = static_cast<int64_t>(n_threads_) * 4;
  job_ = fn;
  job_n_ = n;
  job_chunk_ = std::max(grain, (n + max_chunks - 1) / max_chunks);
  next_chunk_.store(0, std::memory_order_relaxed);
  error_ = nullptr;
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  spin_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  run_chunks(0);
  // The other threads finish within microseconds of this one when the split is even.
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(done, [] { return true; }))
    for (int p; (p = pending_.load(std::memory_order_acquire)) != 0;)
      pending_.wait(p, std::memory_order_acquire);
  job_ = FnRef{nullptr, nullptr};
  std::exception_ptr error = std::move(error_);
  error_ = nullptr;
  if (error) std::rethrow_exception(error);
}

} // namespace plinth::cpu
