// Shared by the AVX2 kernel files: the target attribute and small vector helpers. Everything
// here is only reached after the runtime CPU check in avx2_kernels().
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#define PLINTH_AVX2 __attribute__((target("avx2,fma,f16c")))
#define PLINTH_AVX2_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline
// For lambdas inside AVX2 functions (they do not inherit the target).
#define PLINTH_AVX2_LAMBDA __attribute__((target("avx2,fma,f16c"), always_inline))

namespace plinth::cpu::avx2 {

PLINTH_AVX2_INLINE float hsum(__m256 v) {
  const __m128 lo = _mm256_castps256_ps128(v);
  const __m128 hi = _mm256_extractf128_ps(v, 1);
  __m128 s = _mm_add_ps(lo, hi);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// A Q8_0 / Q4_0 block's f16 scale.
PLINTH_AVX2_INLINE float f16_scale(const uint8_t *scale) {
  uint16_t h;
  std::memcpy(&h, scale, 2);
  return _cvtsh_ss(h);
}

// One Q8_0 / Q4_0 block to 32 floats, from its scale and its payload (apart in the CPU
// backend's grouped rows, quant_layout.hpp; scale then payload in the ABI layout). Shared by
// the dequantizers and the AVX2 GEMM's weight conversion.
PLINTH_AVX2_INLINE void q8_block_to_f32(const uint8_t *scale, const uint8_t *q, float *dst) {
  const __m256 d = _mm256_set1_ps(f16_scale(scale));
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(q + 8 * i));
    _mm256_storeu_ps(dst + 8 * i, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v))));
  }
}
// Q4_0: elements 0..15 in the low nibbles, 16..31 in the high ones, each stored + 8.
PLINTH_AVX2_INLINE void q4_block_to_f32(const uint8_t *scale, const uint8_t *q, float *dst) {
  const __m128i mask = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  const __m256 d = _mm256_set1_ps(f16_scale(scale));
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i *>(q));
  const __m128i halves[2] = {_mm_sub_epi8(_mm_and_si128(raw, mask), eight),
                             _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), eight)};
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < 2; ++i) {
      const __m128i v = i ? _mm_unpackhi_epi64(halves[h], halves[h]) : halves[h];
      const __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v));
      _mm256_storeu_ps(dst + 16 * h + 8 * i, _mm256_mul_ps(d, f));
    }
}

} // namespace plinth::cpu::avx2
#endif
