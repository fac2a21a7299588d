// The GPU backends' vtable, context lifetime and device memory (argument validation is in
// backends/common).
#include "backend.hpp"
#include "blas.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <string>

namespace plinth::gpu {

// Atomic: every runtime in the process opens the plugin and hands it the (same) host table,
// possibly from several threads at once.
std::atomic<const plinth_host_api *> g_host{nullptr};

// ------------------------------------------------------------------ memory

namespace {
#if defined(PLINTH_GPU_EMU)
// The host target checks every access against the end of its allocation: blocks are exactly
// as large as asked (to the 16 bytes its allocations are granular in), a cached block serves
// only a request of its own size, and it comes back poisoned as fresh memory does.
constexpr bool kExactBlocks = true;
size_t round_size(size_t bytes) { return std::max<size_t>(16, (bytes + 15) / 16 * 16); }
#else
constexpr bool kExactBlocks = false;
size_t round_size(size_t bytes) {
  // Small blocks in 512-byte steps, large ones in 2 MiB steps, so that tensors of similar
  // size (the same op on the next decode step) find each other's blocks.
  const size_t step = bytes < (size_t{1} << 20) ? 512 : (size_t{2} << 20);
  return std::max<size_t>(step, (bytes + step - 1) / step * step);
}
#endif
} // namespace

std::pair<void *, size_t> Allocator::allocate(size_t bytes) {
  const size_t size = round_size(bytes);
  auto it = free_.lower_bound(size);
  if (it != free_.end() &&
      (kExactBlocks ? it->first == size : it->first <= size + size / 2 + 4096)) {
    std::pair<void *, size_t> block{it->second, it->first};
    cached_ -= it->first;
    free_.erase(it);
    if (kExactBlocks && stream_) memset_async(block.first, 0xff, block.second, stream_);
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

GraphPool::~GraphPool() {
  for (auto &[p, size] : owned_)
    main_.release(p, size);
}

std::pair<void *, size_t> GraphPool::allocate(size_t bytes) {
  if (open_) {
    auto it = free_.lower_bound(bytes);
    if (it != free_.end() && it->first <= bytes + bytes / 2 + 4096) {
      std::pair<void *, size_t> block{it->second, it->first};
      free_.erase(it);
      return block;
    }
  }
  auto block = main_.allocate(bytes);
  try {
    owned_.emplace(block.first, block.second);
  } catch (...) {
    main_.release(block.first, block.second);
    throw;
  }
  return block;
}

void GraphPool::release(void *p, size_t size) noexcept {
  if (!p) return;
  try {
    owned_.emplace(p, size); // no-op for the pool's own blocks
    if (open_) free_.emplace(size, p);
  } catch (...) { // out of host memory: keep the block reserved forever rather than reuse it
  }
}

void *GraphPool::scratch(size_t bytes) {
  if (bytes > scratch_size_) {
    if (scratch_) release(scratch_, scratch_size_);
    scratch_ = nullptr;
    scratch_size_ = 0;
    auto [p, size] = allocate(bytes);
    scratch_ = p;
    scratch_size_ = size;
  }
  return scratch_;
}

void check_not_recording(plinth_backend_ctx *ctx, const char *what) {
  if (context_of(ctx)->recording)
    fail(std::string(what) + " cannot be recorded: call it before graph_begin or after graph_end",
         PLINTH_ERR_UNSUPPORTED);
}

std::pair<void *, size_t> allocate_block(plinth_backend_ctx *ctx, size_t bytes,
                                         std::shared_ptr<GraphPool> *pool) {
  Context &c = *context_of(ctx);
  *pool = c.recording;
  return c.recording ? c.recording->allocate(bytes) : c.alloc.allocate(bytes);
}

void *scratch(plinth_backend_ctx *ctx, size_t bytes) {
  Context &c = *context_of(ctx);
  if (c.recording) return c.recording->scratch(bytes);
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
  const std::string where = "(reported at synchronisation) ";
  const std::string value = std::to_string(rec.value), limit = std::to_string(rec.limit);
  switch (rec.op) {
  case kErrSetSliceDev:
    fail(where + "set_slice_dev: start = " + value + " outside [0, " + limit +
         "]; nothing was written");
  case kErrAttentionKvLen:
    fail(where + "attention: kv_len_dev = " + value + " outside [0, " + limit +
         "] (the bound given by kv_len); it was clamped");
  case kErrAttentionQOffset:
    fail(where + "attention: q_offset_dev = " + value + " is negative; 0 was used");
  default: break;
  }
  const char *op = rec.op == kErrGetRows ? "get_rows" : "linear_indexed";
  fail(where + op + ": ids[" + std::to_string(rec.index) + "] = " + value + " outside [0, " +
       limit + "); the affected output rows are zero");
}

} // namespace plinth::gpu

// ------------------------------------------------------------------ validation

// check_tensor() (backends/common) recognises this backend's tensors by their TensorMeta.
const plinth::backend::TensorOwner plinth::backend::kTensorOwner{
    PLINTH_GPU_BACKEND_NAME, [](const plinth_tensor *t, size_t *bytes) {
      const auto *meta = static_cast<const gpu::TensorMeta *>(t->backend_data);
      if (!meta || meta->magic != gpu::TensorMeta::kMagic) return false;
      *bytes = meta->bytes;
      return true;
    }};

namespace plinth::gpu {

// ------------------------------------------------------------------ vtable

namespace {

const char *const kDeviceKinds[] = {PLINTH_GPU_BACKEND_NAME, nullptr};

int32_t count_devices() { return device_count(); }

std::string mib(size_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

plinth_status context_create(const plinth_backend_options *options, plinth_backend_ctx **out) {
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
    if (n == 0)
      return report(PLINTH_ERR_BACKEND,
                    prefix + "found no " + api_name() + " device (" + device_count_error() + ")");
    if (index < 0 || index >= n)
      return report(PLINTH_ERR_INVALID_ARGUMENT, prefix + "device_index " + std::to_string(index) +
                                                     " outside [0, " + std::to_string(n) + ")");
    set_device(index);
    ctx = new Context();
    ctx->device = index;
    ctx->stream = stream_create();
    ctx->alloc.set_stream(ctx->stream);
    const DeviceInfo info = device_info(index);
    ctx->alloc.set_limit(info.total_memory / 4);
    ctx->smem_limit = info.smem_per_block_optin;
    ctx->err = static_cast<DeviceErrorRecord *>(device_alloc(sizeof(DeviceErrorRecord)));
    if (!ctx->err) throw std::bad_alloc();
    memset_async(ctx->err, 0, sizeof(DeviceErrorRecord), ctx->stream);
    const char *order = std::getenv("PLINTH_GPU_TORCH_ORDER");
    ctx->torch_order = order && std::string(order) == "1";
    // cuBLAS sums in an order of its own: the torch-order mode takes the project's GEMM, one
    // FMA chain over k per output as torch's CPU BLAS accumulates.
    ctx->blas = ctx->torch_order ? nullptr : blas_open(ctx->stream);
    const char *graphs = std::getenv("PLINTH_GPU_GRAPHS");
    ctx->graphs_enabled = !(graphs && std::string(graphs) == "0");
    ctx->description =
        std::string(api_name()) + " device " + std::to_string(index) + ": " + info.name +
        " (compute " + std::to_string(info.major) + "." + std::to_string(info.minor) + ", " +
        std::to_string(info.multiprocessors) + " SMs, " + mib(info.total_memory) + ", driver " +
        std::to_string(info.driver_version) + ", runtime " + std::to_string(info.runtime_version) +
        ", GEMM: " + (ctx->blas ? blas_describe(ctx->blas) : blas_missing_reason()) +
        (ctx->graphs_enabled ? "" : ", graphs off (PLINTH_GPU_GRAPHS=0)") +
        (ctx->torch_order ? ", torch rounding order (PLINTH_GPU_TORCH_ORDER=1)" : "") + ")";
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

void context_free(plinth_backend_ctx *ctx) {
  if (!ctx) return;
  try {
    use_device(context_of(ctx)->device); // the stream and memory belong to that device
  } catch (...) {                        // a failed device cannot be helped here; free what we can
  }
  delete context_of(ctx);
}

// With a context: its device. Without one: the backend's name, and when the last
// device_count() found nothing, why (a driver too old for the linked runtime says so here).
const char *describe_ctx(plinth_backend_ctx *ctx) {
  if (ctx) return context_of(ctx)->description.c_str();
  static thread_local std::string text;
  const std::string reason = device_count_error();
  text = reason.empty() ? std::string(PLINTH_GPU_BACKEND_NAME)
                        : std::string(PLINTH_GPU_BACKEND_NAME) + " (no device: " + reason + ")";
  return text.c_str();
}

const plinth_backend_ops kOps = PLINTH_BACKEND_OPS_INIT;

const plinth_backend_vtable kVtable = {
    sizeof(plinth_backend_vtable),
    kDeviceKinds,
    count_devices,
    context_create,
    context_free,
    describe_ctx,
    &kOps,
    nullptr, // no extensions yet (a machine reference would measure cuBLAS / hipBLAS)
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
  plinth::gpu::g_host.store(host, std::memory_order_release);
  return &plinth::gpu::kDescriptor;
}
