// Tensor lifetime and host transfers. Uploads are enqueued (the runtime stages pageable
// bytes before returning, so the caller's buffer is free at once); read() and synchronize()
// are the only calls that wait for the device, and they also report device-side errors.
#include "backend.hpp"

#include <memory>

namespace plinth::gpu::ops {
namespace {

// A new device tensor; zeroed (like the CPU backend's calloc) unless the caller fills it.
plinth_tensor *new_device_tensor(plinth_backend_ctx *ctx, int32_t dtype, int32_t ndim,
                                 const int64_t *shape, bool zero) {
  check_new_shape(dtype, ndim, shape);
  Context &c = *context_of(ctx);
  const size_t bytes = elems_bytes(dtype, shape_numel(ndim, shape));
  std::shared_ptr<GraphPool> pool;
  auto [mem, size] = allocate_block(ctx, bytes, &pool);
  plinth_tensor *t = nullptr;
  try {
    t = make_tensor<TensorMeta>(dtype, ndim, shape);
    if (zero && bytes) memset_async(mem, 0, bytes, c.stream);
  } catch (...) {
    if (t) {
      delete static_cast<TensorMeta *>(t->backend_data);
      delete t;
    }
    if (pool)
      pool->release(mem, size);
    else
      c.alloc.release(mem, size);
    throw;
  }
  auto *meta = static_cast<TensorMeta *>(t->backend_data);
  meta->pool = std::move(pool);
  meta->owns = true;
  meta->alloc = mem;
  meta->alloc_size = size;
  meta->bytes = bytes;
  t->data = mem;
  return t;
}

} // namespace

plinth_status tensor_new(plinth_backend_ctx *ctx, int32_t dtype, int32_t ndim, const int64_t *shape,
                         plinth_tensor **out) {
  return guarded("tensor_new", ctx, [&] {
    if (!out) fail("out is NULL");
    *out = nullptr;
    *out = new_device_tensor(ctx, dtype, ndim, shape, true);
  });
}

plinth_status tensor_from_host(plinth_backend_ctx *ctx, int32_t dtype, int32_t ndim,
                               const int64_t *shape, const void *host, int32_t /*borrow*/,
                               plinth_tensor **out) {
  // borrow only lets a host-memory backend alias the bytes; a device always copies, once,
  // keeping the stored dtype (f16 / bf16 / Q8_0 / Q4_0 weights stay compact on the device).
  return guarded("tensor_from_host", ctx, [&] {
    if (!out) fail("out is NULL");
    *out = nullptr;
    check_not_recording(ctx, "tensor_from_host");
    check_new_shape(dtype, ndim, shape);
    const size_t bytes = elems_bytes(dtype, shape_numel(ndim, shape));
    if (bytes && !host) fail("host data is NULL");
    plinth_tensor *t = new_device_tensor(ctx, dtype, ndim, shape, false);
    try {
      if (bytes) copy_h2d(t->data, host, bytes, stream_of(ctx));
    } catch (...) {
      tensor_free(ctx, t);
      throw;
    }
    *out = t;
  });
}

plinth_status tensor_view(plinth_backend_ctx *ctx, const plinth_tensor *src, int64_t offset,
                          int32_t ndim, const int64_t *shape, plinth_tensor **out) {
  return guarded("tensor_view", ctx, [&] {
    if (!out) fail("out is NULL");
    *out = nullptr;
    *out = make_view<TensorMeta>(src, offset, ndim, shape);
  });
}

void tensor_free(plinth_backend_ctx *ctx, plinth_tensor *t) {
  if (!t) return;
  auto *meta = static_cast<TensorMeta *>(t->backend_data);
  if (meta && meta->magic == TensorMeta::kMagic) {
    if (meta->owns && meta->pool) {
      // A recorded graph may use the block: it stays with the recording's pool.
      meta->pool->release(meta->alloc, meta->alloc_size);
    } else if (meta->owns && ctx && context_of(ctx)->recording) {
      // Freed while recording, after ops now in the graph may have used it: reserved too.
      context_of(ctx)->recording->release(meta->alloc, meta->alloc_size);
    } else if (meta->owns) {
      // Stream order makes the block reusable at once (see Allocator). A block the cache
      // does not keep is freed on the context's device, whichever thread frees the tensor.
      if (ctx) {
        try {
          use_device(context_of(ctx)->device);
        } catch (...) { // a failed device: the free below reports nothing either
        }
        context_of(ctx)->alloc.release(meta->alloc, meta->alloc_size);
      } else {
        device_free(meta->alloc);
      }
    }
    meta->magic = 0;
    delete meta;
  }
  delete t;
}

plinth_status write(plinth_backend_ctx *ctx, plinth_tensor *dst, const void *host, size_t bytes,
                    size_t offset_bytes) {
  return guarded("write", ctx, [&] {
    check_not_recording(ctx, "write");
    check_tensor(dst, "dst");
    check_range(dst, "dst", bytes, offset_bytes);
    if (bytes && !host) fail("host is NULL");
    if (bytes) copy_h2d(static_cast<char *>(dst->data) + offset_bytes, host, bytes, stream_of(ctx));
  });
}

plinth_status read(plinth_backend_ctx *ctx, const plinth_tensor *src, void *host, size_t bytes,
                   size_t offset_bytes) {
  return guarded("read", ctx, [&] {
    check_not_recording(ctx, "read");
    check_tensor(src, "src");
    check_range(src, "src", bytes, offset_bytes);
    if (bytes && !host) fail("host is NULL");
    if (bytes)
      copy_d2h(host, static_cast<const char *>(src->data) + offset_bytes, bytes, stream_of(ctx));
    stream_sync(stream_of(ctx));
    raise_device_error(ctx);
  });
}

plinth_status synchronize(plinth_backend_ctx *ctx) {
  return guarded("synchronize", ctx, [&] {
    check_not_recording(ctx, "synchronize");
    stream_sync(stream_of(ctx));
    raise_device_error(ctx);
  });
}

} // namespace plinth::gpu::ops
