// Host side of the GPU backends (shared by the CUDA and HIP plugins, compiled once per
// plugin with PLINTH_GPU_BACKEND_NAME set): the context, device memory bookkeeping, argument
// validation and the C-edge error plumbing. Ops validate here and enqueue kernels through the
// plain C++ launchers of kernels.hpp.
#pragma once

#include "common.hpp"
#include "kernels.hpp"
#include "launch_plan.hpp"
#include "op_table.hpp"
#include "plinth_plugin.h"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#ifndef PLINTH_GPU_BACKEND_NAME
#error "PLINTH_GPU_BACKEND_NAME must name the backend (\"cuda\" or \"hip\")"
#endif

namespace plinth::gpu {

// Device memory with a per-context cache of freed blocks. Every op of a context runs on its
// one stream, so a block freed on the host may be handed to the next tensor at once: work
// that used it was enqueued earlier and completes first. This keeps cudaMalloc/cudaFree
// (which synchronise the device) out of the steady state of a decode loop.
class Allocator {
public:
  Allocator() = default;
  Allocator(const Allocator &) = delete;
  Allocator &operator=(const Allocator &) = delete;
  ~Allocator() { release_cache(); }
  // Returns the block and its (rounded) size; throws std::bad_alloc when the device is full.
  std::pair<void *, size_t> allocate(size_t bytes);
  void release(void *p, size_t size) noexcept;
  void release_cache() noexcept;
  void set_limit(size_t bytes) { limit_ = bytes; }
  // The context's stream, for work the allocator orders after earlier users of a block.
  void set_stream(void *stream) { stream_ = stream; }

private:
  void *stream_ = nullptr;
  std::multimap<size_t, void *> free_;
  size_t cached_ = 0;
  size_t limit_ = size_t{1} << 30;
};

// The memory of one graph recording (ops_graph.cpp): every block a tensor or scratch gets
// while recording, kept reserved until the graph and all of those tensors are freed, since
// their addresses are baked into the graph. Blocks freed during the recording may back later
// tensors of the same recording (a captured stream is one chain of nodes, so the order holds
// on every replay); blocks freed afterwards just wait. Returned to the context's allocator
// when the last owner lets go.
class GraphPool {
public:
  explicit GraphPool(Allocator &main) : main_(main) {}
  GraphPool(const GraphPool &) = delete;
  GraphPool &operator=(const GraphPool &) = delete;
  ~GraphPool();
  std::pair<void *, size_t> allocate(size_t bytes);
  // Takes a block back (or adopts one from the context's allocator freed while recording).
  void release(void *p, size_t size) noexcept;
  // Grow-only scratch of the recording (the context's own scratch stays out of the graph).
  void *scratch(size_t bytes);
  void close() noexcept { open_ = false; } // recording over: freed blocks are not reused

private:
  Allocator &main_;
  bool open_ = true;
  std::multimap<size_t, void *> free_; // reusable while recording
  std::map<void *, size_t> owned_;     // every block, returned to main_ at the end
  void *scratch_ = nullptr;
  size_t scratch_size_ = 0;
};

struct Context {
  int device = 0;
  void *stream = nullptr;
  void *blas = nullptr; // vendor BLAS state, or nullptr
  std::string description;
  size_t smem_limit = kDefaultSharedBytes; // dynamic shared memory per block (after opt-in)
  DeviceErrorRecord *err = nullptr;
  Allocator alloc;
  // Grow-only scratch for temporaries inside one op (stream order makes reuse safe).
  void *scratch = nullptr;
  size_t scratch_size = 0;
  // RoPE inverse frequencies, computed on the host in f32 exactly as transformers does and
  // uploaded once per (theta, rot_dims).
  std::map<std::pair<float, int64_t>, std::pair<void *, size_t>> inv_freq;
  // While graph_begin .. graph_end records: the recording's memory (nullptr otherwise).
  std::shared_ptr<GraphPool> recording;
  bool graphs_enabled = true; // PLINTH_GPU_GRAPHS=0 turns graph_begin off
  // PLINTH_GPU_TORCH_ORDER=1: attention, softmax and every weight product follow the rounding
  // order of PyTorch's CPU kernels (as the CPU backend always does), so results can match CPU
  // references bit for bit; slower, and no vendor BLAS.
  bool torch_order = false;
  ~Context();
};

// Fails an op that cannot be recorded (host transfers, waits) while a graph is recorded.
void check_not_recording(plinth_backend_ctx *ctx, const char *what);
// Device memory for a new tensor: from the recording's pool while recording, else the cache.
// *pool is set to the pool that owns the block (nullptr: the context's allocator).
std::pair<void *, size_t> allocate_block(plinth_backend_ctx *ctx, size_t bytes,
                                         std::shared_ptr<GraphPool> *pool);

inline Context *context_of(plinth_backend_ctx *ctx) { return reinterpret_cast<Context *>(ctx); }
inline void *stream_of(plinth_backend_ctx *ctx) { return context_of(ctx)->stream; }
void *scratch(plinth_backend_ctx *ctx, size_t bytes);

extern std::atomic<const plinth_host_api *> g_host;

// What plinth_tensor::backend_data points at.
struct TensorMeta {
  static constexpr uint32_t kMagic = 0x47505554u; // "GPUT"
  uint32_t magic = kMagic;
  bool owns = false;
  void *alloc = nullptr;
  size_t alloc_size = 0;
  size_t bytes = 0;                // addressable from tensor->data
  std::shared_ptr<GraphPool> pool; // set when the block belongs to a graph's recording
};

inline plinth_status report(plinth_status status, const std::string &message) {
  return backend::report(g_host.load(std::memory_order_acquire), status, message);
}
// Reads the device error record (after a synchronisation) and throws if it is set.
void raise_device_error(plinth_backend_ctx *ctx);

// Every op runs on its context's device, whichever host thread calls it.
template <class F> plinth_status guarded(const char *op, plinth_backend_ctx *ctx, F &&body) {
  return backend::guarded(g_host.load(std::memory_order_acquire), PLINTH_GPU_BACKEND_NAME,
                          "out of device memory", op, ctx != nullptr, [&] {
                            use_device(context_of(ctx)->device);
                            body();
                          });
}

// Validation shared with the CPU backend (backends/common/op_checks.hpp).
using namespace backend;

inline float *f32(plinth_tensor *t) { return static_cast<float *>(t->data); }
inline const float *f32(const plinth_tensor *t) { return static_cast<const float *>(t->data); }
inline const int32_t *i32(const plinth_tensor *t) { return static_cast<const int32_t *>(t->data); }
inline int32_t *i32(plinth_tensor *t) { return static_cast<int32_t *>(t->data); }

} // namespace plinth::gpu

// The op table's functions (backends/common/op_table.hpp), one ops_*.cpp file per group.
namespace plinth::gpu::ops {
PLINTH_DECLARE_BACKEND_OPS()
} // namespace plinth::gpu::ops

// The plugin's descriptor (entry.cpp exports it); also callable directly by the unit tests.
extern "C" const plinth_plugin_descriptor *
plinth_gpu_backend_descriptor(const plinth_host_api *host);
