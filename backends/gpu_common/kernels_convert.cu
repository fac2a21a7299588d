// fill, dtype conversion and dequantization: one thread per element, grid-stride loops.
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {
namespace {

constexpr int kBlock = 256;

template <class T> __global__ void fill_kernel(T *p, int64_t n, T value) {
  for (int64_t i = global_index(); i < n; i += global_stride())
    p[i] = value;
}

__global__ void convert_kernel(const void *src, int32_t sd, void *dst, int32_t dd, int64_t n) {
  for (int64_t i = global_index(); i < n; i += global_stride())
    store_from_f32(dst, dd, i, load_f32(src, sd, i));
}

// i32 -> i32 never reaches here (same dtype copies are memcpy); i32 <-> float goes through
// f32 like the CPU backend, exact for |v| < 2^24.

template <int DT> __global__ void dequantize_kernel(const uint8_t *src, float *dst, int64_t n) {
  constexpr int64_t bb = DT == PLINTH_DTYPE_Q8_0 ? kQ8BlockBytes : kQ4BlockBytes;
  for (int64_t i = global_index(); i < n; i += global_stride()) {
    const uint8_t *block = src + (i / kQBlock) * bb;
    const int j = static_cast<int>(i % kQBlock);
    dst[i] = DT == PLINTH_DTYPE_Q8_0 ? q8_0_elem(block, j) : q4_0_elem(block, j);
  }
}

} // namespace

void launch_fill(void *p, int64_t n, int esize, uint64_t pattern, void *stream) {
  if (n <= 0) return;
  const unsigned grid = grid_for(n, kBlock);
  gpuStream_t s = as_stream(stream);
  switch (esize) {
  case 1:
    launch_kernel("fill_kernel", fill_kernel<uint8_t>, grid, kBlock, 0, s,
                  static_cast<uint8_t *>(p), n, static_cast<uint8_t>(pattern));
    break;
  case 2:
    launch_kernel("fill_kernel", fill_kernel<uint16_t>, grid, kBlock, 0, s,
                  static_cast<uint16_t *>(p), n, static_cast<uint16_t>(pattern));
    break;
  case 4:
    launch_kernel("fill_kernel", fill_kernel<uint32_t>, grid, kBlock, 0, s,
                  static_cast<uint32_t *>(p), n, static_cast<uint32_t>(pattern));
    break;
  default:
    launch_kernel("fill_kernel", fill_kernel<uint64_t>, grid, kBlock, 0, s,
                  static_cast<uint64_t *>(p), n, pattern);
    break;
  }
  check_launch("fill");
}

void launch_convert(const void *src, int32_t src_dtype, void *dst, int32_t dst_dtype, int64_t n,
                    void *stream) {
  if (n <= 0) return;
  launch_kernel("convert_kernel", convert_kernel, grid_for(n, kBlock), kBlock, 0, as_stream(stream),
                src, src_dtype, dst, dst_dtype, n);
  check_launch("convert");
}

void launch_dequantize(const void *src, int32_t qdtype, float *dst, int64_t n, void *stream) {
  if (n <= 0) return;
  const auto *s8 = static_cast<const uint8_t *>(src);
  if (qdtype == PLINTH_DTYPE_Q8_0)
    launch_kernel("dequantize_kernel", dequantize_kernel<PLINTH_DTYPE_Q8_0>, grid_for(n, kBlock),
                  kBlock, 0, as_stream(stream), s8, dst, n);
  else
    launch_kernel("dequantize_kernel", dequantize_kernel<PLINTH_DTYPE_Q4_0>, grid_for(n, kBlock),
                  kBlock, 0, as_stream(stream), s8, dst, n);
  check_launch("dequantize");
}

} // namespace plinth::gpu
