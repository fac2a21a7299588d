// The vendor-BLAS hook: the CUDA plugin implements it with cuBLAS (opened with dlopen at run
// time, see backends/cuda/blas_cublas.cpp); the HIP plugin with nothing (Debian ships no
// hipBLAS / rocBLAS), so its GEMMs run on the project's own kernels.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace plinth::gpu {

// Row-major, f32, strided batches: C[i] = alpha * op(A[i]) @ op(B[i]) + beta * C[i].
struct BlasGemm {
  bool trans_a = false, trans_b = false;
  int64_t M = 0, N = 0, K = 0;
  const float *A = nullptr;
  int64_t lda = 0, stride_a = 0;
  const float *B = nullptr;
  int64_t ldb = 0, stride_b = 0;
  float *C = nullptr;
  int64_t ldc = 0, stride_c = 0;
  float alpha = 1.0f, beta = 0.0f;
  int64_t batch = 1;
};

// The same product as a column-major BLAS (cuBLAS, rocBLAS) sees it. A row-major matrix is
// the column-major view of its transpose, so row-major C = op(A) op(B) is column-major
// C^T = op(B)^T op(A)^T: the call takes B first, swaps M and N, and keeps each operand's
// transpose flag and leading dimension (the row length as stored).
struct ColumnMajorGemm {
  bool trans_first = false, trans_second = false; // op() of the first / second operand
  int64_t m = 0, n = 0, k = 0;
  const float *first = nullptr;
  int64_t ld_first = 0, stride_first = 0;
  const float *second = nullptr;
  int64_t ld_second = 0, stride_second = 0;
  float *C = nullptr;
  int64_t ldc = 0, stride_c = 0;
  float alpha = 1.0f, beta = 0.0f;
  int64_t batch = 1;
};
inline ColumnMajorGemm column_major(const BlasGemm &g) {
  ColumnMajorGemm c;
  c.trans_first = g.trans_b;
  c.trans_second = g.trans_a;
  c.m = g.N;
  c.n = g.M;
  c.k = g.K;
  c.first = g.B;
  c.ld_first = g.ldb;
  c.stride_first = g.stride_b;
  c.second = g.A;
  c.ld_second = g.lda;
  c.stride_second = g.stride_a;
  c.C = g.C;
  c.ldc = g.ldc;
  c.stride_c = g.stride_c;
  c.alpha = g.alpha;
  c.beta = g.beta;
  c.batch = g.batch;
  return c;
}
// 32-bit BLAS interfaces take int sizes, leading dimensions and batch counts.
inline bool fits_int32_blas(const ColumnMajorGemm &c) {
  for (int64_t v : {c.m, c.n, c.k, c.ld_first, c.ld_second, c.ldc, c.batch})
    if (v < 0 || v > 0x7fffffff) return false;
  return true;
}

void *blas_open(void *stream); // nullptr: no vendor BLAS here, use the own kernels
void blas_close(void *blas) noexcept;
const char *blas_describe(void *blas);
// What the description says when blas_open() gave nullptr (why, where there is a reason).
const char *blas_missing_reason();
void blas_sgemm(void *blas, const BlasGemm &g); // throws OpError on failure

} // namespace plinth::gpu
