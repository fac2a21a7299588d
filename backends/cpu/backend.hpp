// Internals shared by the CPU backend's op files: the context, tensor bookkeeping, and the
// error plumbing that turns validation failures into a plinth_status at the C edge.
#pragma once

#include "block_cache.hpp"
#include "gemm.hpp"
#include "op_checks.hpp"
#include "op_table.hpp"
#include "plinth_plugin.h"
#include "quant_blocks.hpp"
#include "thread_pool.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace plinth::cpu {

// Returns a tensor's memory to the C library or the kernel (ops_memory.cpp).
void release_block(const BlockCache::Block &block);

// What a plinth_backend_ctx handle points at. The ABI's struct name stays incomplete on
// purpose: defining it would clash (ODR) with any other backend linked into the same binary,
// such as a test double in the unit tests.
struct Context {
  explicit Context(int threads)
      : n_threads(threads), pool(threads), thread_scratch(static_cast<size_t>(threads)),
        blocks(release_block) {}
  int n_threads;
  ThreadPool pool;
  std::string description;
  // Reused across calls so that ops allocate nothing in steady state: one buffer per pool
  // thread (weight tiles) and one for the caller's thread (quantized activations).
  std::vector<std::vector<float>> thread_scratch;
  std::vector<unsigned char> act_scratch;
  GemmScratch gemm;             // packed activations and weight tiles of the prompt GEMM (gemm.hpp)
  std::vector<float> attn_keys; // attention's keys transposed for a whole prompt
  std::vector<std::vector<float>> attn_scores; // per pool thread: a task's score rows, key tile
  BlockCache blocks;                           // freed activations' memory, reused by tensor_new
};

inline Context *context_of(plinth_backend_ctx *ctx) { return reinterpret_cast<Context *>(ctx); }
inline ThreadPool &pool_of(plinth_backend_ctx *ctx) { return context_of(ctx)->pool; }

// The host table handed to the entry point; set_error goes through it.
extern std::atomic<const plinth_host_api *> g_host;

// Bookkeeping behind plinth_tensor::backend_data. `magic` catches foreign or freed handles;
// `bytes` is how much memory is addressable from tensor->data (views are bounds-checked).
struct TensorMeta {
  static constexpr uint32_t kMagic = 0x43505554u; // "CPUT"
  uint32_t magic = kMagic;
  bool owns = false;
  void *alloc = nullptr;
  size_t mapped = 0; // > 0: alloc is an anonymous mapping of this many bytes (munmap, not free)
  size_t bytes = 0;
};

// Validation and error plumbing shared with the GPU backends (backends/common/op_checks.hpp).
using namespace backend;

inline plinth_status report(plinth_status status, const std::string &message) {
  return backend::report(g_host.load(std::memory_order_acquire), status, message);
}

// Runs body() and maps every failure to a status (with host->set_error) so that no
// exception crosses the C ABI.
template <class F> plinth_status guarded(const char *op, plinth_backend_ctx *ctx, F &&body) {
  return backend::guarded(g_host.load(std::memory_order_acquire), "cpu", "out of memory", op,
                          ctx != nullptr, std::forward<F>(body));
}

// Bytes of n consecutive elements (for Q8_0/Q4_0: n and the offset a multiple of 32).
inline size_t elems_bytes(int32_t dtype, int64_t n) {
  return is_quantized(dtype) ? quantized_bytes(dtype, n)
                             : static_cast<size_t>(n) * dtype_size(dtype);
}

inline float *f32(plinth_tensor *t) { return static_cast<float *>(t->data); }
inline const float *f32(const plinth_tensor *t) { return static_cast<const float *>(t->data); }
inline const int32_t *i32(const plinth_tensor *t) { return static_cast<const int32_t *>(t->data); }

// A 1-D parameter (norm weight, bias, inv_freq) as f32, converted when stored as f16/bf16.
class F32Vector {
public:
  F32Vector(const plinth_tensor *t, const char *name, int64_t expected_len, const char *what);
  const float *data() const { return ptr_; }

private:
  std::vector<float> storage_;
  const float *ptr_ = nullptr;
};

// Makes OpenBLAS use this context's thread count and parks the pool's workers (no spinning
// while OpenBLAS' own threads need the cores). BLAS with more than one thread is only called
// from the context's own thread while the pool idles, so the two never oversubscribe.
void set_blas_threads(plinth_backend_ctx *ctx);
// For sgemm calls made from inside a pool job, one per pool thread: OpenBLAS runs each on
// the calling thread.
void set_blas_single_thread();

// Converts n elements between f32/f16/bf16/i32 (the dtypes copy() supports).
void convert_elements(const void *src, int32_t src_dtype, void *dst, int32_t dst_dtype, int64_t n);
// Reads/writes `n` weight elements (f32, f16 or bf16) as f32.
void weights_to_f32(const void *src, int32_t dtype, float *dst, int64_t n);

} // namespace plinth::cpu

// The op table's functions (backends/common/op_table.hpp), assembled in backend.cpp.
namespace plinth::cpu::ops {
PLINTH_DECLARE_BACKEND_OPS()
} // namespace plinth::cpu::ops

// Used by the unit tests (no dlopen) and by entry.cpp.
extern "C" const plinth_plugin_descriptor *
plinth_cpu_backend_descriptor(const plinth_host_api *host);
