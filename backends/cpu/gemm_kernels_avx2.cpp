// AVX2 microkernels for gemm.cpp: 16 activation rows in two ymm registers x 6 weight rows
// (12 of the 16 registers accumulate, which leaves none for converting weights inside the k
// loop: tiles are converted before their turn). Compiled with target attributes; only
// reached after the runtime CPU check in gemm_isa_avx2().
#include "avx2_common.hpp"
#include "gemm.hpp"
#include "half.hpp"
#include "quant_layout.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#define PLINTH_GEMM_TARGET __attribute__((target("avx2,fma,f16c")))
#define PLINTH_GEMM_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline

#include "gemm_microkernel.hpp"

namespace plinth::cpu {
namespace {

constexpr int kNr = 6;

struct Vec {
  using reg = __m256;
  static constexpr int kLanes = 8;
  PLINTH_GEMM_INLINE static reg zero() { return _mm256_setzero_ps(); }
  PLINTH_GEMM_INLINE static reg load(const float *p) { return _mm256_load_ps(p); }
  PLINTH_GEMM_INLINE static reg set1(float v) { return _mm256_set1_ps(v); }
  PLINTH_GEMM_INLINE static reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  PLINTH_GEMM_INLINE static void store(float *p, reg v) { _mm256_store_ps(p, v); }
};

PLINTH_GEMM_TARGET void convert_row(const void *w, int32_t dtype, int64_t K, int64_t n, int64_t k0,
                                    int64_t kc, float *d) {
  switch (dtype) {
  case PLINTH_DTYPE_F32: std::memcpy(d, static_cast<const float *>(w) + n * K + k0, kc * 4); break;
  case PLINTH_DTYPE_F16:
  case PLINTH_DTYPE_BF16: {
    const uint16_t *s = static_cast<const uint16_t *>(w) + n * K + k0;
    const bool f16 = dtype == PLINTH_DTYPE_F16;
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) {
      const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + k));
      _mm256_storeu_ps(d + k,
                       f16 ? _mm256_cvtph_ps(h)
                           : _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)));
    }
    for (; k < kc; ++k)
      d[k] = f16 ? half_to_float(s[k]) : bf16_to_float(s[k]);
    break;
  }
  default: { // Q8_0 / Q4_0: grouped rows (quant_layout.hpp)
    const uint8_t *row = static_cast<const uint8_t *>(w) + quantized_bytes(dtype, n * K);
    const bool q8 = dtype == PLINTH_DTYPE_Q8_0;
    for (int64_t b = 0; b < kc / kQBlock; ++b) {
      const QBlockRef blk = q_block(row, k0 / kQBlock + b, K / kQBlock, block_bytes(dtype));
      if (q8)
        avx2::q8_block_to_f32(blk.scale, blk.payload, d + b * kQBlock);
      else
        avx2::q4_block_to_f32(blk.scale, blk.payload, d + b * kQBlock);
    }
  }
  }
}

// Transposes the 8 x 8 block in r (row i in r[i]) in place: r[c] becomes column c.
PLINTH_GEMM_INLINE void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) { // u[4i + j], lane L: column 4L + j of rows 4i .. 4i + 3
    u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xee);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xee);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
}

// See GemmIsa::transpose. Whole 8 x 8 blocks in registers, the edges element by element.
PLINTH_GEMM_TARGET void transpose(const float *src, int64_t lds, int64_t rows, int64_t rows_padded,
                                  int64_t cols, float *dst, int64_t ldd) {
  for (int64_t r0 = 0; r0 < rows_padded; r0 += 8) {
    const bool full_rows = r0 + 8 <= rows;
    int64_t c0 = 0;
    for (; full_rows && c0 + 8 <= cols; c0 += 8) {
      __m256 r[8];
      for (int64_t i = 0; i < 8; ++i)
        r[i] = _mm256_loadu_ps(src + (r0 + i) * lds + c0);
      transpose8(r);
      for (int64_t c = 0; c < 8; ++c)
        _mm256_storeu_ps(dst + (c0 + c) * ldd + r0, r[c]);
    }
    const int64_t rn = std::min<int64_t>(8, rows_padded - r0);
    for (; c0 < cols; ++c0)
      for (int64_t i = 0; i < rn; ++i)
        dst[c0 * ldd + r0 + i] = r0 + i < rows ? src[(r0 + i) * lds + c0] : 0.0f;
  }
}

void convert(const void *w, int32_t dtype, int64_t K, int64_t n0, int64_t rows, int64_t k0,
             int64_t kc, float *dst, int64_t ldd) {
  for (int64_t j = 0; j < rows; ++j)
    convert_row(w, dtype, K, n0 + j, k0, kc, dst + j * ldd);
}

} // namespace

const GemmIsa *gemm_isa_avx2() {
  // The same kernels for every dtype: they only prefetch.
  constexpr GemmKernel full = microkernel<Vec, 2, kNr, NoConvert>;
  constexpr GemmKernel half = microkernel<Vec, 1, kNr, NoConvert>;
  static const GemmIsa isa{
      "AVX2+FMA", 16,
      kNr,        {{full, half}, {full, half}, {full, half}, {full, half}, {full, half}},
      false,      transpose,
      convert};
  __builtin_cpu_init();
  const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("f16c");
  return ok ? &isa : nullptr;
}

} // namespace plinth::cpu

#else

namespace plinth::cpu {
const GemmIsa *gemm_isa_avx2() { return nullptr; }
} // namespace plinth::cpu

#endif
