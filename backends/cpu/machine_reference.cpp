// The "plinth.machine_reference" extension (abi/plinth_plugin.h): this machine's f32 GEMM rate
// through plinth's own packed GEMM (the one prompts run on) and through OpenBLAS, so that
// `plinth bench` can state its prompt speed as a fraction of what the CPU can do without
// linking the backend's internals.
#include "machine_reference.hpp"

#include <algorithm>
#include <chrono>
#include <new>
#include <string_view>
#include <vector>

#include <cblas.h>

#include "gemm.hpp"
#include "thread_pool.hpp"

namespace plinth::cpu {
namespace {

using Clock = std::chrono::steady_clock;

// Best rate of `repeat` timed runs of f after one warm-up run.
template <class F> double best_gflops(int32_t n, int32_t repeat, F &&f) {
  double best = 0;
  for (int32_t r = 0; r < std::max(1, repeat) + 1; ++r) {
    const auto t0 = Clock::now();
    f();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (r > 0) best = std::max(best, 2.0 * n * n * n / s / 1e9);
  }
  return best;
}

plinth_status gemm_f32_gflops(int32_t n_threads, int32_t n, int32_t repeat, double *own,
                              double *vendor) {
  if (!own || !vendor || n <= 0 || n > 16384 || repeat < 0 || n_threads < 0)
    return PLINTH_ERR_INVALID_ARGUMENT;
  try {
    const int threads = std::max(1, static_cast<int>(n_threads));
    std::vector<float> a(static_cast<size_t>(n) * n, 0.5f), b(a), c(a.size());
    // Ours first: OpenBLAS' threads keep spinning for a while after a call.
    *own = 0;
    if (const GemmIsa *isa = gemm_isa_best()) {
      ThreadPool pool(threads);
      GemmScratch scratch;
      *own = best_gflops(n, repeat, [&] {
        gemm_weights(pool, scratch, a.data(), n, n, b.data(), PLINTH_DTYPE_F32, n, c.data(), n,
                     isa);
      });
    }
    openblas_set_num_threads(threads);
    *vendor = best_gflops(n, repeat, [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0f, a.data(), n, b.data(),
                  n, 0.0f, c.data(), n);
    });
    return PLINTH_OK;
  } catch (const std::bad_alloc &) {
    return PLINTH_ERR_OUT_OF_MEMORY;
  } catch (...) {
    return PLINTH_ERR_BACKEND;
  }
}

const plinth_machine_reference_ext kMachineReference = {
    sizeof(plinth_machine_reference_ext),
    0,
    gemm_f32_gflops,
};

} // namespace

const void *backend_extension(const char *name) {
  if (name && std::string_view(name) == PLINTH_EXTENSION_MACHINE_REFERENCE)
    return &kMachineReference;
  return nullptr;
}

} // namespace plinth::cpu
