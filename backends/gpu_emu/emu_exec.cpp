// The executor of the host target: a launch's blocks are spread over worker threads; inside a
// block every GPU thread is a fiber (Boost.Context) that runs until it reaches a barrier or a
// warp shuffle, where it yields until its block (or warp) has arrived. Shared memory is one
// arena per block whose every word has a shadow: who wrote it last and in which barrier
// interval ("epoch"), who read it. That is enough to report, with the kernel, block, thread
// and array element:
//   * an access outside the __shared__ array it was derived from;
//   * a read of a word no thread of the block has written;
//   * two threads touching one word in the same interval between barriers when one of them
//     writes it (a missing __syncthreads);
//   * a barrier or shuffle that not every thread reaches (a deadlock on a GPU).
#include "emu_internal.hpp"

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <sched.h>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <ucontext.h>
#include <unistd.h>
#include <vector>

namespace ctx = boost::context;

namespace plinth::emu {

thread_local Lane *t_lane = nullptr;

namespace {

// PLINTH_GPU_EMU_ORDER=reverse resumes a block's threads from the last to the first: a kernel
// whose result depends on which thread of a block runs first (a race through global memory,
// which the shared-memory checks cannot see) then gives other numbers.
bool reverse_order() {
  static const bool r = [] {
    const char *s = std::getenv("PLINTH_GPU_EMU_ORDER");
    return s && std::string(s) == "reverse";
  }();
  return r;
}

struct KernelFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ------------------------------------------------------------------ fiber stacks
// Stacks are mapped once per worker thread and reused by every block it runs: a fresh
// mapping per GPU thread would cost more than the thread's work. Each has a guard page.
constexpr size_t kStackBytes = 256 * 1024;

struct StackPool {
  std::vector<ctx::stack_context> free;
  ~StackPool() {
    for (auto &s : free)
      munmap(static_cast<char *>(s.sp) - s.size - 4096, s.size + 4096);
  }
};
thread_local StackPool t_stacks;

struct PooledStack {
  ctx::stack_context allocate() {
    if (!t_stacks.free.empty()) {
      ctx::stack_context s = t_stacks.free.back();
      t_stacks.free.pop_back();
      return s;
    }
    void *p = mmap(nullptr, kStackBytes + 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    mprotect(p, 4096, PROT_NONE); // overflow guard below the stack
    ctx::stack_context s;
    s.size = kStackBytes;
    s.sp = static_cast<char *>(p) + 4096 + kStackBytes;
    return s;
  }
  void deallocate(ctx::stack_context &s) noexcept {
    try {
      t_stacks.free.push_back(s);
    } catch (...) {
      munmap(static_cast<char *>(s.sp) - s.size - 4096, s.size + 4096);
    }
  }
};

std::string dim_text(unsigned x, unsigned y, unsigned z) {
  return "(" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) + ")";
}

} // namespace

// ------------------------------------------------------------------ one block
struct BlockRun {
  enum State : uint8_t { kRunnable, kAtBarrier, kAtWarp, kDone };
  struct Warp {
    int size = 0, arrived = 0;
    unsigned parity = 0;
    uint64_t slots[2][32];
  };

  const LaunchDesc *launch = nullptr;
  uint3 block_idx;
  int n = 0;
  std::vector<Lane> lanes;
  std::vector<ctx::fiber> fibers;
  std::vector<ctx::fiber *> sinks; // each lane's way back to the scheduler
  std::vector<uint8_t> state;
  std::vector<Warp> warps;
  int barrier_arrived = 0;
  uint32_t epoch = 1;
  std::string fault;

  // Shared memory: [dynamic | static regions...]; grown on demand, reused across blocks.
  std::vector<unsigned char> arena;
  std::vector<ShadowWord> shadow;
  uint32_t dynamic_bytes = 0, top = 0, used_high = 0;
  std::vector<std::pair<const void *, uint32_t>> regions;

  void reset(const LaunchDesc &l, uint3 idx) {
    launch = &l;
    block_idx = idx;
    n = static_cast<int>(l.block.x * l.block.y * l.block.z);
    lanes.resize(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t) {
      Lane &ln = lanes[static_cast<size_t>(t)];
      ln.thread_idx.x = static_cast<unsigned>(t) % l.block.x;
      ln.thread_idx.y = static_cast<unsigned>(t) / l.block.x % l.block.y;
      ln.thread_idx.z = static_cast<unsigned>(t) / (l.block.x * l.block.y);
      ln.block_idx = idx;
      ln.block_dim = l.block;
      ln.grid_dim = l.grid;
      ln.linear = t;
      ln.block = this;
    }
    state.assign(static_cast<size_t>(n), kRunnable);
    sinks.assign(static_cast<size_t>(n), nullptr);
    warps.assign(static_cast<size_t>((n + 31) / 32), Warp{});
    for (size_t w = 0; w < warps.size(); ++w)
      warps[w].size = std::min(32, n - static_cast<int>(w) * 32);
    barrier_arrived = 0;
    epoch = 1;
    fault.clear();
    // Shared memory starts as garbage (0xff: NaN as f32) with no word written.
    std::fill(arena.begin(), arena.begin() + used_high, static_cast<unsigned char>(0xff));
    std::fill(shadow.begin(), shadow.begin() + (used_high + 3) / 4, ShadowWord{});
    dynamic_bytes = static_cast<uint32_t>(l.dynamic_smem);
    top = (dynamic_bytes + 15) / 16 * 16;
    regions.clear();
    grow(top);
  }

  void grow(uint32_t bytes) {
    if (bytes > arena.size()) {
      arena.resize(bytes, 0xff);
      shadow.resize((bytes + 3) / 4);
    }
    used_high = std::max(used_high, bytes);
  }

  std::string where(int t) const {
    const Lane &ln = lanes[static_cast<size_t>(t)];
    return std::string("kernel ") + launch->name + ", block " +
           dim_text(block_idx.x, block_idx.y, block_idx.z) + ", thread " +
           dim_text(ln.thread_idx.x, ln.thread_idx.y, ln.thread_idx.z);
  }

  void fail(int t, const std::string &what) {
    if (fault.empty()) fault = where(t) + ": " + what;
  }

  // Back to the scheduler; returns when the scheduler resumes this lane.
  void yield(int t) {
    ctx::fiber &sink = *sinks[static_cast<size_t>(t)];
    sink = std::move(sink).resume();
    t_lane = &lanes[static_cast<size_t>(t)];
    if (!fault.empty()) throw KernelFault("block aborted"); // another lane faulted
  }

  void run() {
    fibers.clear();
    fibers.reserve(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t)
      fibers.emplace_back(std::allocator_arg, PooledStack{}, [this, t](ctx::fiber &&sink) {
        sinks[static_cast<size_t>(t)] = &sink;
        t_lane = &lanes[static_cast<size_t>(t)];
        try {
          launch->body();
        } catch (const KernelFault &e) {
          fail(t, e.what());
        } catch (const std::exception &e) {
          fail(t, std::string("exception in device code: ") + e.what());
        }
        state[static_cast<size_t>(t)] = kDone;
        return std::move(sink);
      });
    for (;;) {
      bool progressed = false, all_done = true;
      for (int k = 0; k < n && fault.empty(); ++k) {
        const int t = reverse_order() ? n - 1 - k : k;
        if (state[static_cast<size_t>(t)] == kDone) continue;
        all_done = false;
        if (state[static_cast<size_t>(t)] != kRunnable) continue;
        t_lane = &lanes[static_cast<size_t>(t)];
        fibers[static_cast<size_t>(t)] = std::move(fibers[static_cast<size_t>(t)]).resume();
        progressed = true;
      }
      if (!fault.empty() || all_done) break;
      if (!progressed) {
        report_deadlock();
        break;
      }
    }
    // Lanes still suspended (after a fault or deadlock) are unwound here.
    fibers.clear();
    t_lane = nullptr;
  }

  void report_deadlock() {
    int at_barrier = 0, at_warp = 0, done = 0, first_waiting = -1;
    for (int t = 0; t < n; ++t) {
      const uint8_t s = state[static_cast<size_t>(t)];
      at_barrier += s == kAtBarrier;
      at_warp += s == kAtWarp;
      done += s == kDone;
      if (s != kDone && first_waiting < 0) first_waiting = t;
    }
    fail(first_waiting,
         "deadlock: of " + std::to_string(n) + " threads, " + std::to_string(at_barrier) +
             " wait at __syncthreads, " + std::to_string(at_warp) + " wait in a warp shuffle, " +
             std::to_string(done) +
             " have returned (a barrier or shuffle that not every thread of the block or warp "
             "reaches is undefined behaviour in CUDA: it hangs, or silently mixes data)");
  }
};

namespace {

thread_local std::unique_ptr<BlockRun> t_block;

BlockRun &block_of(Lane &l) { return *l.block; }

// ------------------------------------------------------------------ worker pool
class Pool {
public:
  explicit Pool(int helpers) {
    for (int i = 0; i < helpers; ++i)
      threads_.emplace_back([this] {
        enable_fault_reports_on_this_thread();
        work();
      });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto &t : threads_)
      t.join();
  }
  // Runs fn(0 .. n-1) over the helpers and the calling thread; returns when all are done.
  void run(int64_t n, const std::function<void(int64_t)> &fn) {
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->n = n;
    {
      std::lock_guard<std::mutex> lock(m_);
      jobs_.push_back(job);
    }
    cv_.notify_all();
    drain(*job);
    std::unique_lock<std::mutex> lock(m_);
    done_cv_.wait(lock, [&] { return job->done == job->n; });
    jobs_.erase(std::find(jobs_.begin(), jobs_.end(), job));
  }

private:
  struct Job {
    const std::function<void(int64_t)> *fn = nullptr;
    int64_t n = 0;
    std::atomic<int64_t> next{0};
    int64_t done = 0; // under m_
  };
  void drain(Job &job) {
    for (;;) {
      const int64_t i = job.next.fetch_add(1);
      if (i >= job.n) return;
      (*job.fn)(i);
      std::lock_guard<std::mutex> lock(m_);
      if (++job.done == job.n) done_cv_.notify_all();
    }
  }
  void work() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      std::shared_ptr<Job> job;
      cv_.wait(lock, [&] {
        if (stop_) return true;
        for (auto &j : jobs_)
          if (j->next.load() < j->n) {
            job = j;
            return true;
          }
        return false;
      });
      if (stop_) return;
      lock.unlock();
      drain(*job);
      lock.lock();
    }
  }
  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  std::deque<std::shared_ptr<Job>> jobs_;
  bool stop_ = false;
};

Pool &pool() {
  static Pool p(worker_count() - 1);
  return p;
}

} // namespace

int worker_count() {
  static const int n = [] {
    if (const char *s = std::getenv("PLINTH_GPU_EMU_THREADS")) {
      const int v = std::atoi(s);
      if (v >= 1 && v <= 256) return v;
    }
    // The CPUs this process may run on (a container's share), not the machine's count.
    cpu_set_t set;
    CPU_ZERO(&set);
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    if (cpus <= 0) cpus = static_cast<int>(std::thread::hardware_concurrency());
    return std::clamp(cpus, 1, 64);
  }();
  return n;
}

std::string execute_launch(const LaunchDesc &l) {
  const int64_t nblocks = static_cast<int64_t>(l.grid.x) * l.grid.y * l.grid.z;
  std::mutex fault_mu;
  std::string first_fault;
  std::atomic<bool> failed{false};
  install_fault_handler();
  pool().run(nblocks, [&](int64_t i) {
    if (failed.load(std::memory_order_relaxed)) return; // the GPU stops the grid too
    std::string fault;
    try {
      if (!t_block) t_block = std::make_unique<BlockRun>();
      BlockRun &b = *t_block;
      uint3 idx;
      idx.x = static_cast<unsigned>(i % l.grid.x);
      idx.y = static_cast<unsigned>(i / l.grid.x % l.grid.y);
      idx.z = static_cast<unsigned>(i / (static_cast<int64_t>(l.grid.x) * l.grid.y));
      b.reset(l, idx);
      b.run();
      fault = b.fault;
    } catch (const std::exception &e) { // the emulator itself failed (out of memory, ...)
      fault = std::string("kernel ") + l.name + ": the emulator failed: " + e.what();
    }
    if (!fault.empty()) {
      std::lock_guard<std::mutex> lock(fault_mu);
      if (first_fault.empty()) first_fault = fault;
      failed = true;
    }
  });
  return first_fault;
}

// ------------------------------------------------------------------ device-side calls

Lane &lane_or_fail() {
  throw std::logic_error("gpu-emu: device code (threadIdx, __syncthreads, shared memory) "
                         "called outside a kernel");
}

void kernel_fault(const char *what) { throw KernelFault(what); }

void syncthreads() {
  Lane &l = lane();
  BlockRun &b = block_of(l);
  if (++b.barrier_arrived == b.n) {
    b.barrier_arrived = 0;
    ++b.epoch;
    for (auto &s : b.state)
      if (s == BlockRun::kAtBarrier) s = BlockRun::kRunnable;
    return;
  }
  b.state[static_cast<size_t>(l.linear)] = BlockRun::kAtBarrier;
  b.yield(l.linear);
}

int lane_in_warp() { return lane().linear % 32; }

uint64_t warp_exchange(unsigned mask, uint64_t bits, int src, const char *what) {
  Lane &l = lane();
  BlockRun &b = block_of(l);
  const int t = l.linear, me = t % 32;
  BlockRun::Warp &w = b.warps[static_cast<size_t>(t / 32)];
  const unsigned full = w.size == 32 ? 0xffffffffu : ((1u << w.size) - 1u);
  if (mask != full && mask != 0xffffffffu)
    kernel_fault((std::string(what) + ": mask " + std::to_string(mask) +
                  " leaves out lanes of the warp (plinth's kernels shuffle whole warps)")
                     .c_str());
  if (src < 0 || src >= w.size)
    kernel_fault((std::string(what) + ": reads lane " + std::to_string(src) + " of a warp of " +
                  std::to_string(w.size) + " threads")
                     .c_str());
  const unsigned p = w.parity;
  w.slots[p][me] = bits;
  if (++w.arrived == w.size) {
    w.arrived = 0;
    w.parity ^= 1u;
    const int first = t / 32 * 32;
    for (int k = first; k < first + w.size; ++k)
      if (b.state[static_cast<size_t>(k)] == BlockRun::kAtWarp)
        b.state[static_cast<size_t>(k)] = BlockRun::kRunnable;
  } else {
    b.state[static_cast<size_t>(t)] = BlockRun::kAtWarp;
    b.yield(t);
  }
  return w.slots[p][src];
}

// ------------------------------------------------------------------ shared memory

unsigned char *shared_base(BlockRun *b) { return b->arena.data(); }

uint32_t dynamic_shared_bytes() { return block_of(lane()).dynamic_bytes; }

uint32_t static_shared_region(const void *site, size_t bytes, size_t align) {
  BlockRun &b = block_of(lane());
  for (auto &[s, off] : b.regions)
    if (s == site) return off;
  const uint32_t off = static_cast<uint32_t>((b.top + align - 1) / align * align);
  const size_t end = off + bytes;
  const size_t statics = end - ((b.dynamic_bytes + 15) / 16 * 16);
  if (statics > kStaticSharedLimit || end > kSharedOptinLimit)
    kernel_fault(("static __shared__ arrays take " + std::to_string(statics) + " bytes (limit " +
                  std::to_string(kStaticSharedLimit) + ", and " +
                  std::to_string(kSharedOptinLimit) + " with dynamic shared memory)")
                     .c_str());
  b.regions.emplace_back(site, off);
  b.top = static_cast<uint32_t>(end);
  b.grow(b.top);
  return off;
}

namespace {

std::string element_text(const char *name, int32_t row, int64_t off, uint32_t begin, size_t elem) {
  const int64_t index = (off - static_cast<int64_t>(begin)) / static_cast<int64_t>(elem);
  std::string s = name;
  if (row >= 0) s += "[" + std::to_string(row) + "]";
  return s + "[" + std::to_string(index) + "]";
}

std::string thread_text(const BlockRun &b, int32_t t) {
  const Lane &l = b.lanes[static_cast<size_t>(t)];
  return "thread " + dim_text(l.thread_idx.x, l.thread_idx.y, l.thread_idx.z);
}

} // namespace

void shared_access(BlockRun *b, int64_t off, size_t bytes, uint32_t begin, uint32_t end,
                   const char *name, int32_t row, size_t elem, Access kind) {
  const int32_t me = t_lane ? t_lane->linear : -1;
  if (off < static_cast<int64_t>(begin) || off + static_cast<int64_t>(bytes) > end) {
    const int64_t len = (static_cast<int64_t>(end) - begin) / static_cast<int64_t>(elem);
    kernel_fault(("shared memory " + element_text(name, row, off, begin, elem) + ": " +
                  (kind == Access::kRead ? "read" : "write") + " outside the array (" +
                  std::to_string(len) + " elements" + (row >= 0 ? " per row" : "") + ")")
                     .c_str());
  }
  const uint32_t e = b->epoch;
  const size_t w0 = static_cast<size_t>(off) / 4, w1 = (static_cast<size_t>(off) + bytes + 3) / 4;
  for (size_t w = w0; w < w1; ++w) {
    ShadowWord &s = b->shadow[w];
    const auto conflict = [&](int32_t other, const char *how) {
      kernel_fault(("shared memory " + element_text(name, row, off, begin, elem) + ": " + how +
                    (other >= 0 ? " by " + thread_text(*b, other) : std::string()) +
                    " with no __syncthreads in between (a data race on a GPU)")
                       .c_str());
    };
    if (kind != Access::kWrite && s.writer == -1)
      kernel_fault(("shared memory " + element_text(name, row, off, begin, elem) +
                    ": read before any thread of the block wrote it")
                       .c_str());
    if (kind == Access::kRead) {
      if (s.write_epoch == e && s.writer != me)
        conflict(s.writer,
                 s.writer == kAtomicWriter ? "read after an atomic update" : "read after a write");
      if (s.read_epoch != e) {
        s.read_epoch = e;
        s.reader = me;
      } else if (s.reader != me) {
        s.reader = kManyReaders;
      }
    } else {
      const bool atomic = kind == Access::kAtomic;
      if (s.write_epoch == e && s.writer != me && !(atomic && s.writer == kAtomicWriter))
        conflict(s.writer, "written after a write");
      if (s.read_epoch == e && s.reader != me && s.reader != -1)
        conflict(s.reader, "written after a read");
      s.writer = atomic ? kAtomicWriter : me;
      s.write_epoch = e;
    }
  }
}

// ------------------------------------------------------------------ faults

namespace {

struct sigaction g_previous_segv, g_previous_bus;

void on_fault(int sig, siginfo_t *info, void *uctx) {
  Lane *l = t_lane;
  if (!l || !l->block) { // not in a kernel: whoever handled it before
    const struct sigaction &prev = sig == SIGSEGV ? g_previous_segv : g_previous_bus;
    if (prev.sa_flags & SA_SIGINFO && prev.sa_sigaction) {
      prev.sa_sigaction(sig, info, uctx);
      return;
    }
    if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN && prev.sa_handler) {
      prev.sa_handler(sig);
      return;
    }
    signal(sig, SIG_DFL);
    if (info->si_code <= 0) raise(sig); // sent by kill()/raise(): deliver it again
    return; // a real fault: the access repeats and the default action ends the process
  }
  const auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  bool write = false;
#if defined(__x86_64__)
  write = (static_cast<ucontext_t *>(uctx)->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#endif
  char where[256];
  describe_address(addr, where, sizeof where);
  char msg[768];
  const int len = std::snprintf(
      msg, sizeof msg,
      "gpu-emu: kernel %s, block (%u,%u,%u), thread (%u,%u,%u): invalid %s of device memory at "
      "%#lx: %s\n",
      l->block->launch->name, l->block_idx.x, l->block_idx.y, l->block_idx.z, l->thread_idx.x,
      l->thread_idx.y, l->thread_idx.z, write ? "write" : "read", static_cast<unsigned long>(addr),
      where);
  if (len > 0) {
    const ssize_t ignored =
        ::write(2, msg, static_cast<size_t>(std::min<int>(len, sizeof msg - 1)));
    (void)ignored;
  }
  signal(sig, SIG_DFL); // the access repeats and ends the process, as a GPU fault ends the context
}

} // namespace

void enable_fault_reports_on_this_thread() {
  struct AltStack {
    std::vector<char> memory;
    ~AltStack() {
      if (memory.empty()) return;
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
  };
  thread_local AltStack alt;
  if (!alt.memory.empty()) return;
  alt.memory.resize(64 * 1024);
  stack_t ss{};
  ss.ss_sp = alt.memory.data();
  ss.ss_size = alt.memory.size();
  sigaltstack(&ss, nullptr);
}

void install_fault_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous_segv);
    sigaction(SIGBUS, &sa, &g_previous_bus);
  });
}

} // namespace plinth::emu
