// How the dense ops (linear, matmul, linear_indexed) map their tensors onto the two GEMM
// interfaces: the vendor BLAS hook (BlasGemm, row-major, blas.hpp) and the project's own
// kernel (GemmArgs, kernels.hpp). Plain C++ with no GPU header, so tests/unit checks every
// mapping (transposes, leading dimensions, broadcast batch strides, conversion chunks, expert
// groups) against the CPU backend on machines without a GPU (backend_gpu_plan_test.cpp).
#pragma once

#include "blas.hpp"
#include "common.hpp"
#include "kernels.hpp"

#include <algorithm>
#include <cstdint>

namespace plinth::gpu {

// Weights in f16 / bf16 / Q8_0 / Q4_0 are converted to f32 in chunks of whole rows of about
// this many bytes before a vendor-BLAS product (activations keep full precision).
constexpr int64_t kConvertChunkBytes = int64_t{64} << 20;
inline int64_t convert_chunk_rows(int64_t K, int64_t N, int64_t chunk_bytes = kConvertChunkBytes) {
  return std::clamp<int64_t>(chunk_bytes / (std::max<int64_t>(K, 1) * 4), 1,
                             std::max<int64_t>(N, 1));
}

// linear on the vendor BLAS: rows [n0, n0 + nb) of y[M, N] = x[M, K] @ w[N, K]^T, where w
// points at those nb weight rows in f32 (the whole matrix, or a converted chunk).
inline BlasGemm blas_linear(const float *x, int64_t M, int64_t K, const float *w_rows, int64_t n0,
                            int64_t nb, int64_t N, float *y) {
  BlasGemm g;
  g.trans_b = true; // w is [N, K]
  g.M = M;
  g.N = nb;
  g.K = K;
  g.A = x;
  g.lda = K;
  g.B = w_rows;
  g.ldb = K;
  g.C = y + n0;
  g.ldc = N;
  return g;
}

// linear on the own GEMM (any weight dtype, bias fused).
inline GemmArgs gemm_linear(const float *x, int64_t M, int64_t K, const void *w, int32_t wdtype,
                            int64_t N, const void *bias, int32_t bias_dtype, float *y) {
  GemmArgs g;
  g.M = M;
  g.N = N;
  g.K = K;
  g.A = x;
  g.a_sm = K;
  g.a_sk = 1;
  g.B = w;
  g.b_dtype = wdtype;
  g.b_sn = is_quantized(wdtype) ? static_cast<int64_t>(elems_bytes(wdtype, K)) : K;
  g.b_sk = 1;
  g.C = y;
  g.ldc = N;
  g.bias = bias;
  g.bias_dtype = bias_dtype;
  return g;
}

// matmul on the vendor BLAS: one strided-batched call per index i0 of the outer batch dim
// (its inner batch dim is the call's batch; broadcast dims have stride 0).
inline BlasGemm blas_matmul(const backend::MatmulShape &sh, const float *a, const float *b,
                            float *c, int64_t i0, float alpha, float beta) {
  BlasGemm g;
  g.trans_a = sh.ta;
  g.trans_b = sh.tb;
  g.M = sh.M;
  g.N = sh.N;
  g.K = sh.K;
  g.A = a + i0 * sh.a_bs[0];
  g.lda = sh.a1;
  g.stride_a = sh.a_bs[1];
  g.B = b + i0 * sh.b_bs[0];
  g.ldb = sh.b1;
  g.stride_b = sh.b_bs[1];
  g.C = c + i0 * sh.batch_shape[1] * sh.M * sh.N;
  g.ldc = sh.N;
  g.stride_c = sh.M * sh.N;
  g.alpha = alpha;
  g.beta = beta;
  g.batch = sh.batch_shape[1];
  return g;
}

// matmul on the own GEMM: op(a)[m, k] and op(b)[k, n] addressed through strides (B[n, k] of
// GemmArgs is op(b)[k, n]), both batch dims in one launch.
inline GemmArgs gemm_matmul(const backend::MatmulShape &sh, const float *a, const float *b,
                            float *c, float alpha, float beta) {
  GemmArgs g;
  g.M = sh.M;
  g.N = sh.N;
  g.K = sh.K;
  g.A = a;
  g.a_sm = sh.ta ? 1 : sh.a1;
  g.a_sk = sh.ta ? sh.a1 : 1;
  g.B = b;
  g.b_dtype = PLINTH_DTYPE_F32;
  g.b_sn = sh.tb ? sh.b1 : 1;
  g.b_sk = sh.tb ? 1 : sh.b1;
  g.C = c;
  g.ldc = sh.N;
  g.alpha = alpha;
  g.beta = beta;
  g.batches = sh.batch_shape[0] * sh.batch_shape[1];
  g.batch1 = sh.batch_shape[1];
  g.a_bs[0] = sh.a_bs[0];
  g.a_bs[1] = sh.a_bs[1];
  g.b_bs[0] = sh.b_bs[0] * 4; // bytes
  g.b_bs[1] = sh.b_bs[1] * 4;
  g.c_bs = sh.M * sh.N;
  return g;
}

// linear_indexed for many rows: one grouped GEMM whose batch index is the expert; its rows are
// order[offsets[e] .. offsets[e + 1]) (launch_moe_group fills both on the device).
inline GemmArgs gemm_moe(const float *x, int64_t M, int64_t K, const void *w, int32_t wdtype,
                         int64_t E, int64_t N, float *y, const int32_t *offsets,
                         const int32_t *order) {
  GemmArgs g = gemm_linear(x, M, K, w, wdtype, N, nullptr, PLINTH_DTYPE_F32, y);
  g.batches = E;
  g.batch1 = E;
  g.b_bs[1] = static_cast<int64_t>(elems_bytes(wdtype, N * K));
  g.offsets = offsets;
  g.order = order;
  return g;
}

} // namespace plinth::gpu
