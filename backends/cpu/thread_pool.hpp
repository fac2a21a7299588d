// A fixed pool of worker threads owned by one backend context. The context is used by one
// thread at a time (see plinth_plugin.h), so a single job is in flight at once; the calling
// thread takes part in the work instead of sleeping.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace plinth::cpu {

class ThreadPool {
public:
  // n_threads counts the caller: n_threads - 1 workers are started.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  int size() const { return n_threads_; }

  // Calls fn(begin, end, thread_index) over disjoint chunks covering [0, n). Chunks hold at
  // least `grain` items; runs inline when the work is too small to be worth splitting.
  // thread_index < size() identifies per-thread scratch space.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)> &fn);

private:
  void worker_loop(int index);
  void run_chunks(int thread_index);

  int n_threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  int busy_ = 0;

  // The job in flight.
  const std::function<void(int64_t, int64_t, int)> *job_ = nullptr;
  int64_t job_n_ = 0;
  int64_t job_chunk_ = 1;
  std::atomic<int64_t> next_chunk_{0};
  std::exception_ptr error_;
};

} // namespace plinth::cpu
