// Builds without a vendor BLAS: the HIP build (Debian ships no hipBLAS / rocBLAS) and the
// host target (gpu-emu), whose point is to prove the project's own kernels (kernels_gemm.cu),
// so every GEMM runs on those.
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
