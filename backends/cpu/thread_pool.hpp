// A fixed pool of worker threads owned by one backend context. The context is used by one
// thread at a time (see plinth_plugin.h), so a single job is in flight at once; the calling
// thread takes part in the work instead of sleeping.
//
// Decoding issues a few hundred short jobs per token, so waking sleeping workers through the
// kernel for each would cost a noticeable share of the token time. Workers therefore spin
// briefly after a job (a few tens of microseconds) before they sleep on a futex, and park()
// sends them to sleep at once when the cores are about to go to OpenBLAS' own threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
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
  // thread_index < size() identifies per-thread scratch space. fn is called by reference
  // (no copy, no allocation); it must outlive the call, which it does as an argument.
  template <class F> void parallel_for(int64_t n, int64_t grain, F &&fn) {
    using Fn = std::remove_reference_t<F>;
    run(n, grain,
        FnRef{const_cast<void *>(static_cast<const void *>(&fn)),
              [](void *o, int64_t b, int64_t e, int t) { (*static_cast<Fn *>(o))(b, e, t); }});
  }

  // Stops idle workers from spinning until the next job (before handing the cores to
  // another thread pool such as OpenBLAS').
  void park() { spin_.store(false, std::memory_order_relaxed); }

private:
  struct FnRef {
    void *obj;
    void (*call)(void *, int64_t, int64_t, int);
  };
  void run(int64_t n, int64_t grain, FnRef fn);
  void worker_loop(int index);
  void run_chunks(int thread_index);

  int n_threads_;
  std::vector<std::thread> workers_;
  // generation_ changes once per job (and on shutdown); workers wait for it to move.
  std::atomic<uint32_t> generation_{0};
  std::atomic<int> pending_{0}; // workers still busy with the current job
  std::atomic<bool> spin_{true};
  std::atomic<bool> stop_{false};

  // The job in flight; written before generation_ is bumped (release), read after.
  FnRef job_{nullptr, nullptr};
  int64_t job_n_ = 0;
  int64_t job_chunk_ = 1;
  std::atomic<int64_t> next_chunk_{0};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

} // namespace plinth::cpu
