// Internals shared by the CPU backend's op files: the context, tensor bookkeeping, and the
// error plumbing that turns validation failures into a plinth_status at the C edge.
#pragma once

#include "plinth_plugin.h"
#include "quant_blocks.hpp"
#include "thread_pool.hpp"

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <vector>

namespace plinth::cpu {

// What a plinth_backend_ctx handle points at. The ABI's struct name stays incomplete on
// purpose: defining it would clash (ODR) with any other backend linked into the same binary,
// such as a test double in the unit tests.
struct Context {
  explicit Context(int threads)
      : n_threads(threads), pool(threads), thread_scratch(static_cast<size_t>(threads)) {}
  int n_threads;
  ThreadPool pool;
  std::string description;
  // Reused across calls so that ops allocate nothing in steady state: one buffer per pool
  // thread (weight tiles) and one for the caller's thread (quantized activations).
  std::vector<std::vector<float>> thread_scratch;
  std::vector<unsigned char> act_scratch;
};

inline Context *context_of(plinth_backend_ctx *ctx) { return reinterpret_cast<Context *>(ctx); }
inline ThreadPool &pool_of(plinth_backend_ctx *ctx) { return context_of(ctx)->pool; }

// The host table handed to the entry point; set_error goes through it.
extern const plinth_host_api *g_host;

// Bookkeeping behind plinth_tensor::backend_data. `magic` catches foreign or freed handles;
// `bytes` is how much memory is addressable from tensor->data (views are bounds-checked).
struct TensorMeta {
  static constexpr uint32_t kMagic = 0x43505554u; // "CPUT"
  uint32_t magic = kMagic;
  bool owns = false;
  void *alloc = nullptr;
  size_t bytes = 0;
};

// Thrown by validation inside an op, caught by guarded() at the C edge.
struct OpError {
  plinth_status status;
  std::string message;
};

[[noreturn]] void fail(const std::string &message,
                       plinth_status status = PLINTH_ERR_INVALID_ARGUMENT);
plinth_status report(plinth_status status, const std::string &message);

// Runs body() and maps every failure to a status (with host->set_error) so that no
// exception crosses the C ABI.
template <class F> plinth_status guarded(const char *op, plinth_backend_ctx *ctx, F &&body) {
  try {
    if (!ctx) fail("NULL backend context");
    body();
    return PLINTH_OK;
  } catch (const OpError &e) {
    return report(e.status, std::string("cpu.") + op + ": " + e.message);
  } catch (const std::bad_alloc &) {
    return report(PLINTH_ERR_OUT_OF_MEMORY, std::string("cpu.") + op + ": out of memory");
  } catch (const std::exception &e) {
    return report(PLINTH_ERR_INTERNAL, std::string("cpu.") + op + ": " + e.what());
  } catch (...) {
    return report(PLINTH_ERR_INTERNAL, std::string("cpu.") + op + ": unknown failure");
  }
}

size_t dtype_size(int32_t dtype); // 0 for an unknown or block-quantized dtype
bool known_dtype(int32_t dtype);  // element dtypes and the block-quantized ones
const char *dtype_name(int32_t dtype);
// Bytes of n consecutive elements (for Q8_0/Q4_0: n and the offset a multiple of 32).
inline size_t elems_bytes(int32_t dtype, int64_t n) {
  return is_quantized(dtype) ? quantized_bytes(dtype, n)
                             : static_cast<size_t>(n) * dtype_size(dtype);
}
int64_t shape_numel(int32_t ndim, const int64_t *shape);
int64_t numel(const plinth_tensor *t);
size_t nbytes(const plinth_tensor *t);
// "x [2, 3] f32" — the form every error message uses.
std::string describe(const char *name, const plinth_tensor *t);
std::string shape_str(int32_t ndim, const int64_t *shape);

// Validation helpers; each fails with a message naming the argument.
void check_tensor(const plinth_tensor *t, const char *name);
void check_f32(const plinth_tensor *t, const char *name);
void check_i32(const plinth_tensor *t, const char *name);
void check_same_shape(const plinth_tensor *a, const char *an, const plinth_tensor *b,
                      const char *bn);
// Weight-like tensor: f32, f16 or bf16.
void check_float_any(const plinth_tensor *t, const char *name);
// A weight matrix for linear / linear_indexed / get_rows: f32, f16, bf16, Q8_0 or Q4_0.
void check_weight(const plinth_tensor *t, const char *name);
// Fails for Q8_0/Q4_0 tensors, in ops that address single elements.
void check_not_quantized(const plinth_tensor *t, const char *name, const char *op);
bool same_shape(const plinth_tensor *a, const plinth_tensor *b);
int64_t last_dim(const plinth_tensor *t); // 1 for a 0-d tensor

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

// The op table, assembled in backend.cpp from the per-file ops below.
namespace plinth::cpu::ops {
// memory
plinth_status tensor_new(plinth_backend_ctx *, int32_t, int32_t, const int64_t *, plinth_tensor **);
plinth_status tensor_from_host(plinth_backend_ctx *, int32_t, int32_t, const int64_t *,
                               const void *, int32_t, plinth_tensor **);
plinth_status tensor_view(plinth_backend_ctx *, const plinth_tensor *, int64_t, int32_t,
                          const int64_t *, plinth_tensor **);
void tensor_free(plinth_backend_ctx *, plinth_tensor *);
plinth_status write(plinth_backend_ctx *, plinth_tensor *, const void *, size_t, size_t);
plinth_status read(plinth_backend_ctx *, const plinth_tensor *, void *, size_t, size_t);
plinth_status synchronize(plinth_backend_ctx *);
// data movement
plinth_status fill(plinth_backend_ctx *, plinth_tensor *, float);
plinth_status copy(plinth_backend_ctx *, const plinth_tensor *, plinth_tensor *);
plinth_status permute(plinth_backend_ctx *, const plinth_tensor *, const int32_t *,
                      plinth_tensor *);
plinth_status slice(plinth_backend_ctx *, const plinth_tensor *, int32_t, int64_t, plinth_tensor *);
plinth_status set_slice(plinth_backend_ctx *, plinth_tensor *, int32_t, int64_t,
                        const plinth_tensor *);
plinth_status get_rows(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                       plinth_tensor *);
// dense math
plinth_status linear(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                     const plinth_tensor *, plinth_tensor *);
plinth_status matmul(plinth_backend_ctx *, const plinth_matmul_args *);
plinth_status linear_indexed(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                             const plinth_tensor *, plinth_tensor *);
// elementwise
plinth_status unary(plinth_backend_ctx *, int32_t, const plinth_tensor *, plinth_tensor *);
plinth_status binary(plinth_backend_ctx *, int32_t, const plinth_tensor *, const plinth_tensor *,
                     plinth_tensor *);
plinth_status affine(plinth_backend_ctx *, const plinth_tensor *, float, float, plinth_tensor *);
// normalisation and reductions
plinth_status layer_norm(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                         const plinth_tensor *, float, plinth_tensor *);
plinth_status rms_norm(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *, float,
                       plinth_tensor *);
plinth_status softmax(plinth_backend_ctx *, const plinth_tensor *, plinth_tensor *);
plinth_status reduce(plinth_backend_ctx *, int32_t, const plinth_tensor *, plinth_tensor *);
plinth_status argmax(plinth_backend_ctx *, const plinth_tensor *, plinth_tensor *);
plinth_status topk(plinth_backend_ctx *, const plinth_tensor *, int32_t, plinth_tensor *,
                   plinth_tensor *);
// sequence ops
plinth_status rope(plinth_backend_ctx *, const plinth_rope_args *);
plinth_status attention(plinth_backend_ctx *, const plinth_attention_args *);
plinth_status conv1d_depthwise(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                               int64_t, plinth_tensor *);
} // namespace plinth::cpu::ops

// Used by the unit tests (no dlopen) and by entry.cpp.
extern "C" const plinth_plugin_descriptor *
plinth_cpu_backend_descriptor(const plinth_host_api *host);
