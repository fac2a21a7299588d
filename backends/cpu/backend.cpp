// The CPU backend's vtable, context lifetime, and the helpers every op file shares.
#include "backend.hpp"
#include "kernels.hpp"
#include "machine_reference.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <sstream>
#include <thread>

namespace plinth::cpu {

// Atomic: every runtime in the process opens the plugin and hands it the (same) host table,
// possibly from several threads at once.
std::atomic<const plinth_host_api *> g_host{nullptr};

} // namespace plinth::cpu

// check_tensor() (backends/common) recognises this backend's tensors by their TensorMeta.
const plinth::backend::TensorOwner plinth::backend::kTensorOwner{
    "CPU", [](const plinth_tensor *t, size_t *bytes) {
      const auto *meta = static_cast<const cpu::TensorMeta *>(t->backend_data);
      if (!meta || meta->magic != cpu::TensorMeta::kMagic) return false;
      *bytes = meta->bytes;
      return true;
    }};

namespace plinth::cpu {

F32Vector::F32Vector(const plinth_tensor *t, const char *name, int64_t expected_len,
                     const char *what) {
  check_param(t, name, expected_len, what);
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

plinth_status context_create(const plinth_backend_options *options, plinth_backend_ctx **out) {
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

void context_free(plinth_backend_ctx *ctx) { delete context_of(ctx); }

const char *describe_ctx(plinth_backend_ctx *ctx) {
  return ctx ? context_of(ctx)->description.c_str() : "CPU";
}

// Every op runs when it is called, so there is nothing to capture: the graph slots stay NULL.
const plinth_backend_ops kOps = PLINTH_BACKEND_OPS_INIT_NO_GRAPHS;

const plinth_backend_vtable kVtable = {
    sizeof(plinth_backend_vtable),
    kDeviceKinds,
    device_count,
    context_create,
    context_free,
    describe_ctx,
    &kOps,
    backend_extension,
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
  plinth::cpu::g_host.store(host, std::memory_order_release);
  return &plinth::cpu::kDescriptor;
}
