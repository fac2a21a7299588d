// cuBLAS behind the blas.hpp hook, opened with dlopen when a context is created. The plugin
// links nothing from the CUDA toolkit dynamically (the runtime is linked statically), so it
// loads on machines without a driver or toolkit; where libcublas is missing, or
// PLINTH_CUDA_NO_CUBLAS=1 is set, the project's own GEMM kernels do the work instead.
#include "blas.hpp"
#include "common.hpp"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <cstdlib>
#include <string>

namespace plinth::gpu {
namespace {

struct Cublas {
  void *lib = nullptr;
  cublasHandle_t handle = nullptr;
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSetMathMode) set_math_mode = nullptr;
  decltype(&cublasSgemmStridedBatched) sgemm_batched = nullptr;
  decltype(&cublasGetVersion_v2) get_version = nullptr;
  std::string description;
};

template <class F> bool bind(void *lib, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

cublasOperation_t op(bool t) { return t ? CUBLAS_OP_T : CUBLAS_OP_N; }

} // namespace

void *blas_open(void *stream) {
  const char *off = std::getenv("PLINTH_CUDA_NO_CUBLAS");
  if (off && *off && std::string(off) != "0") return nullptr;
  void *lib = nullptr;
  for (const char *name : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"})
    if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
  if (!lib) return nullptr;
  auto *b = new Cublas();
  b->lib = lib;
  const bool ok = bind(lib, "cublasCreate_v2", b->create) &&
                  bind(lib, "cublasDestroy_v2", b->destroy) &&
                  bind(lib, "cublasSetStream_v2", b->set_stream) &&
                  bind(lib, "cublasSetMathMode", b->set_math_mode) &&
                  bind(lib, "cublasSgemmStridedBatched", b->sgemm_batched) &&
                  bind(lib, "cublasGetVersion_v2", b->get_version);
  if (!ok || b->create(&b->handle) != CUBLAS_STATUS_SUCCESS) {
    b->handle = nullptr;
    blas_close(b);
    return nullptr;
  }
  // Plain f32 products (no TF32): the golden checks compare against float32 references.
  b->set_math_mode(b->handle, CUBLAS_DEFAULT_MATH);
  b->set_stream(b->handle, static_cast<cudaStream_t>(stream));
  int version = 0;
  b->get_version(b->handle, &version);
  b->description = "cuBLAS " + std::to_string(version);
  return b;
}

void blas_close(void *blas) noexcept {
  auto *b = static_cast<Cublas *>(blas);
  if (!b) return;
  if (b->handle && b->destroy) b->destroy(b->handle);
  if (b->lib) dlclose(b->lib);
  delete b;
}

const char *blas_describe(void *blas) { return static_cast<Cublas *>(blas)->description.c_str(); }

void blas_sgemm(void *blas, const BlasGemm &g) {
  auto *b = static_cast<Cublas *>(blas);
  // cuBLAS is column-major: a row-major C = op(A) op(B) is the column-major
  // C^T = op(B)^T op(A)^T, i.e. the same call with A and B (and M and N) swapped.
  const cublasStatus_t st = b->sgemm_batched(
      b->handle, op(g.trans_b), op(g.trans_a), static_cast<int>(g.N), static_cast<int>(g.M),
      static_cast<int>(g.K), &g.alpha, g.B, static_cast<int>(g.ldb), g.stride_b, g.A,
      static_cast<int>(g.lda), g.stride_a, &g.beta, g.C, static_cast<int>(g.ldc), g.stride_c,
      static_cast<int>(g.batch));
  if (st != CUBLAS_STATUS_SUCCESS)
    fail("cuBLAS sgemm failed with status " + std::to_string(static_cast<int>(st)),
         PLINTH_ERR_BACKEND);
}

} // namespace plinth::gpu
