// Launch shapes the GPU backends decide on the host: grid and block sizes within the hardware
// limits, which attention kernel runs (with how much shared memory and scratch), and the
// widest unit a strided copy may move. Plain C++ (no GPU header), so tests/unit checks these
// decisions at real model sizes on machines without a GPU (backend_gpu_plan_test.cpp).
#pragma once

#include "kernels.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace plinth::gpu {

// Kernels reduce over "warps" of 32 lanes on every target. AMD's CDNA parts run 64-wide
// wavefronts; a 32-wide shuffle there works on each half independently, so the same code is
// correct on both (a block is then two of our warps per wavefront). Every shuffle is made by
// all 32 lanes of a warp together (branches around them are warp-uniform).
constexpr int kWarp = 32;

// Grid limits every CUDA and HIP target has: x up to 2^31 - 1 blocks, y and z up to 65535.
constexpr int64_t kMaxGridX = 0x7fffffff;
constexpr int64_t kMaxGridYZ = 65535;
// Dynamic shared memory every target gives a block without an opt-in.
constexpr size_t kDefaultSharedBytes = 48 * 1024;

struct Grid3 {
  int64_t x = 1, y = 1, z = 1;
};
inline bool grid_ok(const Grid3 &g) {
  return g.x >= 1 && g.x <= kMaxGridX && g.y >= 1 && g.y <= kMaxGridYZ && g.z >= 1 &&
         g.z <= kMaxGridYZ;
}

// Grid size for a grid-stride loop over n elements: enough blocks to fill the device, and no
// more than a few waves of it (the loop covers the rest).
inline unsigned grid_for(int64_t n, int block) {
  int64_t g = (n + block - 1) / block;
  if (g < 1) g = 1;
  if (g > 65535 * 8) g = 65535 * 8;
  return static_cast<unsigned>(g);
}

// Row kernels use one block per row; the block grows with the row (whole warps, <= 256).
inline int row_block_threads(int64_t width) {
  int t = 32;
  while (t < 256 && t < width)
    t *= 2;
  return t;
}
// Rows beyond the grid are walked by a grid-stride loop.
inline int64_t row_grid(int64_t rows) { return std::min<int64_t>(rows, int64_t{1} << 30); }

// ------------------------------------------------------------------ dense products
constexpr int kGemmTile = 64; // kernels_gemm.cu: 64 x 64 output tiles
inline Grid3 gemm_grid(int64_t M, int64_t N, int64_t batches) {
  // y and z are capped; the kernel loops over the row tiles and batches beyond them.
  return {(N + kGemmTile - 1) / kGemmTile,
          std::min<int64_t>((M + kGemmTile - 1) / kGemmTile, kMaxGridYZ),
          std::min<int64_t>(batches, kMaxGridYZ)};
}
constexpr int kGemvWarpsPerBlock = 4; // kernels_gemv.cu: one warp per weight row
inline Grid3 gemv_grid(int64_t N, int64_t expert_rows) {
  return {(N + kGemvWarpsPerBlock - 1) / kGemvWarpsPerBlock, std::max<int64_t>(expert_rows, 1), 1};
}
// Whether the GEMV may read f32 / f16 / bf16 weights in 16-byte vectors: every row (of every
// expert) must start 16-byte aligned. Decoding is bound by these reads; 2-byte loads per lane
// leave most of the memory bandwidth unused.
inline bool gemv_vector_loads(int32_t dtype, uint64_t w, int64_t row_bytes, int64_t expert_bytes) {
  if (dtype != PLINTH_DTYPE_F32 && dtype != PLINTH_DTYPE_F16 && dtype != PLINTH_DTYPE_BF16)
    return false;
  return (w | static_cast<uint64_t>(row_bytes) | static_cast<uint64_t>(expert_bytes)) % 16 == 0;
}

// ------------------------------------------------------------------ strided copies
// The widest unit (16, 8, 4, 2 or 1 bytes) that both addresses, both pitches and the row
// length are multiples of.
inline int copy_unit(uint64_t src, uint64_t dst, int64_t src_pitch, int64_t dst_pitch,
                     int64_t row_bytes) {
  const uint64_t all = src | dst | static_cast<uint64_t>(src_pitch) |
                       static_cast<uint64_t>(dst_pitch) | static_cast<uint64_t>(row_bytes);
  for (int u : {16, 8, 4, 2})
    if (all % static_cast<uint64_t>(u) == 0) return u;
  return 1;
}
constexpr int kCopyBlock = 256;
inline Grid3 copy_rows_grid(int64_t units, int64_t rows) {
  return {std::min<int64_t>((units + kCopyBlock - 1) / kCopyBlock, 1024),
          std::min<int64_t>(rows, kMaxGridYZ), 1};
}

// ------------------------------------------------------------------ attention
// kernels_attention.cu: the tiled kernel takes kAttnBQ queries x kAttnBK-key tiles with
// kAttnTiledWarps warps and keeps Dv / 32 (<= kAttnMaxDvLanes) accumulators per lane; the
// row kernel runs kAttnRowWarps warps per (query, head, split).
constexpr int kAttnBQ = 16, kAttnBK = 32, kAttnTiledWarps = 4, kAttnMaxDvLanes = 8;
constexpr int kAttnRowWarps = 4;
constexpr int64_t kAttnMaxTiledDim = int64_t{kAttnMaxDvLanes} * kWarp;

// Q [kBQ][D], K [kBK][D + 1] (padded against bank conflicts), V [kBK][Dv].
inline size_t attention_tiled_smem(int64_t D, int64_t Dv) {
  return static_cast<size_t>(kAttnBQ * D + kAttnBK * (D + 1) + kAttnBK * Dv) * sizeof(float);
}
// q [D], acc [kRowWarps][Dv], per-warp (max, sum).
inline size_t attention_row_smem(int64_t D, int64_t Dv) {
  return static_cast<size_t>(D + kAttnRowWarps * Dv + kAttnRowWarps * 2) * sizeof(float);
}

// Which kernel attention uses, its launch shape, and the scratch it needs, decided on the host.
struct AttentionPlan {
  bool torch_order = false; // one block per query, torch's CPU rounding order
  bool tiled = false;
  int32_t splits = 1;                // row kernel: key chunks per query (flash-decoding)
  size_t smem_bytes = 0;             // dynamic shared memory of the main kernel
  Grid3 grid;                        // of the main kernel
  Grid3 row_grid;                    // (Tq, Hq, B): the combine and probs kernels
  int64_t scratch_floats = 0;        // row statistics (probs) + partial results (row kernel)
  const char *unsupported = nullptr; // why no kernel can run these shapes, or nullptr
};

// smem_limit: the dynamic shared memory a block may use on this device (with the opt-in
// where the target has one; kDefaultSharedBytes otherwise). torch_order: the context runs in
// torch's rounding order (PLINTH_GPU_TORCH_ORDER=1): one block per query keeps its scores in
// the probs output or in scratch, rows x Tk floats.
inline AttentionPlan plan_attention(const AttentionArgs &a, size_t smem_limit,
                                    bool torch_order = false) {
  AttentionPlan p;
  const int64_t rows = a.B * a.Hq * a.Tq;
  p.row_grid = {a.Tq, a.Hq, a.B};
  if (torch_order) {
    p.torch_order = true;
    p.grid = p.row_grid;
    p.scratch_floats = a.probs ? 0 : rows * a.Tk;
    if (!grid_ok(p.grid))
      p.unsupported = "attention: too many queries, heads or batches for the launch grid";
    return p;
  }
  // The tiled kernel keeps Dv / 32 accumulators per query in registers; Q, K and V tiles live
  // in shared memory.
  p.tiled = a.Tq > 4 && a.Dv <= kAttnMaxTiledDim && a.D <= kAttnMaxTiledDim &&
            attention_tiled_smem(a.D, a.Dv) <= smem_limit;
  if (p.tiled) {
    p.smem_bytes = attention_tiled_smem(a.D, a.Dv);
    p.grid = {(a.Tq + kAttnBQ - 1) / kAttnBQ, a.Hq, a.B};
  } else {
    // Enough blocks to fill a large GPU (~132 SMs x a few) when there are few queries, and
    // chunks of at least 64 keys so the combine stays cheap.
    int64_t splits = 1;
    while (splits < 32 && rows * splits < 512 && a.kv_len / (splits * 2) >= 64 &&
           a.B * splits * 2 <= kMaxGridYZ)
      splits *= 2;
    p.splits = static_cast<int32_t>(splits);
    p.smem_bytes = attention_row_smem(a.D, a.Dv);
    p.grid = {a.Tq, a.Hq, a.B * splits};
    p.scratch_floats = rows * splits * (a.Dv + 2);
    // The row kernel is launched without the shared-memory opt-in.
    if (p.smem_bytes > kDefaultSharedBytes) p.unsupported = "attention: head dims too large";
  }
  if (a.probs) p.scratch_floats += rows * 2;
  if (!grid_ok(p.grid) || !grid_ok(p.row_grid))
    p.unsupported = "attention: too many queries, heads or batches for the launch grid";
  return p;
}

} // namespace plinth::gpu
