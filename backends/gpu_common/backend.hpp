// Host side of the GPU backends (shared by the CUDA and HIP plugins, compiled once per
// plugin with PLINTH_GPU_BACKEND_NAME set): the context, device memory bookkeeping, argument
// validation and the C-edge error plumbing. Ops validate here and enqueue kernels through the
// plain C++ launchers of kernels.hpp.
#pragma once

#include "common.hpp"
#include "kernels.hpp"
#include "plinth_plugin.h"

#include <cstdint>
#include <exception>
#include <map>
#include <new>
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

private:
  std::multimap<size_t, void *> free_;
  size_t cached_ = 0;
  size_t limit_ = size_t{1} << 30;
};

struct Context {
  int device = 0;
  void *stream = nullptr;
  void *blas = nullptr; // vendor BLAS state, or nullptr
  std::string description;
  DeviceErrorRecord *err = nullptr;
  Allocator alloc;
  // Grow-only scratch for temporaries inside one op (stream order makes reuse safe).
  void *scratch = nullptr;
  size_t scratch_size = 0;
  // RoPE inverse frequencies, computed on the host in f32 exactly as transformers does and
  // uploaded once per (theta, rot_dims).
  std::map<std::pair<float, int64_t>, std::pair<void *, size_t>> inv_freq;
  ~Context();
};

inline Context *context_of(plinth_backend_ctx *ctx) { return reinterpret_cast<Context *>(ctx); }
inline void *stream_of(plinth_backend_ctx *ctx) { return context_of(ctx)->stream; }
void *scratch(plinth_backend_ctx *ctx, size_t bytes);

extern const plinth_host_api *g_host;

// What plinth_tensor::backend_data points at.
struct TensorMeta {
  static constexpr uint32_t kMagic = 0x47505554u; // "GPUT"
  uint32_t magic = kMagic;
  bool owns = false;
  void *alloc = nullptr;
  size_t alloc_size = 0;
  size_t bytes = 0; // addressable from tensor->data
};

plinth_status report(plinth_status status, const std::string &message);
// Reads the device error record (after a synchronisation) and throws if it is set.
void raise_device_error(plinth_backend_ctx *ctx);

template <class F> plinth_status guarded(const char *op, plinth_backend_ctx *ctx, F &&body) {
  const std::string prefix = std::string(PLINTH_GPU_BACKEND_NAME) + "." + op + ": ";
  try {
    if (!ctx) fail("NULL backend context");
    body();
    return PLINTH_OK;
  } catch (const OpError &e) {
    return report(e.status, prefix + e.message);
  } catch (const std::bad_alloc &) {
    return report(PLINTH_ERR_OUT_OF_MEMORY, prefix + "out of device memory");
  } catch (const std::exception &e) {
    return report(PLINTH_ERR_INTERNAL, prefix + e.what());
  } catch (...) {
    return report(PLINTH_ERR_INTERNAL, prefix + "unknown failure");
  }
}

int64_t shape_numel(int32_t ndim, const int64_t *shape);
int64_t numel(const plinth_tensor *t);
size_t nbytes(const plinth_tensor *t);
std::string shape_str(int32_t ndim, const int64_t *shape);
std::string describe(const char *name, const plinth_tensor *t);
int64_t last_dim(const plinth_tensor *t);
bool same_shape(const plinth_tensor *a, const plinth_tensor *b);

void check_tensor(const plinth_tensor *t, const char *name);
void check_f32(const plinth_tensor *t, const char *name);
void check_i32(const plinth_tensor *t, const char *name);
void check_float_any(const plinth_tensor *t, const char *name);
void check_weight(const plinth_tensor *t, const char *name);
void check_not_quantized(const plinth_tensor *t, const char *name, const char *op);
void check_same_shape(const plinth_tensor *a, const char *an, const plinth_tensor *b,
                      const char *bn);
// A 1-D parameter (norm weight, bias, inv_freq, conv kernel): f32/f16/bf16 with n elements.
void check_param(const plinth_tensor *t, const char *name, int64_t n, const char *what);

inline float *f32(plinth_tensor *t) { return static_cast<float *>(t->data); }
inline const float *f32(const plinth_tensor *t) { return static_cast<const float *>(t->data); }
inline const int32_t *i32(const plinth_tensor *t) { return static_cast<const int32_t *>(t->data); }
inline int32_t *i32(plinth_tensor *t) { return static_cast<int32_t *>(t->data); }

} // namespace plinth::gpu

namespace plinth::gpu::ops {
plinth_status tensor_new(plinth_backend_ctx *, int32_t, int32_t, const int64_t *, plinth_tensor **);
plinth_status tensor_from_host(plinth_backend_ctx *, int32_t, int32_t, const int64_t *,
                               const void *, int32_t, plinth_tensor **);
plinth_status tensor_view(plinth_backend_ctx *, const plinth_tensor *, int64_t, int32_t,
                          const int64_t *, plinth_tensor **);
void tensor_free(plinth_backend_ctx *, plinth_tensor *);
plinth_status write(plinth_backend_ctx *, plinth_tensor *, const void *, size_t, size_t);
plinth_status read(plinth_backend_ctx *, const plinth_tensor *, void *, size_t, size_t);
plinth_status synchronize(plinth_backend_ctx *);
plinth_status fill(plinth_backend_ctx *, plinth_tensor *, float);
plinth_status copy(plinth_backend_ctx *, const plinth_tensor *, plinth_tensor *);
plinth_status permute(plinth_backend_ctx *, const plinth_tensor *, const int32_t *,
                      plinth_tensor *);
plinth_status slice(plinth_backend_ctx *, const plinth_tensor *, int32_t, int64_t, plinth_tensor *);
plinth_status set_slice(plinth_backend_ctx *, plinth_tensor *, int32_t, int64_t,
                        const plinth_tensor *);
plinth_status get_rows(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                       plinth_tensor *);
plinth_status linear(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                     const plinth_tensor *, plinth_tensor *);
plinth_status matmul(plinth_backend_ctx *, const plinth_matmul_args *);
plinth_status linear_indexed(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                             const plinth_tensor *, plinth_tensor *);
plinth_status unary(plinth_backend_ctx *, int32_t, const plinth_tensor *, plinth_tensor *);
plinth_status binary(plinth_backend_ctx *, int32_t, const plinth_tensor *, const plinth_tensor *,
                     plinth_tensor *);
plinth_status affine(plinth_backend_ctx *, const plinth_tensor *, float, float, plinth_tensor *);
plinth_status layer_norm(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                         const plinth_tensor *, float, plinth_tensor *);
plinth_status rms_norm(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *, float,
                       plinth_tensor *);
plinth_status softmax(plinth_backend_ctx *, const plinth_tensor *, plinth_tensor *);
plinth_status reduce(plinth_backend_ctx *, int32_t, const plinth_tensor *, plinth_tensor *);
plinth_status argmax(plinth_backend_ctx *, const plinth_tensor *, plinth_tensor *);
plinth_status topk(plinth_backend_ctx *, const plinth_tensor *, int32_t, plinth_tensor *,
                   plinth_tensor *);
plinth_status rope(plinth_backend_ctx *, const plinth_rope_args *);
plinth_status attention(plinth_backend_ctx *, const plinth_attention_args *);
plinth_status conv1d_depthwise(plinth_backend_ctx *, const plinth_tensor *, const plinth_tensor *,
                               int64_t, plinth_tensor *);
} // namespace plinth::gpu::ops

// The plugin's descriptor (entry.cpp exports it); also callable directly by the unit tests.
extern "C" const plinth_plugin_descriptor *
plinth_gpu_backend_descriptor(const plinth_host_api *host);
