// Tensor lifetime and host transfers. CPU tensors live in host memory, so "device" work is
// synchronous and synchronize() has nothing to wait for.
#include "backend.hpp"
#include "quant_layout.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

namespace plinth::cpu {
void release_block(const BlockCache::Block &block) {
  if (block.mapped)
    munmap(block.alloc, block.mapped);
  else
    std::free(block.alloc);
}
} // namespace plinth::cpu

namespace plinth::cpu::ops {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// Zeroed memory for a tensor of `bytes`. From 2 MiB up: an anonymous mapping aligned to 2 MiB
// and advised for transparent huge pages, so weights copied into it (quantized, converted,
// or copied from the checkpoint) are read through 2 MiB pages: fewer TLB misses, and rows
// are physically contiguous, which the hardware prefetcher follows past 4 KiB boundaries —
// decoding streams such weights ~10% faster than 4 KiB page-cache pages (Zen 5, two
// threads). Sets *mapped to the mapping's length, or 0 for calloc'd memory.
size_t physical_memory() {
  static const size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page)
                                 : SIZE_MAX;
  }();
  return bytes;
}

void *alloc_zeroed(size_t bytes, size_t *mapped) {
  *mapped = 0;
  // Refused up front: with overcommit the mapping would succeed and the machine would
  // thrash or be killed while the zero pages are touched (a 134 GB KV cache, say).
  if (bytes > physical_memory())
    fail("a tensor of " + std::to_string(bytes) + " bytes is larger than this machine's " +
             std::to_string(physical_memory()) + " bytes of memory",
         PLINTH_ERR_OUT_OF_MEMORY);
  if (bytes >= kHugePage) {
    const size_t len = (bytes + 4095) & ~size_t{4095};
    void *p =
        mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      const auto base = reinterpret_cast<uintptr_t>(p);
      const uintptr_t a = (base + kHugePage - 1) & ~uintptr_t{kHugePage - 1};
      // Give back the alignment slack on both sides; only [a, a + len) stays mapped.
      if (a > base) munmap(p, a - base);
      if (base + kHugePage > a) munmap(reinterpret_cast<void *>(a + len), base + kHugePage - a);
      madvise(reinterpret_cast<void *>(a), len, MADV_HUGEPAGE); // advice: failure is harmless
      *mapped = len;
      return reinterpret_cast<void *>(a);
    }
  }
  // calloc: fresh tensors read as zeros (deterministic), and large zeroed blocks come
  // straight from the kernel at no extra cost.
  return std::calloc(bytes ? bytes : 1, 1);
}

void release(TensorMeta &meta) { release_block({meta.alloc, meta.mapped}); }

// Q8_0 / Q4_0 tensors keep grouped rows (quant_layout.hpp); hosts see the ABI layout. Copies
// the ABI bytes [offset, offset + bytes) between `host` and the tensor memory `mem`, whole rows
// directly and partial rows through one row in the ABI layout.
void quantized_transfer(int32_t dtype, int64_t K, uint8_t *mem, uint8_t *host, size_t bytes,
                        size_t offset, bool to_tensor) {
  const int64_t nb = K / kQBlock;
  const size_t rb = static_cast<size_t>(nb) * block_bytes(dtype);
  size_t done = 0;
  std::vector<uint8_t> row;
  while (done < bytes) {
    const size_t at = offset + done, r = at / rb, in_row = at % rb, left = bytes - done;
    uint8_t *m = mem + r * rb;
    if (in_row == 0 && left >= rb) { // whole rows
      const size_t rows = left / rb;
      if (to_tensor)
        group_rows(dtype, host + done, m, static_cast<int64_t>(rows), nb);
      else
        ungroup_rows(dtype, m, host + done, static_cast<int64_t>(rows), nb);
      done += rows * rb;
      continue;
    }
    const size_t len = std::min(left, rb - in_row); // part of one row
    row.resize(rb);
    ungroup_rows(dtype, m, row.data(), 1, nb);
    if (to_tensor) {
      std::memcpy(row.data() + in_row, host + done, len);
      group_rows(dtype, row.data(), m, 1, nb);
    } else {
      std::memcpy(host + done, row.data() + in_row, len);
    }
    done += len;
  }
}

} // namespace

plinth_status tensor_new(plinth_backend_ctx *ctx, int32_t dtype, int32_t ndim, const int64_t *shape,
                         plinth_tensor **out) {
  return guarded("tensor_new", ctx, [&] {
    if (!out) fail("out is NULL");
    *out = nullptr;
    check_new_shape(dtype, ndim, shape);
    const size_t bytes = elems_bytes(dtype, shape_numel(ndim, shape));
    TensorMeta owner;
    const BlockCache::Block reused = context_of(ctx)->blocks.take(bytes);
    owner.alloc = reused.alloc;
    owner.mapped = reused.mapped;
    if (!owner.alloc) owner.alloc = alloc_zeroed(bytes, &owner.mapped);
    if (!owner.alloc) throw std::bad_alloc();
    void *mem = owner.alloc;
    plinth_tensor *t = nullptr;
    try {
      t = make_tensor<TensorMeta>(dtype, ndim, shape);
    } catch (...) {
      release(owner);
      throw;
    }
    auto *meta = static_cast<TensorMeta *>(t->backend_data);
    meta->owns = true;
    meta->alloc = mem;
    meta->mapped = owner.mapped;
    meta->bytes = bytes;
    t->data = mem;
    *out = t;
  });
}

plinth_status tensor_from_host(plinth_backend_ctx *ctx, int32_t dtype, int32_t ndim,
                               const int64_t *shape, const void *host, int32_t borrow,
                               plinth_tensor **out) {
  // Quantized data is regrouped (quant_layout.hpp), so it is never borrowed.
  if (!borrow || is_quantized(dtype)) {
    plinth_status s = tensor_new(ctx, dtype, ndim, shape, out);
    if (s != PLINTH_OK) return s;
    const size_t bytes = nbytes(*out);
    if (bytes && !host) {
      tensor_free(ctx, *out);
      *out = nullptr;
      return report(PLINTH_ERR_INVALID_ARGUMENT, "cpu.tensor_from_host: host data is NULL");
    }
    if (bytes && is_quantized(dtype))
      group_rows(dtype, static_cast<const uint8_t *>(host), static_cast<uint8_t *>((*out)->data),
                 numel(*out) / last_dim(*out), last_dim(*out) / kQBlock);
    else if (bytes)
      std::memcpy((*out)->data, host, bytes);
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
    plinth_tensor *t = make_tensor<TensorMeta>(dtype, ndim, shape);
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
    check_view(src, offset, ndim, shape); // src, shape and range are valid from here on
    // Grouped quantized rows (quant_layout.hpp) stay meaningful only from a row start on.
    const int64_t row = last_dim(src);
    if (is_quantized(src->dtype) && row > 0 && ndim > 0 &&
        (offset % row != 0 || shape[ndim - 1] != row))
      fail("views of " + describe("src", src) + " must start at a row and keep its length (" +
               std::to_string(row) + " values): the CPU backend groups each row's blocks",
           PLINTH_ERR_UNSUPPORTED);
    *out = make_view<TensorMeta>(src, offset, ndim, shape);
  });
}

void tensor_free(plinth_backend_ctx *ctx, plinth_tensor *t) {
  if (!t) return;
  auto *meta = static_cast<TensorMeta *>(t->backend_data);
  if (meta && meta->magic == TensorMeta::kMagic) {
    if (meta->owns && ctx)
      context_of(ctx)->blocks.give(meta->bytes, {meta->alloc, meta->mapped});
    else if (meta->owns)
      release(*meta);
    meta->magic = 0; // a later use of this handle is then detected rather than undefined
    delete meta;
  }
  delete t;
}

plinth_status write(plinth_backend_ctx *ctx, plinth_tensor *dst, const void *host, size_t bytes,
                    size_t offset_bytes) {
  return guarded("write", ctx, [&] {
    check_tensor(dst, "dst");
    check_range(dst, "dst", bytes, offset_bytes);
    if (bytes && !host) fail("host is NULL");
    if (bytes && is_quantized(dst->dtype))
      quantized_transfer(dst->dtype, last_dim(dst), static_cast<uint8_t *>(dst->data),
                         static_cast<uint8_t *>(const_cast<void *>(host)), bytes, offset_bytes,
                         true);
    else if (bytes)
      std::memcpy(static_cast<char *>(dst->data) + offset_bytes, host, bytes);
  });
}

plinth_status read(plinth_backend_ctx *ctx, const plinth_tensor *src, void *host, size_t bytes,
                   size_t offset_bytes) {
  return guarded("read", ctx, [&] {
    check_tensor(src, "src");
    check_range(src, "src", bytes, offset_bytes);
    if (bytes && !host) fail("host is NULL");
    if (bytes && is_quantized(src->dtype))
      quantized_transfer(src->dtype, last_dim(src), static_cast<uint8_t *>(src->data),
                         static_cast<uint8_t *>(host), bytes, offset_bytes, false);
    else if (bytes)
      std::memcpy(host, static_cast<const char *>(src->data) + offset_bytes, bytes);
  });
}

plinth_status synchronize(plinth_backend_ctx *ctx) {
  return guarded("synchronize", ctx, [] {});
}

} // namespace plinth::cpu::ops
