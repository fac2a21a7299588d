// Decode-time weight products (GemvArgs in kernels.hpp): one warp per weight row, which it
// reads exactly once while accumulating the dot products of up to kGemvMaxRows activation
// rows in registers. Aligned f32 / f16 / bf16 rows are read in 16-byte vectors; quantized rows
// are dequantized in registers, 4 blocks per warp step.
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

#include <algorithm>

namespace plinth::gpu {
namespace {

constexpr int kWarpsPerBlock = kGemvWarpsPerBlock; // launch_plan.hpp
constexpr int kMaxRows = static_cast<int>(kGemvMaxRows);

// Accumulates acc[m] += w[k] * x[m, k] over this lane's share of one weight row.
template <int DT> struct RowDot {
  __device__ static void run(const uint8_t *row, const float *x, int64_t K, int M, int lane,
                             float (&acc)[kMaxRows]) {
    for (int64_t k = lane; k < K; k += kWarp) {
      const float w = WeightElem<DT>::get(row, k);
#pragma unroll
      for (int m = 0; m < kMaxRows; ++m)
        if (m < M) acc[m] = fmaf(w, x[m * K + k], acc[m]);
    }
  }
};

// Q8_0: 8 lanes per block, 4 consecutive int8 per lane (two aligned 2-byte loads: the block
// is 34 bytes, so only 2-byte alignment is guaranteed).
template <> struct RowDot<PLINTH_DTYPE_Q8_0> {
  __device__ static void run(const uint8_t *row, const float *x, int64_t K, int M, int lane,
                             float (&acc)[kMaxRows]) {
    const int64_t nb = K / kQBlock;
    const int t = lane % 8;
    for (int64_t b = lane / 8; b < nb; b += 4) {
      const uint8_t *blk = row + b * kQ8BlockBytes;
      const float d = q_scale(blk);
      const uint16_t lo = *reinterpret_cast<const uint16_t *>(blk + 2 + 4 * t);
      const uint16_t hi = *reinterpret_cast<const uint16_t *>(blk + 4 + 4 * t);
      const float w0 = d * static_cast<float>(static_cast<int8_t>(lo & 0xff));
      const float w1 = d * static_cast<float>(static_cast<int8_t>(lo >> 8));
      const float w2 = d * static_cast<float>(static_cast<int8_t>(hi & 0xff));
      const float w3 = d * static_cast<float>(static_cast<int8_t>(hi >> 8));
      const int64_t k = b * kQBlock + 4 * t;
#pragma unroll
      for (int m = 0; m < kMaxRows; ++m)
        if (m < M) {
          const float *xr = x + m * K + k;
          acc[m] += w0 * xr[0] + w1 * xr[1] + w2 * xr[2] + w3 * xr[3];
        }
    }
  }
};

// Q4_0: 8 lanes per block; lane t reads qs[2t], qs[2t + 1]: elements 2t, 2t + 1 (low nibbles)
// and 2t + 16, 2t + 17 (high nibbles).
template <> struct RowDot<PLINTH_DTYPE_Q4_0> {
  __device__ static void run(const uint8_t *row, const float *x, int64_t K, int M, int lane,
                             float (&acc)[kMaxRows]) {
    const int64_t nb = K / kQBlock;
    const int t = lane % 8;
    for (int64_t b = lane / 8; b < nb; b += 4) {
      const uint8_t *blk = row + b * kQ4BlockBytes;
      const float d = q_scale(blk);
      const uint16_t q = *reinterpret_cast<const uint16_t *>(blk + 2 + 2 * t);
      const float w0 = d * static_cast<float>(static_cast<int>(q & 0xf) - 8);
      const float w1 = d * static_cast<float>(static_cast<int>((q >> 8) & 0xf) - 8);
      const float w16 = d * static_cast<float>(static_cast<int>((q >> 4) & 0xf) - 8);
      const float w17 = d * static_cast<float>(static_cast<int>(q >> 12) - 8);
      const int64_t k = b * kQBlock + 2 * t;
#pragma unroll
      for (int m = 0; m < kMaxRows; ++m)
        if (m < M) {
          const float *xr = x + m * K + k;
          acc[m] += w0 * xr[0] + w1 * xr[1] + w16 * xr[16] + w17 * xr[17];
        }
    }
  }
};

// f32 / f16 / bf16 rows starting 16-byte aligned (gemv_vector_loads): each lane loads 16
// bytes (4 or 8 weights) at a time, so one warp-wide load moves 512 bytes.
template <int DT> struct RowDotVec {
  static constexpr int kPer = DT == PLINTH_DTYPE_F32 ? 4 : 8;
  __device__ static void decode(const uint4 &raw, float (&w)[kPer]) {
    const uint32_t u[4] = {raw.x, raw.y, raw.z, raw.w};
    if constexpr (DT == PLINTH_DTYPE_F32) {
#pragma unroll
      for (int j = 0; j < 4; ++j)
        w[j] = __uint_as_float(u[j]);
    } else {
#pragma unroll
      for (int j = 0; j < 4; ++j) { // little endian: the low half is the lower element
        const uint16_t lo = static_cast<uint16_t>(u[j] & 0xffffu),
                       hi = static_cast<uint16_t>(u[j] >> 16);
        w[2 * j] = DT == PLINTH_DTYPE_F16 ? half_bits_to_float(lo) : bf16_bits_to_float(lo);
        w[2 * j + 1] = DT == PLINTH_DTYPE_F16 ? half_bits_to_float(hi) : bf16_bits_to_float(hi);
      }
    }
  }
  __device__ static void run(const uint8_t *row, const float *x, int64_t K, int M, int lane,
                             float (&acc)[kMaxRows]) {
    const int64_t nv = K / kPer;
    const auto *rv = reinterpret_cast<const uint4 *>(row);
    for (int64_t v = lane; v < nv; v += kWarp) {
      float w[kPer];
      decode(rv[v], w);
      const int64_t k = v * kPer;
#pragma unroll
      for (int m = 0; m < kMaxRows; ++m)
        if (m < M) {
          const float *xr = x + m * K + k;
          float s = 0.0f;
#pragma unroll
          for (int j = 0; j < kPer; ++j)
            s = fmaf(w[j], xr[j], s);
          acc[m] += s;
        }
    }
    for (int64_t k = nv * kPer + lane; k < K; k += kWarp) { // never taken for aligned rows
      const float w = WeightElem<DT>::get(row, k);
#pragma unroll
      for (int m = 0; m < kMaxRows; ++m)
        if (m < M) acc[m] = fmaf(w, x[m * K + k], acc[m]);
    }
  }
};

template <int DT, bool kVec> __global__ void gemv_kernel(GemvArgs g) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int64_t n = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + warp;
  // Expert mode: grid.y walks the activation rows, each with its own expert's weights.
  const int64_t m0 = g.expert_ids ? blockIdx.y : 0;
  const int M = g.expert_ids ? 1 : static_cast<int>(g.M);
  const uint8_t *w = static_cast<const uint8_t *>(g.w);
  bool valid = n < g.N; // no early return: the whole warp takes part in the reductions
  if (g.expert_ids) {
    const int32_t e = g.expert_ids[m0];
    if (e < 0 || e >= g.experts) {
      if (valid && n == 0 && lane == 0) record_error(g.err, kErrLinearIndexed, m0, e, g.experts);
      if (valid && lane == 0) g.y[m0 * g.N + n] = 0.0f;
      valid = false;
    } else {
      w += static_cast<int64_t>(e) * g.expert_bytes;
    }
  }
  float acc[kMaxRows];
#pragma unroll
  for (int m = 0; m < kMaxRows; ++m)
    acc[m] = 0.0f;
  if (valid) {
    if constexpr (kVec)
      RowDotVec<DT>::run(w + n * g.row_bytes, g.x + m0 * g.K, g.K, M, lane, acc);
    else
      RowDot<DT>::run(w + n * g.row_bytes, g.x + m0 * g.K, g.K, M, lane, acc);
  }
#pragma unroll
  for (int m = 0; m < kMaxRows; ++m)
    acc[m] = warp_sum(acc[m]);
  if (valid && lane == 0) {
    const float b = g.bias ? load_f32(g.bias, g.bias_dtype, n) : 0.0f;
    for (int m = 0; m < M; ++m)
      g.y[(m0 + m) * g.N + n] = acc[m] + b;
  }
}

} // namespace

void launch_gemv(const GemvArgs &g, void *stream) {
  if (g.N <= 0 || g.M <= 0) return;
  if (!g.expert_ids && g.M > kGemvMaxRows)
    fail("gemv: too many activation rows", PLINTH_ERR_INTERNAL);
  if (g.expert_ids && g.M > 65535) fail("gemv: too many expert rows", PLINTH_ERR_INTERNAL);
  const Grid3 g3 = gemv_grid(g.N, g.expert_ids ? g.M : 1);
  if (!grid_ok(g3)) fail("gemv: too many output features", PLINTH_ERR_UNSUPPORTED);
  const dim3 grid(static_cast<unsigned>(g3.x), static_cast<unsigned>(g3.y));
  const int threads = kWarpsPerBlock * kWarp;
  gpuStream_t s = as_stream(stream);
  const bool vec = gemv_vector_loads(g.w_dtype, reinterpret_cast<uintptr_t>(g.w), g.row_bytes,
                                     g.expert_ids ? g.expert_bytes : 0);
  switch (g.w_dtype) {
  case PLINTH_DTYPE_F32:
    if (vec)
      launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_F32, true>, grid, threads, 0, s, g);
    else
      launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_F32, false>, grid, threads, 0, s, g);
    break;
  case PLINTH_DTYPE_F16:
    if (vec)
      launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_F16, true>, grid, threads, 0, s, g);
    else
      launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_F16, false>, grid, threads, 0, s, g);
    break;
  case PLINTH_DTYPE_BF16:
    if (vec)
      launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_BF16, true>, grid, threads, 0, s, g);
    else
      launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_BF16, false>, grid, threads, 0, s, g);
    break;
  case PLINTH_DTYPE_Q8_0:
    launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_Q8_0, false>, grid, threads, 0, s, g);
    break;
  case PLINTH_DTYPE_Q4_0:
    launch_kernel("gemv_kernel", gemv_kernel<PLINTH_DTYPE_Q4_0, false>, grid, threads, 0, s, g);
    break;
  default: fail(std::string("gemv: unsupported weight dtype ") + dtype_name(g.w_dtype));
  }
  check_launch("gemv");
}

} // namespace plinth::gpu
