// The HIP build has no vendor BLAS (Debian ships no hipBLAS / rocBLAS): every GEMM runs on
// the project's own kernels (kernels_gemm.cu).
#include "blas.hpp"
#include "common.hpp"

namespace plinth::gpu {

void *blas_open(void *) { return nullptr; }
void blas_close(void *) noexcept {}
const char *blas_describe(void *) { return "plinth kernels"; }
const char *blas_missing_reason() { return "plinth kernels"; }
void blas_sgemm(void *, const BlasGemm &) {
  fail("no vendor BLAS in this build", PLINTH_ERR_INTERNAL);
}

} // namespace plinth::gpu
