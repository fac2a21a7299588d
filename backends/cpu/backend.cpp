// The CPU backend's vtable, context lifetime, and the helpers every op file shares.
#include "backend.hpp"
#include "kernels.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <sstream>
#include <thread>

namespace plinth::cpu {

const plinth_host_api *g_host = nullptr;

void fail(const std::string &message, plinth_status status) { throw OpError{status, message}; }

plinth_status report(plinth_status status, const std::string &message) {
  // Only call set_error when the host table is new enough to contain it.
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

void check_tensor(const plinth_tensor *t, const char *name) {
  if (!t) fail(std::string(name) + " is NULL");
  const auto *meta = static_cast<const TensorMeta *>(t->backend_data);
  if (!meta || meta->magic != TensorMeta::kMagic)
    fail(std::string(name) + " is not a CPU backend tensor (foreign or freed handle)");
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

bool same_shape(const plinth_tensor *a, const plinth_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int32_t i = 0; i < a->ndim; ++i)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

void check_same_shape(const plinth_tensor *a, const char *an, const plinth_tensor *b,
                      const char *bn) {
  if (!same_shape(a, b)) fail(describe(an, a) + " and " + describe(bn, b) + ": shapes differ");
}

int64_t last_dim(const plinth_tensor *t) { return t->ndim ? t->shape[t->ndim - 1] : 1; }

F32Vector::F32Vector(const plinth_tensor *t, const char *name, int64_t expected_len,
                     const char *what) {
  check_float_any(t, name);
  if (numel(t) != expected_len)
    fail(describe(name, t) + ": expected " + std::to_string(expected_len) + " elements (" + what +
         ")");
  if (t->dtype == PLINTH_DTYPE_F32) {
    ptr_ = f32(t);
    return;
  }
  storage_.resize(static_cast<size_t>(expected_len));
  weights_to_f32(t->data, t->dtype, storage_.data(), expected_len);
  ptr_ = storage_.data();
}

namespace {
// openblas_set_num_threads is process-wide; skip the call when nothing changes.
std::atomic<int> g_blas_threads{0};
} // namespace

void set_blas_threads(plinth_backend_ctx *ctx) {
  Context *c = context_of(ctx);
  c->pool.park();
  const int n = c->n_threads;
  if (g_blas_threads.exchange(n) != n) openblas_set_num_threads(n);
}

void set_blas_single_thread() {
  if (g_blas_threads.exchange(1) != 1) openblas_set_num_threads(1);
}

namespace {

const char *const kDeviceKinds[] = {"cpu", nullptr};

int32_t device_count() { return 1; }

std::string openblas_version() {
  // openblas_get_config() reads e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell ...".
  const char *config = openblas_get_config();
  if (!config) return "OpenBLAS";
  std::istringstream s(config);
  std::string name, version;
  s >> name >> version;
  return version.empty() ? name : name + " " + version;
}

plinth_status create(const plinth_backend_options *options, plinth_backend_ctx **out) {
  try {
    if (!out) return report(PLINTH_ERR_INVALID_ARGUMENT, "cpu.create: out is NULL");
    *out = nullptr;
    int threads = 0;
    if (options) {
      if (options->struct_size >= offsetof(plinth_backend_options, n_threads) + sizeof(int32_t))
        threads = options->n_threads;
      if (options->struct_size >=
              offsetof(plinth_backend_options, device_index) + sizeof(int32_t) &&
          options->device_index != 0)
        return report(PLINTH_ERR_INVALID_ARGUMENT,
                      "cpu.create: device_index " + std::to_string(options->device_index) +
                          " out of range (the CPU backend has one device)");
    }
    if (threads < 0)
      return report(PLINTH_ERR_INVALID_ARGUMENT,
                    "cpu.create: n_threads " + std::to_string(threads) + " is negative");
    if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    auto *ctx = new Context(threads);
    ctx->description = "CPU (" + std::to_string(threads) +
                       (threads == 1 ? " thread, " : " threads, ") + kernels().isa + ", " +
                       openblas_version() + ")";
    *out = reinterpret_cast<plinth_backend_ctx *>(ctx);
    set_blas_threads(*out);
    return PLINTH_OK;
  } catch (const std::bad_alloc &) {
    return report(PLINTH_ERR_OUT_OF_MEMORY, "cpu.create: out of memory");
  } catch (const std::exception &e) {
    return report(PLINTH_ERR_BACKEND, std::string("cpu.create: ") + e.what());
  }
}

void destroy(plinth_backend_ctx *ctx) { delete context_of(ctx); }

const char *describe_ctx(plinth_backend_ctx *ctx) {
  return ctx ? context_of(ctx)->description.c_str() : "CPU";
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
    sizeof(plinth_backend_vtable), kDeviceKinds, device_count, create, destroy, describe_ctx, &kOps,
};

const plinth_plugin_descriptor kDescriptor = {
    sizeof(plinth_plugin_descriptor),
    PLINTH_ABI_VERSION,
    PLINTH_PLUGIN_BACKEND,
    "cpu",
    "0.1.0",
    &kVtable,
};

} // namespace
} // namespace plinth::cpu

extern "C" const plinth_plugin_descriptor *
plinth_cpu_backend_descriptor(const plinth_host_api *host) {
  plinth::cpu::g_host = host;
  return &plinth::cpu::kDescriptor;
}
