// Our own packed GEMM for weight products with many activation rows (prompt processing):
// y[M, N] = x[M, K] @ W[N, K]^T with W stored as f32, f16, bf16, Q8_0 or Q4_0.
//
// Built as a small static library (plinth_cpu_gemm) that the CPU backend and the `plinth`
// CLI both link: the CLI's bench measures it as part of the machine's f32 GEMM reference.
//
// How it works (gemm.cpp): the activations are packed once per call into panels of MR rows,
// transposed so that MR values of one k lie side by side (one or two vector registers). The
// pool's threads split N into tiles of whole weight rows; each converts its tiles from their
// stored dtype into f32 in its own scratch (no full f32 copy of the matrix), two tiles at a
// time: while the microkernels multiply one, they also convert the next (AVX-512) and
// prefetch the one after. A microkernel multiplies MR activation rows (vectors) by NR
// weight rows (broadcast scalars) over a block of k, accumulating in registers with one FMA
// per k (a rank-1 update).
//
// Rounding: every output is one sequential FMA chain over k = 0..K-1 starting from 0 (each
// K block resumes from the partial sums the previous one left), so the result does not
// depend on the blocking, the thread count or the instruction set: the AVX2 and AVX-512
// kernels give bit-identical results, equal to a scalar std::fma loop. The caller adds
// the bias afterwards.
#pragma once

#include "plinth_types.h"
#include "thread_pool.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace plinth::cpu {

// Work a microkernel call does between its FMAs, on the load and store ports they leave
// idle: converting part of the next weight tile into f32 and prefetching weights further
// ahead. The call advances the cursors by what it did.
struct GemmSideWork {
  const uint8_t *src = nullptr; // start of the weight row being converted (its dtype)
  float *dst = nullptr;
  int64_t units = 0;        // units to convert in this call: 32 values (a Q8_0/Q4_0 block)
  int64_t row_units = 1;    // units per weight row (K divides into whole units)
  int64_t col = 0;          // units done in the current row
  int64_t dst_skip = 0;     // floats from the end of a row in dst to the start of the next
  const char *pf = nullptr; // next 64-byte line to prefetch into L2
  int64_t pf_lines = 0;     // lines to prefetch in this call
};

// Weight dtypes the GEMM reads, as an index into GemmIsa::kernel.
enum GemmDtype { kGemmF32, kGemmF16, kGemmBF16, kGemmQ8_0, kGemmQ4_0, kGemmDtypes };

// c[j * ldc + i] = (first ? 0 : c[j * ldc + i]) + sum over k < kc of xp[k * mr + i] *
// wp[j * ldw + k], for i < mr, j < nr, as one FMA per k in increasing k; plus `side`.
using GemmKernel = void (*)(const float *xp, const float *wp, int64_t ldw, int64_t kc, float *c,
                            int64_t ldc, bool first, GemmSideWork &side);

// One instruction set's microkernels and weight conversion (gemm_kernels_*.cpp).
struct GemmIsa {
  const char *name; // "AVX-512" or "AVX2+FMA"
  int mr;           // activation rows of the full microkernel (a multiple of the vector width)
  int nr;           // weight rows of a microkernel
  // [dtype][0] is the full kernel, [dtype][1] the one for mr / 2 activation rows (xp then
  // holds mr / 2 values per k) that the last rows of x may use. Their side work converts
  // weights of that dtype; a set that leaves fused_convert false only prefetches.
  GemmKernel kernel[kGemmDtypes][2];
  bool fused_convert;
  // dst[c * ldd + r] = r < rows ? src[r * lds + c] : 0 for r < rows_padded, c < cols: packs
  // the activations and writes the [n][m] partial sums out as y's [m][n].
  void (*transpose)(const float *src, int64_t lds, int64_t rows, int64_t rows_padded, int64_t cols,
                    float *dst, int64_t ldd);
  // Converts W[n, k0 .. k0 + kc) to f32 for `rows` rows n = n0.. of a [N, K] matrix in
  // `dtype`, into dst[j * ldd + k]. For Q8_0/Q4_0, k0 and kc are multiples of 32.
  void (*convert)(const void *w, int32_t dtype, int64_t K, int64_t n0, int64_t rows, int64_t k0,
                  int64_t kc, float *dst, int64_t ldd);
};

// nullptr when the CPU lacks the instruction set (AVX-512 needs F/BW/VL/DQ, AVX2 needs FMA
// and F16C as well).
const GemmIsa *gemm_isa_avx512();
const GemmIsa *gemm_isa_avx2();
// The best set this CPU runs (narrowed by PLINTH_CPU_KERNELS=avx2|generic), or nullptr (no
// AVX2): callers then use another path.
const GemmIsa *gemm_isa_best();

// 64-byte aligned float storage that only grows.
class GemmBuffer {
public:
  float *get(size_t n);

private:
  struct Free {
    void operator()(float *p) const;
  };
  std::unique_ptr<float, Free> data_;
  size_t size_ = 0;
};

// Scratch kept between calls so the product allocates nothing in steady state.
struct GemmScratch {
  GemmBuffer packed_x;
  std::vector<GemmBuffer> per_thread; // weight tile and partial sums, one per pool thread
};

// y[m * ldy + n] = sum_k x[m * K + k] * W[n, k] for m < M, n < N; W is [N, K] in wdtype
// (f32, f16, bf16, Q8_0, Q4_0; K % 32 == 0 for the quantized ones). Runs on `pool`;
// `isa` defaults to gemm_isa_best(), which must not be nullptr.
void gemm_weights(ThreadPool &pool, GemmScratch &scratch, const float *x, int64_t M, int64_t K,
                  const void *w, int32_t wdtype, int64_t N, float *y, int64_t ldy,
                  const GemmIsa *isa = nullptr);

} // namespace plinth::cpu
