// Shared by the AVX2 kernel files: the target attribute and small vector helpers. Everything
// here is only reached after the runtime CPU check in avx2_kernels().
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

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

} // namespace plinth::cpu::avx2
#endif
