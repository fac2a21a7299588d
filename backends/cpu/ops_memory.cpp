// Tensor lifetime and host transfers. CPU tensors live in host memory, so "device" work is
// synchronous and synchronize() has nothing to wait for.
#include "backend.hpp"

#include <cstdlib>
#include <cstring>
#include <memory>

namespace plinth::cpu::ops {
namespace {

void check_new_shape(int32_t dtype, int32_t ndim, const int64_t *shape) {
  if (!known_dtype(dtype)) fail("unknown dtype " + std::to_string(dtype));
  if (ndim < 0 || ndim > PLINTH_MAX_DIMS)
    fail("ndim " + std::to_string(ndim) + " outside [0, " + std::to_string(PLINTH_MAX_DIMS) + "]");
  if (ndim > 0 && !shape) fail("shape is NULL");
  int64_t n = 1;
  for (int32_t i = 0; i < ndim; ++i) {
    if (shape[i] < 0) fail("shape " + shape_str(ndim, shape) + " has a negative dimension");
    if (shape[i] != 0 && n > (int64_t{1} << 50) / shape[i])
      fail("shape " + shape_str(ndim, shape) + " is too large");
    n *= shape[i];
  }
  if (is_quantized(dtype) && (ndim == 0 || shape[ndim - 1] % kQBlock != 0))
    fail("shape " + shape_str(ndim, shape) + ": the last dim of a " + dtype_name(dtype) +
         " tensor must be a multiple of " + std::to_string(kQBlock));
}

plinth_tensor *make_tensor(int32_t dtype, int32_t ndim, const int64_t *shape) {
  auto t = std::make_unique<plinth_tensor>();
  t->dtype = dtype;
  t->ndim = ndim;
  for (int32_t i = 0; i < PLINTH_MAX_DIMS; ++i)
    t->shape[i] = i < ndim ? shape[i] : 0;
  t->data = nullptr;
  t->backend_data = new TensorMeta();
  return t.release();
}

} // namespace

plinth_status tensor_new(plinth_backend_ctx *ctx, int32_t dtype, int32_t ndim, const int64_t *shape,
                         plinth_tensor **out) {
  return guarded("tensor_new", ctx, [&] {
    if (!out) fail("out is NULL");
    *out = nullptr;
    check_new_shape(dtype, ndim, shape);
    const size_t bytes = elems_bytes(dtype, shape_numel(ndim, shape));
    // calloc: fresh tensors read as zeros (deterministic), and large zeroed blocks come
    // straight from the kernel at no extra cost.
    void *mem = std::calloc(bytes ? bytes : 1, 1);
    if (!mem) throw std::bad_alloc();
    plinth_tensor *t = nullptr;
    try {
      t = make_tensor(dtype, ndim, shape);
    } catch (...) {
      std::free(mem);
      throw;
    }
    auto *meta = static_cast<TensorMeta *>(t->backend_data);
    meta->owns = true;
    meta->alloc = mem;
    meta->bytes = bytes;
    t->data = mem;
    *out = t;
  });
}

plinth_status tensor_from_host(plinth_backend_ctx *ctx, int32_t dtype, int32_t ndim,
                               const int64_t *shape, const void *host, int32_t borrow,
                               plinth_tensor **out) {
  if (!borrow) {
    plinth_status s = tensor_new(ctx, dtype, ndim, shape, out);
    if (s != PLINTH_OK) return s;
    const size_t bytes = nbytes(*out);
    if (bytes && !host) {
      tensor_free(ctx, *out);
      *out = nullptr;
      return report(PLINTH_ERR_INVALID_ARGUMENT, "cpu.tensor_from_host: host data is NULL");
    }
    if (bytes) std::memcpy((*out)->data, host, bytes);
    return PLINTH_OK;
  }
  return guarded("tensor_from_host", ctx, [&] {
    if (!out) fail("out is NULL");
    *out = nullptr;
    check_new_shape(dtype, ndim, shape);
    const size_t bytes = elems_bytes(dtype, shape_numel(ndim, shape));
    if (bytes && !host) fail("host data is NULL");
    // Borrowed: alias the caller's bytes (mapped weights) without a copy. The const_cast is
    // sound because the host promises the bytes stay unchanged and ops never write inputs.
    plinth_tensor *t = make_tensor(dtype, ndim, shape);
    auto *meta = static_cast<TensorMeta *>(t->backend_data);
    meta->bytes = bytes;
    t->data = const_cast<void *>(host);
    *out = t;
  });
}

plinth_status tensor_view(plinth_backend_ctx *ctx, const plinth_tensor *src, int64_t offset,
                          int32_t ndim, const int64_t *shape, plinth_tensor **out) {
  return guarded("tensor_view", ctx, [&] {
    if (!out) fail("out is NULL");
    *out = nullptr;
    check_tensor(src, "src");
    check_new_shape(src->dtype, ndim, shape);
    const auto *src_meta = static_cast<const TensorMeta *>(src->backend_data);
    const int64_t n = shape_numel(ndim, shape);
    if (is_quantized(src->dtype) && offset % kQBlock != 0)
      fail("view offset " + std::to_string(offset) + " into " + describe("src", src) +
           " is not on a block boundary");
    if (offset < 0 || elems_bytes(src->dtype, offset + n) > src_meta->bytes)
      fail("view " + shape_str(ndim, shape) + " at offset " + std::to_string(offset) +
           " does not fit in " + describe("src", src));
    const size_t skip = elems_bytes(src->dtype, offset);
    plinth_tensor *t = make_tensor(src->dtype, ndim, shape);
    auto *meta = static_cast<TensorMeta *>(t->backend_data);
    meta->bytes = src_meta->bytes - skip;
    t->data = static_cast<char *>(src->data) + skip;
    *out = t;
  });
}

void tensor_free(plinth_backend_ctx *, plinth_tensor *t) {
  if (!t) return;
  auto *meta = static_cast<TensorMeta *>(t->backend_data);
  if (meta && meta->magic == TensorMeta::kMagic) {
    if (meta->owns) std::free(meta->alloc);
    meta->magic = 0; // a later use of this handle is then detected rather than undefined
    delete meta;
  }
  delete t;
}

plinth_status write(plinth_backend_ctx *ctx, plinth_tensor *dst, const void *host, size_t bytes,
                    size_t offset_bytes) {
  return guarded("write", ctx, [&] {
    check_tensor(dst, "dst");
    const size_t total = nbytes(dst);
    if (offset_bytes > total || bytes > total - offset_bytes)
      fail(std::to_string(bytes) + " bytes at offset " + std::to_string(offset_bytes) + " exceed " +
           describe("dst", dst) + " (" + std::to_string(total) + " bytes)");
    if (bytes && !host) fail("host is NULL");
    if (bytes) std::memcpy(static_cast<char *>(dst->data) + offset_bytes, host, bytes);
  });
}

plinth_status read(plinth_backend_ctx *ctx, const plinth_tensor *src, void *host, size_t bytes,
                   size_t offset_bytes) {
  return guarded("read", ctx, [&] {
    check_tensor(src, "src");
    const size_t total = nbytes(src);
    if (offset_bytes > total || bytes > total - offset_bytes)
      fail(std::to_string(bytes) + " bytes at offset " + std::to_string(offset_bytes) + " exceed " +
           describe("src", src) + " (" + std::to_string(total) + " bytes)");
    if (bytes && !host) fail("host is NULL");
    if (bytes) std::memcpy(host, static_cast<const char *>(src->data) + offset_bytes, bytes);
  });
}

plinth_status synchronize(plinth_backend_ctx *ctx) {
  return guarded("synchronize", ctx, [] {});
}

} // namespace plinth::cpu::ops
