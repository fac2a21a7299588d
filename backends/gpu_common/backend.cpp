// The GPU backends' vtable, context lifetime, device memory, and the validation helpers every
// op file shares.
#include "backend.hpp"
#include "blas.hpp"

#include <algorithm>
#include <cstddef>
#include <sstream>

namespace plinth::gpu {

const plinth_host_api *g_host = nullptr;

void fail(const std::string &message, plinth_status status) { throw OpError{status, message}; }

plinth_status report(plinth_status status, const std::string &message) {
  if (g_host && g_host->struct_size >= offsetof(plinth_host_api, set_error) + sizeof(void *) &&
      g_host->set_error)
    g_host->set_error(status, message.c_str());
  return status;
}

size_t dtype_size(int32_t dtype) {
  switch (dtype) {
  case PLINTH_DTYPE_F32:
  case PLINTH_DTYPE_I32: return 4;
  case PLINTH_DTYPE_F16:
  case PLINTH_DTYPE_BF16:
  case PLINTH_DTYPE_I16: return 2;
  case PLINTH_DTYPE_I64:
  case PLINTH_DTYPE_F64: return 8;
  case PLINTH_DTYPE_U8:
  case PLINTH_DTYPE_I8:
  case PLINTH_DTYPE_BOOL: return 1;
  default: return 0;
  }
}

bool known_dtype(int32_t dtype) { return dtype_size(dtype) != 0 || is_quantized(dtype); }

const char *dtype_name(int32_t dtype) {
  static const char *const names[] = {"f32", "f16", "bf16", "i32", "i64",  "u8",
                                      "i8",  "f64", "bool", "i16", "q8_0", "q4_0"};
  static_assert(sizeof(names) / sizeof(names[0]) == PLINTH_DTYPE_COUNT_);
  if (dtype >= 0 && dtype < PLINTH_DTYPE_COUNT_) return names[dtype];
  return "dtype?";
}

// ------------------------------------------------------------------ memory

namespace {
size_t round_size(size_t bytes) {
  // Small blocks in 512-byte steps, large ones in 2 MiB steps, so that tensors of similar
  // size (the same op on the next decode step) find each other's blocks.
  const size_t step = bytes < (size_t{1} << 20) ? 512 : (size_t{2} << 20);
  return std::max<size_t>(step, (bytes + step - 1) / step * step);
}
} // namespace

std::pair<void *, size_t> Allocator::allocate(size_t bytes) {
  const size_t size = round_size(bytes);
  auto it = free_.lower_bound(size);
  if (it != free_.end() && it->first <= size + size / 2 + 4096) {
    std::pair<void *, size_t> block{it->second, it->first};
    cached_ -= it->first;
    free_.erase(it);
    return block;
  }
  void *p = device_alloc(size);
  if (!p) {
    release_cache(); // cudaFree waits for the device, so the cached blocks are idle
    p = device_alloc(size);
  }
  if (!p) throw std::bad_alloc();
  return {p, size};
}

void Allocator::release(void *p, size_t size) noexcept {
  if (!p) return;
  if (cached_ + size > limit_) {
    device_free(p);
    return;
  }
  free_.emplace(size, p);
  cached_ += size;
}

void Allocator::release_cache() noexcept {
  for (auto &[size, p] : free_)
    device_free(p);
  free_.clear();
  cached_ = 0;
}

Context::~Context() {
  if (stream) {
    try {
      stream_sync(stream);
    } catch (...) { // a failed device cannot be helped here; free what we can
    }
  }
  for (auto &[key, block] : inv_freq)
    alloc.release(block.first, block.second);
  if (scratch) alloc.release(scratch, scratch_size);
  if (err) device_free(err);
  blas_close(blas);
  alloc.release_cache();
  stream_destroy(stream);
}

void *scratch(plinth_backend_ctx *ctx, size_t bytes) {
  Context &c = *context_of(ctx);
  if (bytes > c.scratch_size) {
    if (c.scratch) c.alloc.release(c.scratch, c.scratch_size);
    c.scratch = nullptr;
    c.scratch_size = 0;
    auto [p, size] = c.alloc.allocate(bytes);
    c.scratch = p;
    c.scratch_size = size;
  }
  return c.scratch;
}

void raise_device_error(plinth_backend_ctx *ctx) {
  Context &c = *context_of(ctx);
  DeviceErrorRecord rec{};
  copy_d2h(&rec, c.err, sizeof rec, c.stream);
  stream_sync(c.stream);
  if (!rec.flag) return;
  memset_async(c.err, 0, sizeof rec, c.stream); // report each error once
  const char *op = rec.op == kErrGetRows ? "get_rows" : "linear_indexed";
  fail(std::string("(reported at synchronisation) ") + op + ": ids[" + std::to_string(rec.index) +
       "] = " + std::to_string(rec.value) + " outside [0, " + std::to_string(rec.limit) +
       "); the affected output rows are zero");
}

// ------------------------------------------------------------------ validation

int64_t shape_numel(int32_t ndim, const int64_t *shape) {
  int64_t n = 1;
  for (int32_t i = 0; i < ndim; ++i)
    n *= shape[i];
  return n;
}

int64_t numel(const plinth_tensor *t) { return shape_numel(t->ndim, t->shape); }
size_t nbytes(const plinth_tensor *t) { return elems_bytes(t->dtype, numel(t)); }

std::string shape_str(int32_t ndim, const int64_t *shape) {
  std::ostringstream s;
  s << '[';
  for (int32_t i = 0; i < ndim; ++i)
    s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

std::string describe(const char *name, const plinth_tensor *t) {
  if (!t) return std::string(name) + " NULL";
  return std::string(name) + " " + shape_str(std::clamp(t->ndim, 0, PLINTH_MAX_DIMS), t->shape) +
         " " + dtype_name(t->dtype);
}

int64_t last_dim(const plinth_tensor *t) { return t->ndim ? t->shape[t->ndim - 1] : 1; }

bool same_shape(const plinth_tensor *a, const plinth_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int32_t i = 0; i < a->ndim; ++i)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

void check_tensor(const plinth_tensor *t, const char *name) {
  if (!t) fail(std::string(name) + " is NULL");
  const auto *meta = static_cast<const TensorMeta *>(t->backend_data);
  if (!meta || meta->magic != TensorMeta::kMagic)
    fail(std::string(name) + " is not a " PLINTH_GPU_BACKEND_NAME
                             " backend tensor (foreign or freed handle)");
  if (t->ndim < 0 || t->ndim > PLINTH_MAX_DIMS)
    fail(std::string(name) + " has ndim " + std::to_string(t->ndim));
  if (!known_dtype(t->dtype))
    fail(std::string(name) + " has unknown dtype " + std::to_string(t->dtype));
  for (int32_t i = 0; i < t->ndim; ++i)
    if (t->shape[i] < 0) fail(describe(name, t) + " has a negative dimension");
  if (is_quantized(t->dtype) && (t->ndim == 0 || last_dim(t) % kQBlock != 0))
    fail(describe(name, t) + ": the last dim of a block-quantized tensor must be a multiple of " +
         std::to_string(kQBlock));
  if (nbytes(t) > meta->bytes)
    fail(describe(name, t) + " is larger than its storage (shape changed after creation?)");
}

void check_f32(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_F32) fail(describe(name, t) + ": expected f32");
}

void check_i32(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_I32) fail(describe(name, t) + ": expected i32");
}

void check_float_any(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_F32 && t->dtype != PLINTH_DTYPE_F16 && t->dtype != PLINTH_DTYPE_BF16)
    fail(describe(name, t) + ": expected f32, f16 or bf16");
}

void check_weight(const plinth_tensor *t, const char *name) {
  check_tensor(t, name);
  if (t->dtype != PLINTH_DTYPE_F32 && t->dtype != PLINTH_DTYPE_F16 &&
      t->dtype != PLINTH_DTYPE_BF16 && !is_quantized(t->dtype))
    fail(describe(name, t) + ": expected f32, f16, bf16, q8_0 or q4_0");
}

void check_not_quantized(const plinth_tensor *t, const char *name, const char *op) {
  if (is_quantized(t->dtype))
    fail(describe(name, t) + ": " + op + " does not support block-quantized tensors",
         PLINTH_ERR_UNSUPPORTED);
}

void check_same_shape(const plinth_tensor *a, const char *an, const plinth_tensor *b,
                      const char *bn) {
  if (!same_shape(a, b)) fail(describe(an, a) + " and " + describe(bn, b) + ": shapes differ");
}

void check_param(const plinth_tensor *t, const char *name, int64_t n, const char *what) {
  check_float_any(t, name);
  if (numel(t) != n)
    fail(describe(name, t) + ": expected " + std::to_string(n) + " elements (" + what + ")");
}

// ------------------------------------------------------------------ vtable

namespace {

const char *const kDeviceKinds[] = {PLINTH_GPU_BACKEND_NAME, nullptr};

int32_t count_devices() { return device_count(); }

std::string mib(size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

plinth_status create(const plinth_backend_options *options, plinth_backend_ctx **out) {
  const std::string prefix = PLINTH_GPU_BACKEND_NAME ".create: ";
  Context *ctx = nullptr;
  try {
    if (!out) return report(PLINTH_ERR_INVALID_ARGUMENT, prefix + "out is NULL");
    *out = nullptr;
    int index = 0;
    if (options &&
        options->struct_size >= offsetof(plinth_backend_options, device_index) + sizeof(int32_t))
      index = options->device_index;
    const int n = device_count();
    if (n == 0) return report(PLINTH_ERR_BACKEND, prefix + "found no " + api_name() + " device");
    if (index < 0 || index >= n)
      return report(PLINTH_ERR_INVALID_ARGUMENT, prefix + "device_index " + std::to_string(index) +
                                                     " outside [0, " + std::to_string(n) + ")");
    set_device(index);
    ctx = new Context();
    ctx->device = index;
    ctx->stream = stream_create();
    const DeviceInfo info = device_info(index);
    ctx->alloc.set_limit(info.total_memory / 4);
    ctx->err = static_cast<DeviceErrorRecord *>(device_alloc(sizeof(DeviceErrorRecord)));
    if (!ctx->err) throw std::bad_alloc();
    memset_async(ctx->err, 0, sizeof(DeviceErrorRecord), ctx->stream);
    ctx->blas = blas_open(ctx->stream);
    ctx->description = std::string(api_name()) + " device " + std::to_string(index) + ": " +
                       info.name + " (compute " + std::to_string(info.major) + "." +
                       std::to_string(info.minor) + ", " + mib(info.total_memory) +
                       ", GEMM: " + (ctx->blas ? blas_describe(ctx->blas) : "plinth kernels") + ")";
    stream_sync(ctx->stream);
    *out = reinterpret_cast<plinth_backend_ctx *>(ctx);
    return PLINTH_OK;
  } catch (const OpError &e) {
    delete ctx;
    return report(e.status, prefix + e.message);
  } catch (const std::bad_alloc &) {
    delete ctx;
    return report(PLINTH_ERR_OUT_OF_MEMORY, prefix + "out of memory");
  } catch (const std::exception &e) {
    delete ctx;
    return report(PLINTH_ERR_BACKEND, prefix + e.what());
  }
}

void destroy(plinth_backend_ctx *ctx) { delete context_of(ctx); }

const char *describe_ctx(plinth_backend_ctx *ctx) {
  return ctx ? context_of(ctx)->description.c_str() : PLINTH_GPU_BACKEND_NAME;
}

const plinth_backend_ops kOps = {
    sizeof(plinth_backend_ops),
    ops::tensor_new,
    ops::tensor_from_host,
    ops::tensor_view,
    ops::tensor_free,
    ops::write,
    ops::read,
    ops::synchronize,
    ops::fill,
    ops::copy,
    ops::permute,
    ops::slice,
    ops::set_slice,
    ops::get_rows,
    ops::linear,
    ops::matmul,
    ops::linear_indexed,
    ops::unary,
    ops::binary,
    ops::affine,
    ops::layer_norm,
    ops::rms_norm,
    ops::softmax,
    ops::reduce,
    ops::argmax,
    ops::topk,
    ops::rope,
    ops::attention,
    ops::conv1d_depthwise,
};

const plinth_backend_vtable kVtable = {
    sizeof(plinth_backend_vtable),
    kDeviceKinds,
    count_devices,
    create,
    destroy,
    describe_ctx,
    &kOps,
};

const plinth_plugin_descriptor kDescriptor = {
    sizeof(plinth_plugin_descriptor),
    PLINTH_ABI_VERSION,
    PLINTH_PLUGIN_BACKEND,
    PLINTH_GPU_BACKEND_NAME,
    "0.1.0",
    &kVtable,
};

} // namespace
} // namespace plinth::gpu

extern "C" const plinth_plugin_descriptor *
plinth_gpu_backend_descriptor(const plinth_host_api *host) {
  plinth::gpu::g_host = host;
  return &plinth::gpu::kDescriptor;
}
