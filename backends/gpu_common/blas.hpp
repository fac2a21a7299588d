// The vendor-BLAS hook: the CUDA plugin implements it with cuBLAS (opened with dlopen at run
// time, see backends/cuda/blas_cublas.cpp); the HIP plugin with nothing (Debian ships no
// hipBLAS / rocBLAS), so its GEMMs run on the project's own kernels.
#pragma once

#include <cstdint>

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

void *blas_open(void *stream); // nullptr: no vendor BLAS here, use the own kernels
void blas_close(void *blas) noexcept;
const char *blas_describe(void *blas);
void blas_sgemm(void *blas, const BlasGemm &g); // throws OpError on failure

} // namespace plinth::gpu
