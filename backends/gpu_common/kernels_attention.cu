// Fused attention (AttentionArgs in kernels.hpp), two kernels:
//  * a tiled FlashAttention-style kernel for prompts: a block holds 16 queries of one head,
//    streams 32-key tiles of K and V through shared memory and keeps a running (max, sum,
//    output) per query in registers, so the Tq x Tk score matrix never exists in memory;
//  * a row kernel for decoding (few queries): the keys of one query are split over several
//    blocks (flash-decoding) whose partial results a combine kernel merges, so a single
//    token still spreads over the whole GPU.
// Masks follow plinth_attention_args exactly; a query that sees no key gets uniform weights
// over [0, kv_len), as in the CPU backend. probs, when wanted, are written by a separate
// kernel from the per-query (max, sum) statistics.
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"
#include "torch_order.cuh"

namespace plinth::gpu {
namespace {

// The geometry is shared with the host-side plan (launch_plan.hpp).
constexpr int kBQ = kAttnBQ, kBK = kAttnBK, kTiledWarps = kAttnTiledWarps;
constexpr int kMaxDvLanes = kAttnMaxDvLanes; // Dv <= 256 when tiled
constexpr int kRowWarps = kAttnRowWarps;

__device__ __forceinline__ int64_t imin(int64_t x, int64_t y) { return x < y ? x : y; }
__device__ __forceinline__ int64_t imax(int64_t x, int64_t y) { return x > y ? x : y; }

// kv_len_dev / q_offset_dev, read when the kernel runs: a.kv_len (their upper bound on
// entry) and a.q_offset take their values, clamped to [0, bound] and >= 0. The main kernel
// (`report`) records a clamped value once, in its first thread.
__device__ __forceinline__ void resolve_positions(AttentionArgs &a, bool report) {
  const bool first =
      report && threadIdx.x == 0 && blockIdx.x == 0 && blockIdx.y == 0 && blockIdx.z == 0;
  if (a.kv_len_dev) {
    const int64_t v = *a.kv_len_dev;
    const int64_t c = v < 0 ? 0 : (v > a.kv_len ? a.kv_len : v);
    if (c != v && first) record_error(a.err, kErrAttentionKvLen, 0, v, a.kv_len);
    a.kv_len = c;
  }
  if (a.q_offset_dev) {
    const int64_t v = *a.q_offset_dev;
    if (v < 0 && first) record_error(a.err, kErrAttentionQOffset, 0, v, 0);
    a.q_offset = v < 0 ? 0 : v;
  }
}

__device__ __forceinline__ bool visible(const AttentionArgs &a, int64_t b, int64_t i, int64_t j) {
  if (j >= a.kv_len) return false;
  if (a.key_mask && a.key_mask[b * a.Tk + j] == 0) return false;
  const int64_t qpos = a.q_offset + i;
  if (a.causal && j > qpos) return false;
  if (a.window > 0 && j <= qpos - a.window) return false;
  return true;
}

__device__ __forceinline__ float bias_at(const AttentionArgs &a, int64_t b, int64_t h, int64_t i,
                                         int64_t j) {
  return a.bias ? a.bias[b * a.bias_bs + h * a.bias_hs + i * a.Tk + j] : 0.0f;
}

__device__ __forceinline__ const float *k_row(const AttentionArgs &a, int64_t b, int64_t j,
                                              int64_t kh) {
  return a.k + ((b * a.Tk + j) * a.Hkv + kh) * a.D;
}
__device__ __forceinline__ const float *v_row(const AttentionArgs &a, int64_t b, int64_t j,
                                              int64_t kh) {
  return a.v + ((b * a.Tk + j) * a.Hkv + kh) * a.Dv;
}

// Uniform weights over [0, kv_len) for a query that sees no key: the warp writes the mean of
// the value rows (zero when kv_len is 0).
__device__ void write_uniform(const AttentionArgs &a, int64_t b, int64_t kh, float *orow,
                              int lane) {
  const float w = a.kv_len ? 1.0f / static_cast<float>(a.kv_len) : 0.0f;
  for (int64_t c = lane; c < a.Dv; c += kWarp) {
    float s = 0.0f;
    for (int64_t j = 0; j < a.kv_len; ++j)
      s += v_row(a, b, j, kh)[c];
    orow[c] = s * w;
  }
}

// ------------------------------------------------------------------ tiled (prompt) kernel
// grid: (ceil(Tq / kBQ), Hq, B); dynamic shared memory: Q [kBQ][D], K [kBK][D + 1] (padded so
// that lane j reading key j's element d hits distinct banks), V [kBK][Dv].
__global__ void __launch_bounds__(kTiledWarps *kWarp) attention_tiled_kernel(AttentionArgs a) {
  PLINTH_DYNAMIC_SHARED(float, smem);
  resolve_positions(a, true);
  const int64_t D = a.D, Dv = a.Dv, Dp = D + 1;
  const smem_ptr<float> Qs = smem, Ks = Qs + kBQ * D, Vs = Ks + kBK * Dp;
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int64_t b = blockIdx.z, h = blockIdx.y, i0 = static_cast<int64_t>(blockIdx.x) * kBQ;
  const int64_t kh = h / (a.Hq / a.Hkv);
  constexpr int kRows = kBQ / kTiledWarps; // query rows per warp

  for (int64_t e = threadIdx.x; e < kBQ * D; e += blockDim.x) {
    const int64_t r = e / D, d = e % D, i = i0 + r;
    Qs[e] = i < a.Tq ? a.q[((b * a.Tq + i) * a.Hq + h) * D + d] : 0.0f;
  }
  float m[kRows], l[kRows], acc[kRows][kMaxDvLanes];
  for (int r = 0; r < kRows; ++r) {
    m[r] = -INFINITY;
    l[r] = 0.0f;
    for (int c = 0; c < kMaxDvLanes; ++c)
      acc[r][c] = 0.0f;
  }
  // Keys any query of this tile can see: causal and window bound the range.
  const int64_t i_last = (i0 + kBQ < a.Tq ? i0 + kBQ : a.Tq) - 1;
  int64_t j_end = a.kv_len, j_begin = 0;
  if (a.causal) j_end = imax(0, imin(j_end, a.q_offset + i_last + 1));
  if (a.window > 0) j_begin = imax(0, a.q_offset + i0 - a.window + 1);
  j_begin = j_begin / kBK * kBK;

  for (int64_t j0 = j_begin; j0 < j_end; j0 += kBK) {
    __syncthreads(); // previous tile fully consumed (and Qs written, first time)
    for (int64_t e = threadIdx.x; e < kBK * D; e += blockDim.x) {
      const int64_t jj = e / D, d = e % D, j = j0 + jj;
      Ks[jj * Dp + d] = j < a.Tk ? k_row(a, b, j, kh)[d] : 0.0f;
    }
    for (int64_t e = threadIdx.x; e < kBK * Dv; e += blockDim.x) {
      const int64_t jj = e / Dv, c = e % Dv, j = j0 + jj;
      Vs[e] = j < a.Tk ? v_row(a, b, j, kh)[c] : 0.0f;
    }
    __syncthreads();
    for (int r = 0; r < kRows; ++r) {
      const int64_t qi = warp * kRows + r, i = i0 + qi;
      if (i >= a.Tq) continue; // warp-uniform
      const int64_t j = j0 + lane;
      float s = -INFINITY;
      if (visible(a, b, i, j)) {
        float dot = 0.0f;
        for (int64_t d = 0; d < D; ++d)
          dot = fmaf(Qs[qi * D + d], Ks[lane * Dp + d], dot);
        s = dot * a.scale + bias_at(a, b, h, i, j);
      }
      const float tile_max = warp_max(s);
      if (tile_max == -INFINITY) continue; // nothing visible in this tile for this query
      const float m_new = fmaxf(m[r], tile_max);
      const float corr = expf(m[r] - m_new); // m[r] = -inf -> 0
      const float p = s == -INFINITY ? 0.0f : expf(s - m_new);
      l[r] = l[r] * corr + warp_sum(p);
      m[r] = m_new;
#pragma unroll
      for (int c = 0; c < kMaxDvLanes; ++c)
        acc[r][c] *= corr;
      for (int jj = 0; jj < kBK; ++jj) {
        const float pj = shfl(p, jj);
        if (pj == 0.0f) continue; // warp-uniform
#pragma unroll
        for (int c = 0; c < kMaxDvLanes; ++c) {
          const int64_t col = lane + c * kWarp;
          if (col < Dv) acc[r][c] = fmaf(pj, Vs[jj * Dv + col], acc[r][c]);
        }
      }
    }
  }
  for (int r = 0; r < kRows; ++r) {
    const int64_t i = i0 + warp * kRows + r;
    if (i >= a.Tq) continue;
    float *orow = a.out + ((b * a.Tq + i) * a.Hq + h) * Dv;
    if (m[r] == -INFINITY) {
      write_uniform(a, b, kh, orow, lane);
    } else {
      const float inv = 1.0f / l[r];
#pragma unroll
      for (int c = 0; c < kMaxDvLanes; ++c) {
        const int64_t col = lane + c * kWarp;
        if (col < Dv) orow[col] = acc[r][c] * inv;
      }
    }
    if (a.row_stats && lane == 0) {
      float *st = a.row_stats + ((b * a.Hq + h) * a.Tq + i) * 2;
      st[0] = m[r];
      st[1] = l[r];
    }
  }
}

// ------------------------------------------------------------------ row (decode) kernels
// grid: (Tq, Hq, B * splits); block: kRowWarps warps, each taking every kRowWarps-th key of
// the block's chunk with its own running (max, sum, acc[Dv] in shared memory).
// Dynamic shared memory: q [D], acc [kRowWarps][Dv], per-warp (max, sum) [kRowWarps][2].
__global__ void attention_row_kernel(AttentionArgs a) {
  PLINTH_DYNAMIC_SHARED(float, smem);
  resolve_positions(a, true);
  const smem_ptr<float> qs = smem, accs = qs + a.D, stats = accs + kRowWarps * a.Dv;
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int64_t i = blockIdx.x, h = blockIdx.y;
  const int64_t b = blockIdx.z / a.splits, split = blockIdx.z % a.splits;
  const int64_t kh = h / (a.Hq / a.Hkv);
  const int64_t chunk = (a.kv_len + a.splits - 1) / a.splits;
  const int64_t j_begin = split * chunk, j_end = imin(a.kv_len, j_begin + chunk);

  for (int64_t d = threadIdx.x; d < a.D; d += blockDim.x)
    qs[d] = a.q[((b * a.Tq + i) * a.Hq + h) * a.D + d];
  const smem_ptr<float> acc = accs + warp * a.Dv;
  for (int64_t c = lane; c < a.Dv; c += kWarp)
    acc[c] = 0.0f;
  __syncthreads();
  float m = -INFINITY, l = 0.0f;
  for (int64_t j = j_begin + warp; j < j_end; j += kRowWarps) {
    if (!visible(a, b, i, j)) continue; // warp-uniform
    const float *kr = k_row(a, b, j, kh);
    float dot = 0.0f;
    for (int64_t d = lane; d < a.D; d += kWarp)
      dot = fmaf(qs[d], kr[d], dot);
    const float s = warp_sum(dot) * a.scale + bias_at(a, b, h, i, j);
    if (s == -INFINITY) continue;
    const float m_new = fmaxf(m, s);
    const float corr = expf(m - m_new), p = expf(s - m_new);
    l = l * corr + p;
    m = m_new;
    const float *vr = v_row(a, b, j, kh);
    for (int64_t c = lane; c < a.Dv; c += kWarp)
      acc[c] = fmaf(p, vr[c], acc[c] * corr);
  }
  if (lane == 0) {
    stats[warp * 2] = m;
    stats[warp * 2 + 1] = l;
  }
  __syncthreads();
  // Merge the warps into this split's partial result.
  float M = -INFINITY;
  for (int w = 0; w < kRowWarps; ++w)
    M = fmaxf(M, stats[w * 2]);
  float L = 0.0f;
  for (int w = 0; w < kRowWarps; ++w)
    if (stats[w * 2] != -INFINITY) L += stats[w * 2 + 1] * expf(stats[w * 2] - M);
  const int64_t row = (b * a.Hq + h) * a.Tq + i;
  float *part = a.partial + (row * a.splits + split) * (a.Dv + 2);
  if (threadIdx.x == 0) {
    part[0] = M;
    part[1] = L;
  }
  for (int64_t c = threadIdx.x; c < a.Dv; c += blockDim.x) {
    float s = 0.0f;
    for (int w = 0; w < kRowWarps; ++w)
      if (stats[w * 2] != -INFINITY) s += accs[w * a.Dv + c] * expf(stats[w * 2] - M);
    part[2 + c] = s;
  }
}

// grid: (Tq, Hq, B); merges the splits of one query.
__global__ void attention_combine_kernel(AttentionArgs a) {
  resolve_positions(a, false);
  const int64_t i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int64_t row = (b * a.Hq + h) * a.Tq + i;
  const float *part = a.partial + row * a.splits * (a.Dv + 2);
  const int64_t stride = a.Dv + 2;
  float M = -INFINITY;
  for (int s = 0; s < a.splits; ++s)
    M = fmaxf(M, part[s * stride]);
  float *orow = a.out + ((b * a.Tq + i) * a.Hq + h) * a.Dv;
  const int64_t kh = h / (a.Hq / a.Hkv);
  if (M == -INFINITY) {
    if (threadIdx.x < kWarp) write_uniform(a, b, kh, orow, threadIdx.x);
    if (a.row_stats && threadIdx.x == 0) {
      a.row_stats[row * 2] = -INFINITY;
      a.row_stats[row * 2 + 1] = 0.0f;
    }
    return; // block-uniform
  }
  float L = 0.0f;
  for (int s = 0; s < a.splits; ++s)
    if (part[s * stride] != -INFINITY) L += part[s * stride + 1] * expf(part[s * stride] - M);
  for (int64_t c = threadIdx.x; c < a.Dv; c += blockDim.x) {
    float o = 0.0f;
    for (int s = 0; s < a.splits; ++s)
      if (part[s * stride] != -INFINITY) o += part[s * stride + 2 + c] * expf(part[s * stride] - M);
    orow[c] = o / L;
  }
  if (a.row_stats && threadIdx.x == 0) {
    a.row_stats[row * 2] = M;
    a.row_stats[row * 2 + 1] = L;
  }
}

// grid: (Tq, Hq, B); the softmax weights from the statistics, scores recomputed.
__global__ void attention_probs_kernel(AttentionArgs a) {
  resolve_positions(a, false);
  const int64_t i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int64_t row = (b * a.Hq + h) * a.Tq + i;
  const float M = a.row_stats[row * 2], L = a.row_stats[row * 2 + 1];
  const int64_t kh = h / (a.Hq / a.Hkv);
  const float *qr = a.q + ((b * a.Tq + i) * a.Hq + h) * a.D;
  float *prow = a.probs + row * a.Tk;
  for (int64_t j = threadIdx.x; j < a.Tk; j += blockDim.x) {
    float p = 0.0f;
    if (j < a.kv_len) {
      if (M == -INFINITY) {
        p = 1.0f / static_cast<float>(a.kv_len);
      } else if (visible(a, b, i, j)) {
        const float *kr = k_row(a, b, j, kh);
        float dot = 0.0f;
        for (int64_t d = 0; d < a.D; ++d)
          dot = fmaf(qr[d], kr[d], dot);
        const float s = dot * a.scale + bias_at(a, b, h, i, j);
        p = s == -INFINITY ? 0.0f : expf(s - M) / L;
      }
    }
    prow[j] = p;
  }
}

// ------------------------------------------------------------------ torch-order kernel
// grid: (Tq, Hq, B); one block per query, in the rounding order of eager attention on torch's
// CPU kernels (as the CPU backend computes it): each score one FMA chain over d from 0, then
// times the scale, plus the bias; masked keys -inf; torch_softmax_row; each output element one
// FMA chain over the keys in order, keys of zero weight skipped. `scores`: Tk floats per
// (b, h, query), the probs output itself when it is wanted.
__global__ void attention_torch_order_kernel(AttentionArgs a, float *scores) {
  PLINTH_SHARED_ARRAY(float, scratch, 32);
  resolve_positions(a, true);
  const int64_t i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
  const int64_t row = (b * a.Hq + h) * a.Tq + i;
  const int64_t kh = h / (a.Hq / a.Hkv);
  const float *qr = a.q + ((b * a.Tq + i) * a.Hq + h) * a.D;
  float *s = scores + row * a.Tk;
  float mx = -INFINITY;
  for (int64_t j = threadIdx.x; j < a.kv_len; j += blockDim.x) {
    float v = -INFINITY;
    if (visible(a, b, i, j)) {
      const float *kr = k_row(a, b, j, kh);
      float dot = 0.0f;
      for (int64_t d = 0; d < a.D; ++d)
        dot = fmaf(qr[d], kr[d], dot);
      v = __fmul_rn(dot, a.scale);
      if (a.bias) v = __fadd_rn(v, bias_at(a, b, h, i, j));
      mx = fmaxf(mx, v);
    }
    s[j] = v;
  }
  for (int64_t j = a.kv_len + threadIdx.x; j < a.Tk; j += blockDim.x)
    s[j] = 0.0f; // slots past kv_len: zero weight in probs
  mx = block_max(mx, scratch);
  float *orow = a.out + ((b * a.Tq + i) * a.Hq + h) * a.Dv;
  if (mx == -INFINITY) { // nothing visible: uniform weights over [0, kv_len), block-uniform
    const float w = a.kv_len ? 1.0f / static_cast<float>(a.kv_len) : 0.0f;
    for (int64_t j = threadIdx.x; j < a.kv_len; j += blockDim.x)
      s[j] = w;
  } else {
    torch_softmax_row(s, a.kv_len, mx, scratch);
  }
  __syncthreads();
  for (int64_t c = threadIdx.x; c < a.Dv; c += blockDim.x) {
    float acc = 0.0f;
    for (int64_t j = 0; j < a.kv_len; ++j)
      if (s[j] != 0.0f) acc = fmaf(s[j], v_row(a, b, j, kh)[c], acc);
    orow[c] = acc;
  }
}

} // namespace

void launch_attention(const AttentionArgs &args, const AttentionPlan &plan, void *stream) {
  if (args.B * args.Hq * args.Tq <= 0) return;
  if (plan.unsupported) fail(plan.unsupported, PLINTH_ERR_UNSUPPORTED);
  gpuStream_t s = as_stream(stream);
  AttentionArgs a = args;
  const auto dim = [](const Grid3 &g) {
    return dim3(static_cast<unsigned>(g.x), static_cast<unsigned>(g.y), static_cast<unsigned>(g.z));
  };
  if (plan.torch_order) {
    launch_kernel("attention_torch_order_kernel", attention_torch_order_kernel, dim(plan.grid), 128,
                  0, s, a, a.probs ? a.probs : a.partial);
    check_launch("attention (torch order)");
    return;
  }
  if (plan.tiled) {
    // Above 48 KiB a kernel must opt in to the larger shared memory (per device and kernel;
    // set on every such launch, so a context on another device gets it too).
    if (plan.smem_bytes > kDefaultSharedBytes)
      check_gpu(allow_dynamic_shared(attention_tiled_kernel, plan.smem_bytes),
                "attention (tiled): shared memory opt-in");
    launch_kernel("attention_tiled_kernel", attention_tiled_kernel, dim(plan.grid),
                  kTiledWarps * kWarp, plan.smem_bytes, s, a);
    check_launch("attention (tiled)");
  } else {
    a.splits = plan.splits;
    launch_kernel("attention_row_kernel", attention_row_kernel, dim(plan.grid), kRowWarps * kWarp,
                  plan.smem_bytes, s, a);
    check_launch("attention (row)");
    launch_kernel("attention_combine_kernel", attention_combine_kernel, dim(plan.row_grid), 128, 0,
                  s, a);
    check_launch("attention (combine)");
  }
  if (a.probs) {
    launch_kernel("attention_probs_kernel", attention_probs_kernel, dim(plan.row_grid), 128, 0, s,
                  a);
    check_launch("attention (probs)");
  }
}

} // namespace plinth::gpu
