// Data movement: fill, dtype-converting copy, permute, slice / set_slice, row gather.
#include "backend.hpp"
#include "half.hpp"
#include "kernels.hpp"
#include "quant_layout.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

namespace plinth::cpu::ops {
namespace {

// Copies `len` slices along the split dimension between a whole and its narrowed part.
void copy_narrow(plinth_backend_ctx *ctx, const char *src, int64_t src_dim, char *dst,
                 int64_t dst_dim, int64_t len, const Split &s, size_t es, int64_t src_off,
                 int64_t dst_off) {
  const size_t row = static_cast<size_t>(len * s.inner) * es;
  const int64_t grain = std::max<int64_t>(1, (1 << 16) / static_cast<int64_t>(row + 1));
  pool_of(ctx).parallel_for(s.outer, grain, [&](int64_t b, int64_t e, int) {
    for (int64_t o = b; o < e; ++o)
      std::memcpy(dst + static_cast<size_t>((o * dst_dim + dst_off) * s.inner) * es,
                  src + static_cast<size_t>((o * src_dim + src_off) * s.inner) * es, row);
  });
}

// Positions along `dim` copy as units of narrow_unit_bytes (whole rows for block-quantized
// tensors: the grouped rows of quant_layout.hpp copy as they are).
Split narrow_units(const plinth_tensor *whole, int32_t dim) {
  Split s = split_at(whole, dim);
  s.inner = 1;
  return s;
}

template <class T> void fill_as(plinth_tensor *t, T v) {
  T *p = static_cast<T *>(t->data);
  const int64_t n = numel(t);
  for (int64_t i = 0; i < n; ++i)
    p[i] = v;
}

template <class T>
void permute_elems(plinth_backend_ctx *ctx, const T *x, T *y, const std::array<int64_t, 4> &os,
                   const std::array<int64_t, 4> &xs) {
  // Output is walked in order; xs holds the input stride for each output dimension.
  const int64_t rows = os[0] * os[1] * os[2];
  pool_of(ctx).parallel_for(
      rows, std::max<int64_t>(1, 4096 / (os[3] + 1)), [&](int64_t b, int64_t e, int) {
        for (int64_t r = b; r < e; ++r) {
          const int64_t i2 = r % os[2], i1 = (r / os[2]) % os[1], i0 = r / (os[2] * os[1]);
          const T *src = x + i0 * xs[0] + i1 * xs[1] + i2 * xs[2];
          T *dst = y + r * os[3];
          for (int64_t i3 = 0; i3 < os[3]; ++i3)
            dst[i3] = src[i3 * xs[3]];
        }
      });
}

} // namespace

plinth_status fill(plinth_backend_ctx *ctx, plinth_tensor *t, float value) {
  return guarded("fill", ctx, [&] {
    check_tensor(t, "t");
    check_not_quantized(t, "t", "fill");
    switch (t->dtype) {
    case PLINTH_DTYPE_F32: fill_as<float>(t, value); break;
    case PLINTH_DTYPE_F16: fill_as<uint16_t>(t, float_to_half(value)); break;
    case PLINTH_DTYPE_BF16: fill_as<uint16_t>(t, float_to_bf16(value)); break;
    case PLINTH_DTYPE_F64: fill_as<double>(t, value); break;
    case PLINTH_DTYPE_I32: fill_as<int32_t>(t, static_cast<int32_t>(value)); break;
    case PLINTH_DTYPE_I64: fill_as<int64_t>(t, static_cast<int64_t>(value)); break;
    case PLINTH_DTYPE_I16: fill_as<int16_t>(t, static_cast<int16_t>(value)); break;
    case PLINTH_DTYPE_I8: fill_as<int8_t>(t, static_cast<int8_t>(value)); break;
    case PLINTH_DTYPE_U8: fill_as<uint8_t>(t, static_cast<uint8_t>(value)); break;
    case PLINTH_DTYPE_BOOL: fill_as<uint8_t>(t, value != 0.0f ? 1 : 0); break;
    default: fail(describe("t", t) + ": unsupported dtype");
    }
  });
}

plinth_status copy(plinth_backend_ctx *ctx, const plinth_tensor *src, plinth_tensor *dst) {
  return guarded("copy", ctx, [&] {
    check_tensor(src, "src");
    check_tensor(dst, "dst");
    const int64_t n = numel(src);
    if (n != numel(dst))
      fail(describe("src", src) + " and " + describe("dst", dst) + ": element counts differ");
    const auto *s = static_cast<const char *>(src->data);
    auto *d = static_cast<char *>(dst->data);
    if (is_quantized(src->dtype) || is_quantized(dst->dtype)) {
      // Blocks copy as they are, or dequantize to f32; quantizing is the host's job. Rows are
      // grouped (quant_layout.hpp): a copy to another row length regroups.
      if (n == 0) return;
      const int64_t K = last_dim(src);
      const auto *sq = reinterpret_cast<const uint8_t *>(s);
      if (src->dtype == dst->dtype) {
        if (last_dim(dst) == K) {
          if (s != d) std::memmove(d, s, nbytes(src));
        } else {
          std::vector<uint8_t> abi(nbytes(src));
          ungroup_rows(src->dtype, sq, abi.data(), n / K, K / kQBlock);
          group_rows(dst->dtype, abi.data(), reinterpret_cast<uint8_t *>(d), n / last_dim(dst),
                     last_dim(dst) / kQBlock);
        }
        return;
      }
      if (dst->dtype != PLINTH_DTYPE_F32 || !is_quantized(src->dtype))
        fail(describe("src", src) + " -> " + describe("dst", dst) +
                 ": block-quantized tensors copy only to their own dtype or to f32",
             PLINTH_ERR_UNSUPPORTED);
      const Kernels &k = kernels();
      const size_t rb = elems_bytes(src->dtype, K);
      pool_of(ctx).parallel_for(n / K, std::max<int64_t>(1, 32768 / K),
                                [&](int64_t b, int64_t e, int) {
                                  dequantize_rows(k, src->dtype, sq + b * rb, e - b, K,
                                                  reinterpret_cast<float *>(d) + b * K);
                                });
      return;
    }
    const size_t ss = dtype_size(src->dtype), ds = dtype_size(dst->dtype);
    if (src->dtype != dst->dtype) // validate once, before splitting the work
      convert_elements(s, src->dtype, d, dst->dtype, 0);
    if (src->dtype == dst->dtype && s == d) return;
    pool_of(ctx).parallel_for(n, 1 << 15, [&](int64_t b, int64_t e, int) {
      convert_elements(s + b * ss, src->dtype, d + b * ds, dst->dtype, e - b);
    });
  });
}

plinth_status permute(plinth_backend_ctx *ctx, const plinth_tensor *x, const int32_t *perm,
                      plinth_tensor *out) {
  return guarded("permute", ctx, [&] {
    check_permute(x, perm, out);
    const int32_t nd = x->ndim;
    // Pad to 4-D at the front; compute input strides in output-dimension order.
    std::array<int64_t, 4> xstride{}, os{1, 1, 1, 1}, xs{0, 0, 0, 0};
    int64_t st = 1;
    for (int32_t i = nd - 1; i >= 0; --i) {
      xstride[i] = st;
      st *= x->shape[i];
    }
    const int32_t pad = 4 - nd;
    for (int32_t i = 0; i < nd; ++i) {
      os[pad + i] = out->shape[i];
      xs[pad + i] = xstride[perm[i]];
    }
    switch (dtype_size(x->dtype)) {
    case 1:
      permute_elems(ctx, static_cast<const uint8_t *>(x->data), static_cast<uint8_t *>(out->data),
                    os, xs);
      break;
    case 2:
      permute_elems(ctx, static_cast<const uint16_t *>(x->data), static_cast<uint16_t *>(out->data),
                    os, xs);
      break;
    case 4:
      permute_elems(ctx, static_cast<const uint32_t *>(x->data), static_cast<uint32_t *>(out->data),
                    os, xs);
      break;
    default:
      permute_elems(ctx, static_cast<const uint64_t *>(x->data), static_cast<uint64_t *>(out->data),
                    os, xs);
      break;
    }
  });
}

plinth_status slice(plinth_backend_ctx *ctx, const plinth_tensor *x, int32_t dim, int64_t start,
                    plinth_tensor *out) {
  return guarded("slice", ctx, [&] {
    check_slice("slice", x, "x", out, "out", dim, start, true);
    copy_narrow(ctx, static_cast<const char *>(x->data), x->shape[dim],
                static_cast<char *>(out->data), out->shape[dim], out->shape[dim],
                narrow_units(x, dim), narrow_unit_bytes(x, dim), start, 0);
  });
}

plinth_status set_slice(plinth_backend_ctx *ctx, plinth_tensor *dst, int32_t dim, int64_t start,
                        const plinth_tensor *src) {
  return guarded("set_slice", ctx, [&] {
    check_slice("set_slice", dst, "dst", src, "src", dim, start, true);
    copy_narrow(ctx, static_cast<const char *>(src->data), src->shape[dim],
                static_cast<char *>(dst->data), dst->shape[dim], src->shape[dim],
                narrow_units(dst, dim), narrow_unit_bytes(dst, dim), 0, start);
  });
}

plinth_status set_slice_dev(plinth_backend_ctx *ctx, plinth_tensor *dst, int32_t dim,
                            const plinth_tensor *start_i32, const plinth_tensor *src) {
  return guarded("set_slice_dev", ctx, [&] {
    const int64_t starts = check_slice_dev(dst, src, dim, start_i32);
    // Host memory: the start is read now, when the op runs.
    const int64_t start = *i32(start_i32);
    if (start < 0 || start >= starts)
      fail("start = " + std::to_string(start) + " puts " + describe("src", src) + " outside " +
           describe("dst", dst) + " along dim " + std::to_string(dim));
    const Split s = split_at(dst, dim);
    copy_narrow(ctx, static_cast<const char *>(src->data), src->shape[dim],
                static_cast<char *>(dst->data), s.dim, src->shape[dim], s, dtype_size(dst->dtype),
                0, start);
  });
}

plinth_status get_rows(plinth_backend_ctx *ctx, const plinth_tensor *table,
                       const plinth_tensor *ids, plinth_tensor *out) {
  return guarded("get_rows", ctx, [&] {
    check_get_rows(table, ids, out);
    const int64_t rows = table->shape[0], d = table->shape[1], n = numel(ids);
    const int32_t *id = i32(ids);
    for (int64_t i = 0; i < n; ++i)
      if (id[i] < 0 || id[i] >= rows)
        fail("ids[" + std::to_string(i) + "] = " + std::to_string(id[i]) + " outside [0, " +
             std::to_string(rows) + ") for " + describe("table", table));
    const auto *t = static_cast<const char *>(table->data);
    auto *o = static_cast<char *>(out->data);
    if (is_quantized(table->dtype)) {
      // Embedding rows of a quantized table: whole blocks, copied or dequantized.
      const size_t rb = elems_bytes(table->dtype, d);
      const Kernels &k = kernels();
      const bool raw = out->dtype == table->dtype;
      pool_of(ctx).parallel_for(
          n, std::max<int64_t>(1, 8192 / (d + 1)), [&](int64_t b, int64_t e, int) {
            for (int64_t i = b; i < e; ++i) {
              const char *src = t + static_cast<size_t>(id[i]) * rb;
              if (raw)
                std::memcpy(o + static_cast<size_t>(i) * rb, src, rb);
              else
                dequantize_rows(k, table->dtype, reinterpret_cast<const uint8_t *>(src), 1, d,
                                reinterpret_cast<float *>(o) + i * d);
            }
          });
      return;
    }
    const size_t ts = dtype_size(table->dtype), os = dtype_size(out->dtype);
    pool_of(ctx).parallel_for(
        n, std::max<int64_t>(1, 8192 / (d + 1)), [&](int64_t b, int64_t e, int) {
          for (int64_t i = b; i < e; ++i)
            convert_elements(t + static_cast<size_t>(id[i] * d) * ts, table->dtype,
                             o + static_cast<size_t>(i * d) * os, out->dtype, d);
        });
  });
}

} // namespace plinth::cpu::ops
