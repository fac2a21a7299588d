// permute, strided row copies (slice / set_slice) and the row gather (get_rows).
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

#include <algorithm>

namespace plinth::gpu {
namespace {

constexpr int kBlock = 256;

// Walks the output in order (coalesced writes); reads gather through the input strides.
template <class T> __global__ void permute_kernel(const T *x, T *y, Permute4 p, int64_t n) {
  for (int64_t o = global_index(); o < n; o += global_stride()) {
    int64_t rem = o, src = 0;
    for (int d = 3; d >= 0; --d) {
      const int64_t i = rem % p.out_shape[d];
      rem /= p.out_shape[d];
      src += i * p.in_stride[d];
    }
    y[o] = x[src];
  }
}

// Where a copy's destination starts when the start is read on the device (set_slice_dev):
// dst + *start * bytes, for a start in [0, limit); otherwise nothing is copied and the
// first thread records the error. start == nullptr: dst as given.
struct DeviceStart {
  const int32_t *start = nullptr;
  int64_t bytes = 0, limit = 0;
  DeviceErrorRecord *err = nullptr;
};

// One block row per copied row (grid.y, looped past the 65535 limit), threads across it in
// units of T (the widest unit that every address and length is aligned to).
template <class T>
__global__ void copy_rows_kernel(const char *src, int64_t src_pitch, char *dst, int64_t dst_pitch,
                                 int64_t units, int64_t rows, DeviceStart at) {
  if (at.start) {
    const int64_t start = *at.start;
    if (start < 0 || start >= at.limit) {
      if (blockIdx.x == 0 && blockIdx.y == 0 && threadIdx.x == 0)
        record_error(at.err, kErrSetSliceDev, 0, start, at.limit - 1);
      return;
    }
    dst += start * at.bytes;
  }
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    const T *s = reinterpret_cast<const T *>(src + r * src_pitch);
    T *d = reinterpret_cast<T *>(dst + r * dst_pitch);
    for (int64_t u = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; u < units;
         u += static_cast<int64_t>(gridDim.x) * blockDim.x)
      d[u] = s[u];
  }
}

void copy_rows(const void *src, int64_t src_pitch, void *dst, int64_t dst_pitch, int64_t row_bytes,
               int64_t rows, const DeviceStart &at, void *stream) {
  if (rows <= 0 || row_bytes <= 0) return;
  const auto *s = static_cast<const char *>(src);
  auto *d = static_cast<char *>(dst);
  // A device start moves dst by a multiple of at.bytes: the unit must divide that too.
  const uint64_t dst_bits = reinterpret_cast<uintptr_t>(dst) | static_cast<uint64_t>(at.bytes);
  const int unit =
      copy_unit(reinterpret_cast<uintptr_t>(src), dst_bits, src_pitch, dst_pitch, row_bytes);
  const int64_t units = row_bytes / unit;
  static_assert(kBlock == kCopyBlock, "launch_plan.hpp's copy_rows_grid");
  const Grid3 g3 = copy_rows_grid(units, rows);
  const dim3 grid(static_cast<unsigned>(g3.x), static_cast<unsigned>(g3.y));
  gpuStream_t st = as_stream(stream);
  switch (unit) {
  case 16:
    launch_kernel("copy_rows_kernel", copy_rows_kernel<uint4>, grid, kBlock, 0, st, s, src_pitch, d,
                  dst_pitch, units, rows, at);
    break;
  case 8:
    launch_kernel("copy_rows_kernel", copy_rows_kernel<uint2>, grid, kBlock, 0, st, s, src_pitch, d,
                  dst_pitch, units, rows, at);
    break;
  case 4:
    launch_kernel("copy_rows_kernel", copy_rows_kernel<uint32_t>, grid, kBlock, 0, st, s, src_pitch,
                  d, dst_pitch, units, rows, at);
    break;
  case 2:
    launch_kernel("copy_rows_kernel", copy_rows_kernel<uint16_t>, grid, kBlock, 0, st, s, src_pitch,
                  d, dst_pitch, units, rows, at);
    break;
  default:
    launch_kernel("copy_rows_kernel", copy_rows_kernel<uint8_t>, grid, kBlock, 0, st, s, src_pitch,
                  d, dst_pitch, units, rows, at);
    break;
  }
  check_launch("copy_rows");
}

// One block per gathered row. Raw mode copies the bytes of equal dtypes (in 4-byte words
// when the table, the output and the row length allow: `words`); otherwise the row is
// converted or dequantized to f32.
__global__ void get_rows_kernel(const uint8_t *table, int32_t tdtype, int64_t rows, int64_t d,
                                int64_t row_bytes, const int32_t *ids, int64_t n, void *out,
                                int32_t odtype, bool words, DeviceErrorRecord *err) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const int32_t id = ids[i];
    const bool ok = id >= 0 && id < rows;
    if (!ok && threadIdx.x == 0) record_error(err, kErrGetRows, i, id, rows);
    const uint8_t *src = table + (ok ? static_cast<int64_t>(id) : 0) * row_bytes;
    if (odtype == tdtype) {
      uint8_t *dst = static_cast<uint8_t *>(out) + i * row_bytes;
      if (words) {
        const auto *s4 = reinterpret_cast<const uint32_t *>(src);
        auto *d4 = reinterpret_cast<uint32_t *>(dst);
        for (int64_t w = threadIdx.x; w < row_bytes / 4; w += blockDim.x)
          d4[w] = ok ? s4[w] : 0u;
      } else {
        for (int64_t b = threadIdx.x; b < row_bytes; b += blockDim.x)
          dst[b] = ok ? src[b] : 0;
      }
      continue;
    }
    float *dst = static_cast<float *>(out) + i * d;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) {
      float v = 0.0f;
      if (ok) {
        switch (tdtype) {
        case PLINTH_DTYPE_Q8_0: v = WeightElem<PLINTH_DTYPE_Q8_0>::get(src, j); break;
        case PLINTH_DTYPE_Q4_0: v = WeightElem<PLINTH_DTYPE_Q4_0>::get(src, j); break;
        default: v = load_f32(src, tdtype, j); break;
        }
      }
      dst[j] = v;
    }
  }
}

} // namespace

void launch_permute(const void *x, void *y, int esize, const Permute4 &p, void *stream) {
  const int64_t n = p.out_shape[0] * p.out_shape[1] * p.out_shape[2] * p.out_shape[3];
  if (n <= 0) return;
  const unsigned grid = grid_for(n, kBlock);
  gpuStream_t s = as_stream(stream);
  switch (esize) {
  case 1:
    launch_kernel("permute_kernel", permute_kernel<uint8_t>, grid, kBlock, 0, s,
                  static_cast<const uint8_t *>(x), static_cast<uint8_t *>(y), p, n);
    break;
  case 2:
    launch_kernel("permute_kernel", permute_kernel<uint16_t>, grid, kBlock, 0, s,
                  static_cast<const uint16_t *>(x), static_cast<uint16_t *>(y), p, n);
    break;
  case 4:
    launch_kernel("permute_kernel", permute_kernel<uint32_t>, grid, kBlock, 0, s,
                  static_cast<const uint32_t *>(x), static_cast<uint32_t *>(y), p, n);
    break;
  default:
    launch_kernel("permute_kernel", permute_kernel<uint64_t>, grid, kBlock, 0, s,
                  static_cast<const uint64_t *>(x), static_cast<uint64_t *>(y), p, n);
    break;
  }
  check_launch("permute");
}

void launch_copy_rows(const void *src, int64_t src_pitch, void *dst, int64_t dst_pitch,
                      int64_t row_bytes, int64_t rows, void *stream) {
  copy_rows(src, src_pitch, dst, dst_pitch, row_bytes, rows, DeviceStart{}, stream);
}

void launch_copy_rows_at(const void *src, int64_t src_pitch, void *dst, int64_t dst_pitch,
                         int64_t row_bytes, int64_t rows, const int32_t *start, int64_t start_bytes,
                         int64_t starts, DeviceErrorRecord *err, void *stream) {
  DeviceStart at;
  at.start = start;
  at.bytes = start_bytes;
  at.limit = starts;
  at.err = err;
  copy_rows(src, src_pitch, dst, dst_pitch, row_bytes, rows, at, stream);
}

void launch_get_rows(const void *table, int32_t table_dtype, int64_t rows, int64_t d,
                     const int32_t *ids, int64_t n, void *out, int32_t out_dtype,
                     DeviceErrorRecord *err, void *stream) {
  if (n <= 0) return;
  const int64_t row_bytes = static_cast<int64_t>(elems_bytes(table_dtype, d));
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(n, 65535 * 4));
  const bool words = copy_unit(reinterpret_cast<uintptr_t>(table), reinterpret_cast<uintptr_t>(out),
                               row_bytes, row_bytes, row_bytes) >= 4;
  launch_kernel("get_rows_kernel", get_rows_kernel, grid, 128, 0, as_stream(stream),
                static_cast<const uint8_t *>(table), table_dtype, rows, d, row_bytes, ids, n, out,
                out_dtype, words, err);
  check_launch("get_rows");
}

} // namespace plinth::gpu
