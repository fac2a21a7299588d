// The host target's runtime: one emulated device whose memory is host memory laid out so that
// stray accesses fault (each allocation ends at a guard page; its head is poisoned with 0xff
// bytes, NaN as f32, as a GPU's fresh memory is garbage), streams that are in-order queues
// each drained by its own thread (so the host really runs ahead of the device, and a missing
// synchronisation shows), and graphs that are recorded lists of stream operations replayed in
// order. Errors are CUDA's: a bad call fails at once; a kernel fault is sticky for its stream
// and reported by the next synchronisation.
#include "emu_runtime.hpp"
#include "emu_internal.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace plinth::emu {

// A queued stream operation; returns "" or what went wrong (which then sticks).
using Op = std::function<std::string()>;

struct Stream {
  std::mutex m;
  std::condition_variable work_cv, idle_cv;
  std::deque<Op> queue;
  bool busy = false, stop = false;
  std::string sticky; // the first failure of an operation: reported by every later call
  bool capturing = false;
  std::vector<Op> captured;
  std::string capture_broken; // why the recording cannot become a graph
  std::thread worker;

  Stream() : worker([this] { drain(); }) {}
  ~Stream() {
    {
      std::lock_guard<std::mutex> lock(m);
      stop = true;
    }
    work_cv.notify_all();
    worker.join();
  }
  void drain() {
    enable_fault_reports_on_this_thread();
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      work_cv.wait(lock, [&] { return stop || !queue.empty(); });
      if (queue.empty()) return; // stop requested and nothing left
      Op op = std::move(queue.front());
      queue.pop_front();
      busy = true;
      const bool skip = !sticky.empty(); // after a fault the GPU runs nothing more
      lock.unlock();
      std::string failure;
      if (!skip) {
        try {
          failure = op();
        } catch (const std::exception &e) { // the emulator's own failure (out of memory, ...)
          failure = std::string("gpu-emu: ") + e.what();
        }
      }
      op = nullptr;
      lock.lock();
      if (!failure.empty() && sticky.empty()) sticky = std::move(failure);
      busy = false;
      if (queue.empty()) idle_cv.notify_all();
    }
  }
  void push(Op op) {
    {
      std::lock_guard<std::mutex> lock(m);
      if (capturing) {
        captured.push_back(std::move(op));
        return;
      }
      queue.push_back(std::move(op));
    }
    work_cv.notify_one();
  }
};

struct Graph {
  std::vector<Op> ops;
};

namespace {
// Every live stream, so that free() can wait for the device to be idle as cudaFree does.
std::mutex g_streams_mu;
std::vector<Stream *> g_streams;

void wait_idle(Stream *s) {
  std::unique_lock<std::mutex> lock(s->m);
  s->idle_cv.wait(lock, [&] { return s->queue.empty() && !s->busy; });
}
} // namespace
struct GraphExec {
  std::vector<Op> ops;
};

namespace {

// ------------------------------------------------------------------ errors
thread_local Error t_last = kSuccess;
thread_local Error t_message_code = kSuccess;
thread_local std::string t_message;

Error fail(Error e, const std::string &message) {
  t_last = e;
  t_message_code = e;
  t_message = "gpu-emu: " + message;
  return e;
}

const char *error_name(Error e) {
  switch (e) {
  case kSuccess: return "no error";
  case kErrorInvalidValue: return "invalid argument";
  case kErrorMemoryAllocation: return "out of memory";
  case kErrorInvalidConfiguration: return "invalid configuration argument";
  case kErrorInvalidDevice: return "invalid device ordinal";
  case kErrorNoDevice: return "no device";
  case kErrorLaunchFailure: return "unspecified launch failure";
  case kErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
  case kErrorStreamCaptureInvalidated:
    return "operation failed due to a previous error during capture";
  }
  return "unknown error";
}

Error sticky_of(Stream *s) {
  std::lock_guard<std::mutex> lock(s->m);
  if (s->sticky.empty()) return kSuccess;
  return fail(kErrorLaunchFailure, s->sticky);
}

// ------------------------------------------------------------------ memory
constexpr size_t kPage = 4096;

struct Alloc {
  char *map = nullptr;
  size_t map_size = 0;
  uintptr_t data = 0;
  size_t bytes = 0;
};
std::mutex g_mem_mu;
std::map<uintptr_t, Alloc> g_allocs; // by data address
size_t g_in_use = 0;

size_t total_memory() {
  static const size_t total = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const size_t phys = pages > 0 && page > 0 ? static_cast<size_t>(pages) * page : size_t{8} << 30;
    return std::min(phys / 2, size_t{32} << 30);
  }();
  return total;
}

// The allocation holding [p, p + n) whole, or nullptr (caller holds g_mem_mu).
const Alloc *find_range(uintptr_t p, size_t n) {
  auto it = g_allocs.upper_bound(p);
  if (it == g_allocs.begin()) return nullptr;
  --it;
  const Alloc &a = it->second;
  if (p < a.data || p - a.data > a.bytes || n > a.bytes - (p - a.data)) return nullptr;
  return &a;
}

std::string range_problem(const void *p, size_t n, const char *what) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  char where[256];
  describe_address(addr, where, sizeof where);
  return std::string(what) + ": " + std::to_string(n) + " bytes at " + std::to_string(addr) +
         " are not inside one device allocation (" + where + ")";
}

bool in_device_memory(const void *p, size_t n) {
  if (n == 0) return true;
  std::lock_guard<std::mutex> lock(g_mem_mu);
  return find_range(reinterpret_cast<uintptr_t>(p), n) != nullptr;
}

Error range_error(const void *p, size_t n, const char *what) {
  return fail(kErrorInvalidValue, range_problem(p, n, what));
}

std::mutex g_attr_mu;
std::map<const void *, int> g_max_dynamic_shared; // per kernel, after the opt-in

Stream *default_stream() {
  static Stream s;
  return &s;
}
Stream *resolve(Stream *s) { return s ? s : default_stream(); }

std::string dims(dim3 d) {
  return "(" + std::to_string(d.x) + "," + std::to_string(d.y) + "," + std::to_string(d.z) + ")";
}

} // namespace

// ------------------------------------------------------------------ device

const char *error_string(Error e) {
  if (e != kSuccess && e == t_message_code && !t_message.empty()) return t_message.c_str();
  return error_name(e);
}

Error get_last_error() {
  const Error e = t_last;
  t_last = kSuccess;
  return e;
}

Error get_device_count(int *count) {
  if (!count) return fail(kErrorInvalidValue, "get_device_count: count is NULL");
  *count = 1;
  return kSuccess;
}

Error get_device_properties(DeviceProp *p, int device) {
  if (device != 0) return fail(kErrorInvalidDevice, "device " + std::to_string(device));
  std::memset(p, 0, sizeof *p);
  std::snprintf(p->name, sizeof p->name, "plinth gpu-emu (host CPU, %d threads)", worker_count());
  p->totalGlobalMem = total_memory();
  p->major = 9;
  p->minor = 0;
  p->multiProcessorCount = worker_count();
  p->sharedMemPerBlockOptin = kSharedOptinLimit;
  return kSuccess;
}

Error set_device(int device) {
  return device == 0 ? kSuccess : fail(kErrorInvalidDevice, "device " + std::to_string(device));
}
Error get_device(int *device) {
  *device = 0;
  return kSuccess;
}
Error runtime_get_version(int *v) {
  *v = 1;
  return kSuccess;
}
Error driver_get_version(int *v) {
  *v = 1;
  return kSuccess;
}
Error mem_get_info(size_t *free_bytes, size_t *total_bytes) {
  std::lock_guard<std::mutex> lock(g_mem_mu);
  *total_bytes = total_memory();
  *free_bytes = total_memory() - std::min(g_in_use, total_memory());
  return kSuccess;
}

// ------------------------------------------------------------------ memory

Error malloc(void **p, size_t bytes) {
  if (!p) return fail(kErrorInvalidValue, "malloc: p is NULL");
  *p = nullptr;
  if (bytes > total_memory()) // also keeps the arithmetic below from wrapping
    return fail(kErrorMemoryAllocation, "malloc: " + std::to_string(bytes) +
                                            " bytes: more than the device's " +
                                            std::to_string(total_memory()));
  // 16-byte granularity keeps every vector access of the kernels aligned (cudaMalloc gives
  // 256; the kernels ask for at most 16), while the data ends within 15 bytes of the guard.
  const size_t rounded = (std::max<size_t>(bytes, 1) + 15) / 16 * 16;
  const size_t data_pages = (rounded + kPage - 1) / kPage;
  {
    // Reserved before mapping, so two threads cannot both pass the check.
    std::lock_guard<std::mutex> lock(g_mem_mu);
    if (g_in_use + data_pages * kPage > total_memory())
      return fail(kErrorMemoryAllocation, "malloc: " + std::to_string(bytes) +
                                              " bytes: out of device memory (" +
                                              std::to_string(g_in_use) + " of " +
                                              std::to_string(total_memory()) + " in use)");
    g_in_use += data_pages * kPage;
  }
  const auto unreserve = [&] {
    std::lock_guard<std::mutex> lock(g_mem_mu);
    g_in_use -= data_pages * kPage;
  };
  const size_t map_size = (data_pages + 2) * kPage;
  char *map = static_cast<char *>(
      mmap(nullptr, map_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  if (map == MAP_FAILED) {
    unreserve();
    return fail(kErrorMemoryAllocation, "malloc: " + std::to_string(bytes) + " bytes: mmap failed");
  }
  if (mprotect(map + kPage, data_pages * kPage, PROT_READ | PROT_WRITE) != 0) {
    munmap(map, map_size);
    unreserve();
    return fail(kErrorMemoryAllocation, "malloc: mprotect failed");
  }
  char *data = map + kPage + data_pages * kPage - rounded;
  std::memset(data, 0xff, rounded);
  Alloc a;
  a.map = map;
  a.map_size = map_size;
  a.data = reinterpret_cast<uintptr_t>(data);
  a.bytes = bytes;
  {
    std::lock_guard<std::mutex> lock(g_mem_mu);
    g_allocs.emplace(a.data, a);
  }
  *p = data;
  return kSuccess;
}

Error free(void *p) {
  if (!p) return kSuccess;
  Alloc a;
  {
    std::lock_guard<std::mutex> lock(g_mem_mu);
    auto it = g_allocs.find(reinterpret_cast<uintptr_t>(p));
    if (it == g_allocs.end())
      return fail(kErrorInvalidValue, "free: " + std::to_string(reinterpret_cast<uintptr_t>(p)) +
                                          " is not the start of a device allocation");
    a = it->second;
    g_allocs.erase(it);
    g_in_use -= a.map_size - 2 * kPage;
  }
  // Like cudaFree, which waits for the device: work still queued that may use the block
  // finishes first. A later access faults and is reported as outside every allocation.
  {
    std::lock_guard<std::mutex> lock(g_streams_mu);
    for (Stream *s : g_streams)
      wait_idle(s);
  }
  munmap(a.map, a.map_size);
  return kSuccess;
}

Error memcpy_async(void *dst, const void *src, size_t bytes, MemcpyKind kind, Stream *stream) {
  Stream *s = resolve(stream);
  if (Error e = sticky_of(s)) return e;
  if (bytes == 0) return kSuccess;
  if (!dst || !src) return fail(kErrorInvalidValue, "memcpy: NULL pointer");
  const bool dst_dev = kind != kMemcpyDeviceToHost, src_dev = kind != kMemcpyHostToDevice;
  if (dst_dev && !in_device_memory(dst, bytes))
    return range_error(dst, bytes, "memcpy destination");
  if (src_dev && !in_device_memory(src, bytes)) return range_error(src, bytes, "memcpy source");
  if (kind != kMemcpyDeviceToDevice) {
    std::lock_guard<std::mutex> lock(s->m);
    if (s->capturing) {
      s->capture_broken = "a host transfer was enqueued while the stream was recorded";
      return fail(kErrorStreamCaptureUnsupported,
                  "memcpy between host and device while the stream is recorded into a graph");
    }
  }
  if (kind == kMemcpyHostToDevice) {
    // Pageable host memory is staged before the call returns: the caller may reuse it.
    auto staged = std::make_shared<std::vector<unsigned char>>(
        static_cast<const unsigned char *>(src), static_cast<const unsigned char *>(src) + bytes);
    s->push([dst, staged] {
      std::memcpy(dst, staged->data(), staged->size());
      return std::string();
    });
  } else {
    s->push([dst, src, bytes] {
      std::memmove(dst, src, bytes);
      return std::string();
    });
  }
  return kSuccess;
}

Error memset_async(void *dst, int value, size_t bytes, Stream *stream) {
  Stream *s = resolve(stream);
  if (Error e = sticky_of(s)) return e;
  if (bytes == 0) return kSuccess;
  if (!in_device_memory(dst, bytes)) return range_error(dst, bytes, "memset destination");
  s->push([dst, value, bytes] {
    std::memset(dst, value, bytes);
    return std::string();
  });
  return kSuccess;
}

// ------------------------------------------------------------------ streams

Error stream_create(Stream **out, unsigned) {
  try {
    *out = new Stream();
    std::lock_guard<std::mutex> lock(g_streams_mu);
    g_streams.push_back(*out);
    return kSuccess;
  } catch (const std::exception &e) {
    return fail(kErrorMemoryAllocation, std::string("stream_create: ") + e.what());
  }
}

Error stream_destroy(Stream *s) {
  if (!s) return fail(kErrorInvalidValue, "stream_destroy: NULL stream");
  {
    std::lock_guard<std::mutex> lock(g_streams_mu);
    g_streams.erase(std::remove(g_streams.begin(), g_streams.end(), s), g_streams.end());
  }
  delete s; // drains the queue first
  return kSuccess;
}

Error stream_synchronize(Stream *stream) {
  Stream *s = resolve(stream);
  std::unique_lock<std::mutex> lock(s->m);
  if (s->capturing) {
    s->capture_broken = "the stream was synchronised while recorded";
    return fail(kErrorStreamCaptureUnsupported, "synchronize while the stream is recorded");
  }
  s->idle_cv.wait(lock, [&] { return s->queue.empty() && !s->busy; });
  if (!s->sticky.empty()) return fail(kErrorLaunchFailure, s->sticky);
  return kSuccess;
}

// ------------------------------------------------------------------ graphs

Error stream_begin_capture(Stream *stream, int) {
  Stream *s = resolve(stream);
  std::lock_guard<std::mutex> lock(s->m);
  if (s->capturing) return fail(kErrorStreamCaptureUnsupported, "the stream is already recorded");
  s->capturing = true;
  s->captured.clear();
  s->capture_broken.clear();
  return kSuccess;
}

Error stream_end_capture(Stream *stream, Graph **out) {
  Stream *s = resolve(stream);
  std::vector<Op> ops;
  std::string broken;
  {
    std::lock_guard<std::mutex> lock(s->m);
    if (!s->capturing) return fail(kErrorInvalidValue, "end_capture: the stream is not recorded");
    s->capturing = false;
    ops.swap(s->captured);
    broken.swap(s->capture_broken);
  }
  *out = nullptr;
  if (!broken.empty()) return fail(kErrorStreamCaptureInvalidated, broken);
  *out = new Graph{std::move(ops)};
  return kSuccess;
}

Error graph_instantiate(GraphExec **out, Graph *graph) {
  if (!graph) return fail(kErrorInvalidValue, "graph_instantiate: NULL graph");
  *out = new GraphExec{graph->ops}; // independent of its template, as on the GPU
  return kSuccess;
}

Error graph_destroy(Graph *graph) {
  delete graph;
  return kSuccess;
}

Error graph_launch(GraphExec *exec, Stream *stream) {
  if (!exec) return fail(kErrorInvalidValue, "graph_launch: NULL graph");
  Stream *s = resolve(stream);
  if (Error e = sticky_of(s)) return e;
  {
    std::lock_guard<std::mutex> lock(s->m);
    if (s->capturing) return fail(kErrorStreamCaptureUnsupported, "graph launch while recorded");
    for (const Op &op : exec->ops)
      s->queue.push_back(op);
  }
  s->work_cv.notify_one();
  return kSuccess;
}

Error graph_exec_destroy(GraphExec *exec) {
  delete exec;
  return kSuccess;
}

Error func_set_max_dynamic_shared(const void *kernel, int bytes) {
  if (bytes < 0 || static_cast<size_t>(bytes) > kSharedOptinLimit)
    return fail(kErrorInvalidValue, "max dynamic shared memory " + std::to_string(bytes) +
                                        " outside [0, " + std::to_string(kSharedOptinLimit) + "]");
  std::lock_guard<std::mutex> lock(g_attr_mu);
  g_max_dynamic_shared[kernel] = bytes;
  return kSuccess;
}

// ------------------------------------------------------------------ launches

void enqueue_launch(Stream *stream, const char *name, const void *kernel, dim3 grid, dim3 block,
                    size_t dynamic_smem, std::function<void()> body) {
  Stream *s = resolve(stream);
  if (sticky_of(s) != kSuccess) return; // reported by gpuGetLastError, as on the GPU
  const uint64_t threads = static_cast<uint64_t>(block.x) * block.y * block.z;
  std::string bad;
  if (grid.x < 1 || grid.y < 1 || grid.z < 1 || grid.y > 65535 || grid.z > 65535 ||
      grid.x > 0x7fffffffu)
    bad = "grid " + dims(grid) + " outside the limits (x < 2^31, y and z <= 65535, all >= 1)";
  else if (threads < 1 || threads > kMaxThreadsPerBlock || block.z > 64)
    bad = "block " + dims(block) + " has " + std::to_string(threads) + " threads (1 to 1024)";
  else if (dynamic_smem > kStaticSharedLimit) {
    std::lock_guard<std::mutex> lock(g_attr_mu);
    auto it = g_max_dynamic_shared.find(kernel);
    const size_t allowed =
        it == g_max_dynamic_shared.end() ? kStaticSharedLimit : static_cast<size_t>(it->second);
    if (dynamic_smem > allowed)
      bad = std::to_string(dynamic_smem) + " bytes of dynamic shared memory, above the " +
            std::to_string(allowed) +
            " this kernel may use (above 48 KiB a kernel must opt in with "
            "cudaFuncSetAttribute)";
  }
  if (!bad.empty()) {
    fail(kErrorInvalidConfiguration, std::string("launch of kernel ") + name + ": " + bad);
    return;
  }
  auto launch = std::make_shared<LaunchDesc>();
  launch->name = name;
  launch->grid = grid;
  launch->block = block;
  launch->dynamic_smem = dynamic_smem;
  launch->body = std::move(body);
  s->push([launch] { return execute_launch(*launch); });
}

// ------------------------------------------------------------------ fault messages

void describe_address(uintptr_t addr, char *out, size_t size) {
  std::unique_lock<std::mutex> lock(g_mem_mu, std::try_to_lock);
  if (!lock.owns_lock()) {
    std::snprintf(out, size, "allocation table busy");
    return;
  }
  for (const auto &[data, a] : g_allocs) {
    const auto map = reinterpret_cast<uintptr_t>(a.map);
    if (addr < map || addr >= map + a.map_size) continue;
    if (addr >= data + a.bytes)
      std::snprintf(out, size, "%lu bytes past the end of a device buffer of %zu bytes",
                    static_cast<unsigned long>(addr - (data + a.bytes)), a.bytes);
    else if (addr < data)
      std::snprintf(out, size, "%lu bytes before the start of a device buffer of %zu bytes",
                    static_cast<unsigned long>(data - addr), a.bytes);
    else
      std::snprintf(out, size, "byte %lu of a device buffer of %zu bytes",
                    static_cast<unsigned long>(addr - data), a.bytes);
    return;
  }
  std::snprintf(out, size,
                "not in or next to any live device allocation (a freed buffer, a host pointer "
                "or a wild index)");
}

} // namespace plinth::emu
