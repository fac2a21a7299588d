// cuBLAS behind the blas.hpp hook, opened with dlopen when a context is created. The plugin
// links nothing from the CUDA toolkit dynamically (the runtime is linked statically), so it
// loads on machines without a driver or toolkit; where libcublas is missing, or
// PLINTH_CUDA_NO_CUBLAS=1 is set, the project's own GEMM kernels do the work instead.
#include "blas.hpp"
#include "common.hpp"
#include "kernels.hpp"

#include <cublas_v2.h>
#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <vector>

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
  decltype(&cublasSetWorkspace_v2) set_workspace = nullptr; // optional (cuBLAS >= 11.4)
  void *workspace = nullptr;
  std::string description;
};

// A fixed workspace for cuBLAS (the size NVIDIA recommends for Hopper), so that a product
// recorded into a graph never makes cuBLAS allocate one itself, and replays find it in place.
constexpr size_t kWorkspaceBytes = size_t{32} << 20;

template <class F> bool bind(void *lib, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}

cublasOperation_t op(bool t) { return t ? CUBLAS_OP_T : CUBLAS_OP_N; }

// Why blas_open() returned nullptr, read by the same thread right after it for the context's
// description.
thread_local std::string g_missing = "plinth kernels";

// libcublas by soname through the loader's search path (LD_LIBRARY_PATH can name the
// directory of NVIDIA's Python wheels), then where the toolkit installs it, which is not
// always on the loader's path.
void *open_cublas() {
  std::vector<std::string> names;
  for (const char *soname : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"})
    names.emplace_back(soname);
  std::vector<std::string> dirs;
  if (const char *home = std::getenv("CUDA_HOME")) dirs.push_back(std::string(home) + "/lib64");
  dirs.emplace_back("/usr/local/cuda/lib64");
  dirs.emplace_back("/usr/local/cuda/targets/x86_64-linux/lib");
  for (const std::string &dir : dirs)
    for (const char *soname : {"libcublas.so.13", "libcublas.so.12"})
      names.push_back(dir + "/" + soname);
  for (const std::string &name : names)
    if (void *lib = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)) return lib;
  return nullptr;
}

} // namespace

const char *blas_missing_reason() { return g_missing.c_str(); }

void *blas_open(void *stream) {
  const char *off = std::getenv("PLINTH_CUDA_NO_CUBLAS");
  if (off && *off && std::string(off) != "0") {
    g_missing = "plinth kernels (PLINTH_CUDA_NO_CUBLAS is set)";
    return nullptr;
  }
  void *lib = open_cublas();
  if (!lib) {
    g_missing = "plinth kernels (libcublas not found)";
    return nullptr;
  }
  auto *b = new Cublas();
  b->lib = lib;
  const bool ok = bind(lib, "cublasCreate_v2", b->create) &&
                  bind(lib, "cublasDestroy_v2", b->destroy) &&
                  bind(lib, "cublasSetStream_v2", b->set_stream) &&
                  bind(lib, "cublasSetMathMode", b->set_math_mode) &&
                  bind(lib, "cublasSgemmStridedBatched", b->sgemm_batched) &&
                  bind(lib, "cublasGetVersion_v2", b->get_version);
  if (!ok || b->create(&b->handle) != CUBLAS_STATUS_SUCCESS) {
    g_missing = ok ? "plinth kernels (cublasCreate failed)"
                   : "plinth kernels (libcublas lacks a needed symbol)";
    b->handle = nullptr;
    blas_close(b);
    return nullptr;
  }
  // Plain f32 products (no TF32): the golden checks compare against float32 references.
  b->set_math_mode(b->handle, CUBLAS_DEFAULT_MATH);
  b->set_stream(b->handle, static_cast<cudaStream_t>(stream));
  // Without the symbol or the memory cuBLAS keeps its own workspace (allocated outside any
  // recording, on the first eager product).
  if (bind(lib, "cublasSetWorkspace_v2", b->set_workspace)) {
    b->workspace = device_alloc(kWorkspaceBytes);
    if (b->workspace &&
        b->set_workspace(b->handle, b->workspace, kWorkspaceBytes) != CUBLAS_STATUS_SUCCESS) {
      device_free(b->workspace);
      b->workspace = nullptr;
    }
  }
  int version = 0;
  b->get_version(b->handle, &version);
  b->description = "cuBLAS " + std::to_string(version);
  return b;
}

void blas_close(void *blas) noexcept {
  auto *b = static_cast<Cublas *>(blas);
  if (!b) return;
  if (b->handle && b->destroy) b->destroy(b->handle);
  device_free(b->workspace); // after the handle: cuBLAS may use it until destroyed
  if (b->lib) dlclose(b->lib);
  delete b;
}

const char *blas_describe(void *blas) { return static_cast<Cublas *>(blas)->description.c_str(); }

void blas_sgemm(void *blas, const BlasGemm &g) {
  auto *b = static_cast<Cublas *>(blas);
  // cuBLAS is column-major: column_major() (blas.hpp, unit-tested) swaps the operands.
  const ColumnMajorGemm c = column_major(g);
  if (!fits_int32_blas(c))
    fail("cuBLAS sgemm: a size, leading dimension or batch count exceeds the int range",
         PLINTH_ERR_UNSUPPORTED);
  const cublasStatus_t st = b->sgemm_batched(
      b->handle, op(c.trans_first), op(c.trans_second), static_cast<int>(c.m),
      static_cast<int>(c.n), static_cast<int>(c.k), &c.alpha, c.first, static_cast<int>(c.ld_first),
      c.stride_first, c.second, static_cast<int>(c.ld_second), c.stride_second, &c.beta, c.C,
      static_cast<int>(c.ldc), c.stride_c, static_cast<int>(c.batch));
  if (st != CUBLAS_STATUS_SUCCESS)
    fail("cuBLAS sgemm failed with status " + std::to_string(static_cast<int>(st)),
         PLINTH_ERR_BACKEND);
}

} // namespace plinth::gpu
