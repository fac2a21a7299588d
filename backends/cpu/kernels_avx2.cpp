// AVX2 + FMA + F16C kernels. Compiled with per-function target attributes so the rest of the
// project keeps the baseline ISA; only called after a runtime CPU check.
#include "avx2_common.hpp"
#include "half.hpp"
#include "kernels_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)

namespace plinth::cpu {
namespace {

using avx2::hsum;

PLINTH_AVX2 void f16_to_f32(const uint16_t *src, float *dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  for (; i < n; ++i)
    dst[i] = half_to_float(src[i]);
}

PLINTH_AVX2 void f32_to_f16(const float *src, uint16_t *dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(dst + i), h);
  }
  for (; i < n; ++i)
    dst[i] = float_to_half(src[i]);
}

PLINTH_AVX2 void bf16_to_f32(const uint16_t *src, float *dst, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + i));
    const __m256i w = _mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16);
    _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(w));
  }
  for (; i < n; ++i)
    dst[i] = bf16_to_float(src[i]);
}

void f32_to_bf16(const float *src, uint16_t *dst, int64_t n) {
  // Rare (activations are f32); the scalar loop handles nan and rounding exactly.
  for (int64_t i = 0; i < n; ++i)
    dst[i] = float_to_bf16(src[i]);
}

PLINTH_AVX2 float dot(const float *a, const float *b, int64_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8)
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  float s = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i)
    s += a[i] * b[i];
  return s;
}

PLINTH_AVX2 void axpy(float a, const float *x, float *y, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i)
    y[i] += a * x[i];
}

} // namespace

const Kernels *avx2_kernels() {
  static const Kernels k{"AVX2+FMA",
                         f16_to_f32,
                         f32_to_f16,
                         bf16_to_f32,
                         f32_to_bf16,
                         dot,
                         axpy,
                         avx2::gemv_f32,
                         avx2::gemv_f16,
                         avx2::gemv_bf16,
                         avx2::quantize_acts,
                         avx2::gemv_q8_0,
                         avx2::gemv_q4_0,
                         avx2::q8_0_to_f32,
                         avx2::q4_0_to_f32};
  __builtin_cpu_init();
  const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("f16c");
  return ok ? &k : nullptr;
}

} // namespace plinth::cpu

#else

namespace plinth::cpu {
const Kernels *avx2_kernels() { return nullptr; }
} // namespace plinth::cpu

#endif
