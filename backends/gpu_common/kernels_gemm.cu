// The project's tiled GEMM (see GemmArgs in kernels.hpp): 64 x 64 output tiles, 16-deep k
// steps through shared memory, 256 threads each accumulating a 4 x 4 micro-tile in f32.
// The B operand is read through WeightElem<DT>, so f16 / bf16 / Q8_0 / Q4_0 weights are
// converted (dequantized) while the tile is loaded and never exist as f32 in memory.
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 256;
constexpr int kTM = kBM / 16, kTN = kBN / 16; // micro-tile per thread (16 x 16 threads)

template <int DT>
__device__ __forceinline__ float load_b(const uint8_t *base, int64_t n, int64_t k, int64_t sn,
                                        int64_t sk) {
  if constexpr (DT == PLINTH_DTYPE_Q8_0 || DT == PLINTH_DTYPE_Q4_0)
    return WeightElem<DT>::get(base + n * sn, k); // sn: bytes per row, k contiguous
  else
    return WeightElem<DT>::get(base, n * sn + k * sk);
}

template <int DT> __global__ void __launch_bounds__(kThreads) gemm_kernel(GemmArgs g) {
  // +1 column of padding keeps the transposed tile stores free of bank conflicts.
  PLINTH_SHARED_ARRAY2(float, As, kBK, kBM + 1);
  PLINTH_SHARED_ARRAY2(float, Bs, kBK, kBN + 1);
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t n0 = static_cast<int64_t>(blockIdx.x) * kBN;

  for (int64_t z = blockIdx.z; z < g.batches; z += gridDim.z) {
    const int64_t z0 = z / g.batch1, z1 = z % g.batch1;
    const float *A = g.A + z0 * g.a_bs[0] + z1 * g.a_bs[1];
    const uint8_t *B = static_cast<const uint8_t *>(g.B) + z0 * g.b_bs[0] + z1 * g.b_bs[1];
    float *C = g.C + z * g.c_bs;
    // Rows of this batch: all M, or the expert's group when grouped.
    int64_t rows = g.M, row_base = 0;
    if (g.order) {
      row_base = g.offsets[z];
      rows = g.offsets[z + 1] - row_base;
    }
    for (int64_t m0 = static_cast<int64_t>(blockIdx.y) * kBM; m0 < rows;
         m0 += static_cast<int64_t>(gridDim.y) * kBM) {
      // Every loop over acc is unrolled: a dynamic index would put it in local memory.
      float acc[kTM][kTN];
#pragma unroll
      for (int i = 0; i < kTM; ++i)
#pragma unroll
        for (int j = 0; j < kTN; ++j)
          acc[i][j] = 0.0f;
      for (int64_t k0 = 0; k0 < g.K; k0 += kBK) {
        // Tile loads, k fastest across threads (weights and activations are k-contiguous).
        for (int e = tid; e < kBM * kBK; e += kThreads) {
          const int kk = e % kBK, mm = e / kBK;
          const int64_t m = m0 + mm, k = k0 + kk;
          float v = 0.0f;
          if (m < rows && k < g.K) {
            const int64_t row = g.order ? g.order[row_base + m] : m;
            v = A[row * g.a_sm + k * g.a_sk];
          }
          As[kk][mm] = v;
        }
        for (int e = tid; e < kBN * kBK; e += kThreads) {
          const int kk = e % kBK, nn = e / kBK;
          const int64_t n = n0 + nn, k = k0 + kk;
          Bs[kk][nn] = (n < g.N && k < g.K) ? load_b<DT>(B, n, k, g.b_sn, g.b_sk) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < kBK; ++kk) {
          float a[kTM], b[kTN];
#pragma unroll
          for (int i = 0; i < kTM; ++i)
            a[i] = As[kk][ty + 16 * i];
#pragma unroll
          for (int j = 0; j < kTN; ++j)
            b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
          for (int i = 0; i < kTM; ++i)
#pragma unroll
            for (int j = 0; j < kTN; ++j)
              acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
      }
#pragma unroll
      for (int i = 0; i < kTM; ++i) {
        const int64_t m = m0 + ty + 16 * i;
        if (m >= rows) continue;
        const int64_t row = g.order ? g.order[row_base + m] : m;
#pragma unroll
        for (int j = 0; j < kTN; ++j) {
          const int64_t n = n0 + tx + 16 * j;
          if (n >= g.N) continue;
          float *c = C + row * g.ldc + n;
          float v = g.alpha * acc[i][j];
          if (g.beta != 0.0f) v += g.beta * *c; // beta == 0: C is not read (may be garbage)
          if (g.bias) v += load_f32(g.bias, g.bias_dtype, n);
          *c = v;
        }
      }
    }
  }
}

__global__ void add_bias_kernel(float *y, int64_t M, int64_t N, const void *bias, int32_t bd) {
  const int64_t total = M * N;
  for (int64_t i = global_index(); i < total; i += global_stride())
    y[i] += load_f32(bias, bd, i % N);
}

} // namespace

void launch_gemm(const GemmArgs &g, void *stream) {
  if (g.M <= 0 || g.N <= 0 || g.batches <= 0) return;
  static_assert(kBM == kGemmTile && kBN == kGemmTile, "launch_plan.hpp's gemm_grid");
  const Grid3 g3 = gemm_grid(g.M, g.N, g.batches);
  if (!grid_ok(g3)) fail("gemm: N too large", PLINTH_ERR_UNSUPPORTED);
  const dim3 grid(static_cast<unsigned>(g3.x), static_cast<unsigned>(g3.y),
                  static_cast<unsigned>(g3.z));
  gpuStream_t s = as_stream(stream);
  switch (g.b_dtype) {
  case PLINTH_DTYPE_F32:
    launch_kernel("gemm_kernel", gemm_kernel<PLINTH_DTYPE_F32>, grid, kThreads, 0, s, g);
    break;
  case PLINTH_DTYPE_F16:
    launch_kernel("gemm_kernel", gemm_kernel<PLINTH_DTYPE_F16>, grid, kThreads, 0, s, g);
    break;
  case PLINTH_DTYPE_BF16:
    launch_kernel("gemm_kernel", gemm_kernel<PLINTH_DTYPE_BF16>, grid, kThreads, 0, s, g);
    break;
  case PLINTH_DTYPE_Q8_0:
    launch_kernel("gemm_kernel", gemm_kernel<PLINTH_DTYPE_Q8_0>, grid, kThreads, 0, s, g);
    break;
  case PLINTH_DTYPE_Q4_0:
    launch_kernel("gemm_kernel", gemm_kernel<PLINTH_DTYPE_Q4_0>, grid, kThreads, 0, s, g);
    break;
  default: fail(std::string("gemm: unsupported weight dtype ") + dtype_name(g.b_dtype));
  }
  check_launch("gemm");
}

void launch_add_bias(float *y, int64_t M, int64_t N, const void *bias, int32_t bias_dtype,
                     void *stream) {
  if (M * N <= 0) return;
  launch_kernel("add_bias_kernel", add_bias_kernel, grid_for(M * N, 256), 256, 0, as_stream(stream),
                y, M, N, bias, bias_dtype);
  check_launch("add_bias");
}

} // namespace plinth::gpu
