// Data movement: fill, dtype-converting copy, permute, slice / set_slice, row gather.
// Validation is shared with the CPU backend (backends/common), so both fail the same calls
// with the same messages.
#include "backend.hpp"
#include "half_host.hpp"

#include <cstring>

namespace plinth::gpu::ops {
namespace {

bool convertible(int32_t d) {
  return d == PLINTH_DTYPE_F32 || d == PLINTH_DTYPE_F16 || d == PLINTH_DTYPE_BF16 ||
         d == PLINTH_DTYPE_I32;
}

uint64_t bits_of(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}

template <class T> uint64_t raw(T v) {
  uint64_t u = 0;
  std::memcpy(&u, &v, sizeof v);
  return u;
}

} // namespace

plinth_status fill(plinth_backend_ctx *ctx, plinth_tensor *t, float value) {
  return guarded("fill", ctx, [&] {
    check_tensor(t, "t");
    check_not_quantized(t, "t", "fill");
    uint64_t pattern = 0;
    switch (t->dtype) {
    case PLINTH_DTYPE_F32: pattern = bits_of(value); break;
    case PLINTH_DTYPE_F16: pattern = host_float_to_half(value); break;
    case PLINTH_DTYPE_BF16: pattern = host_float_to_bf16(value); break;
    case PLINTH_DTYPE_F64: pattern = raw(static_cast<double>(value)); break;
    case PLINTH_DTYPE_I32: pattern = raw(static_cast<int32_t>(value)); break;
    case PLINTH_DTYPE_I64: pattern = raw(static_cast<int64_t>(value)); break;
    case PLINTH_DTYPE_I16: pattern = raw(static_cast<int16_t>(value)); break;
    case PLINTH_DTYPE_I8: pattern = raw(static_cast<int8_t>(value)); break;
    case PLINTH_DTYPE_U8: pattern = raw(static_cast<uint8_t>(value)); break;
    case PLINTH_DTYPE_BOOL: pattern = value != 0.0f ? 1 : 0; break;
    default: fail(describe("t", t) + ": unsupported dtype");
    }
    launch_fill(t->data, numel(t), static_cast<int>(dtype_size(t->dtype)), pattern, stream_of(ctx));
  });
}

plinth_status copy(plinth_backend_ctx *ctx, const plinth_tensor *src, plinth_tensor *dst) {
  return guarded("copy", ctx, [&] {
    check_tensor(src, "src");
    check_tensor(dst, "dst");
    const int64_t n = numel(src);
    if (n != numel(dst))
      fail(describe("src", src) + " and " + describe("dst", dst) + ": element counts differ");
    if (src->dtype == dst->dtype) {
      if (src->data != dst->data && n) copy_d2d(dst->data, src->data, nbytes(src), stream_of(ctx));
      return;
    }
    if (is_quantized(src->dtype) || is_quantized(dst->dtype)) {
      if (dst->dtype != PLINTH_DTYPE_F32 || !is_quantized(src->dtype))
        fail(describe("src", src) + " -> " + describe("dst", dst) +
                 ": block-quantized tensors copy only to their own dtype or to f32",
             PLINTH_ERR_UNSUPPORTED);
      launch_dequantize(src->data, src->dtype, f32(dst), n, stream_of(ctx));
      return;
    }
    if (!convertible(src->dtype) || !convertible(dst->dtype))
      fail(std::string("conversion ") + dtype_name(src->dtype) + " -> " + dtype_name(dst->dtype) +
           " is not supported (f32, f16, bf16, i32)");
    if (src->data == dst->data && n && dtype_size(src->dtype) != dtype_size(dst->dtype))
      fail("an in-place copy must keep the element size");
    launch_convert(src->data, src->dtype, dst->data, dst->dtype, n, stream_of(ctx));
  });
}

plinth_status permute(plinth_backend_ctx *ctx, const plinth_tensor *x, const int32_t *perm,
                      plinth_tensor *out) {
  return guarded("permute", ctx, [&] {
    check_permute(x, perm, out);
    const int32_t nd = x->ndim;
    int64_t xstride[PLINTH_MAX_DIMS] = {};
    int64_t st = 1;
    for (int32_t i = nd - 1; i >= 0; --i) {
      xstride[i] = st;
      st *= x->shape[i];
    }
    Permute4 p{{1, 1, 1, 1}, {0, 0, 0, 0}};
    const int32_t pad = 4 - nd;
    for (int32_t i = 0; i < nd; ++i) {
      p.out_shape[pad + i] = out->shape[i];
      p.in_stride[pad + i] = xstride[perm[i]];
    }
    launch_permute(x->data, out->data, static_cast<int>(dtype_size(x->dtype)), p, stream_of(ctx));
  });
}

plinth_status slice(plinth_backend_ctx *ctx, const plinth_tensor *x, int32_t dim, int64_t start,
                    plinth_tensor *out) {
  return guarded("slice", ctx, [&] {
    check_slice("slice", x, "x", out, "out", dim, start, true);
    const Split s = split_at(x, dim);
    const int64_t unit = static_cast<int64_t>(narrow_unit_bytes(x, dim)), len = out->shape[dim];
    launch_copy_rows(static_cast<const char *>(x->data) + start * unit, s.dim * unit, out->data,
                     len * unit, len * unit, s.outer, stream_of(ctx));
  });
}

plinth_status set_slice(plinth_backend_ctx *ctx, plinth_tensor *dst, int32_t dim, int64_t start,
                        const plinth_tensor *src) {
  return guarded("set_slice", ctx, [&] {
    check_slice("set_slice", dst, "dst", src, "src", dim, start, true);
    const Split s = split_at(dst, dim);
    const int64_t unit = static_cast<int64_t>(narrow_unit_bytes(dst, dim)), len = src->shape[dim];
    launch_copy_rows(src->data, len * unit, static_cast<char *>(dst->data) + start * unit,
                     s.dim * unit, len * unit, s.outer, stream_of(ctx));
  });
}

plinth_status set_slice_dev(plinth_backend_ctx *ctx, plinth_tensor *dst, int32_t dim,
                            const plinth_tensor *start_i32, const plinth_tensor *src) {
  return guarded("set_slice_dev", ctx, [&] {
    const int64_t starts = check_slice_dev(dst, src, dim, start_i32);
    const Split s = split_at(dst, dim);
    const int64_t es = static_cast<int64_t>(dtype_size(dst->dtype)), len = src->shape[dim];
    // The start is read by the kernel; a bad one is reported at the next read()/synchronize().
    launch_copy_rows_at(src->data, len * s.inner * es, dst->data, s.dim * s.inner * es,
                        len * s.inner * es, s.outer, i32(start_i32), s.inner * es, starts,
                        context_of(ctx)->err, stream_of(ctx));
  });
}

plinth_status get_rows(plinth_backend_ctx *ctx, const plinth_tensor *table,
                       const plinth_tensor *ids, plinth_tensor *out) {
  return guarded("get_rows", ctx, [&] {
    check_get_rows(table, ids, out);
    const int64_t rows = table->shape[0], d = table->shape[1], n = numel(ids);
    // The id values live on the device: out-of-range ids are reported at the next
    // read() / synchronize() (see DeviceErrorRecord).
    launch_get_rows(table->data, table->dtype, rows, d, i32(ids), n, out->data, out->dtype,
                    context_of(ctx)->err, stream_of(ctx));
  });
}

} // namespace plinth::gpu::ops
