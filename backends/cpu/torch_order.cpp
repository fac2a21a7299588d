// See torch_order.hpp. Built with -ffp-contract=off: the compiler must not fuse a separate
// multiply and add into an FMA (or the reverse), since the point is the exact rounding sequence.
#include "torch_order.hpp"

#include "kernel_choice.hpp"

#if defined(__x86_64__) || defined(__i386__)
#define PLINTH_TORCH_ORDER_X86 1
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace plinth::cpu {
namespace {

// SLEEF's constants for expf_u10: log2(e), ln 2 split so that q * kLn2Hi is exact, and the
// minimax polynomial for exp on [-ln2/2, ln2/2].
constexpr float kLog2e = 1.442695040888963407359924681001892137426645954152985934135449406931f;
constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.428606765330187045e-06f;
constexpr float kC5 = 0.000198527617612853646278381f;
constexpr float kC4 = 0.00139304355252534151077271f;
constexpr float kC3 = 0.00833336077630519866943359f;
constexpr float kC2 = 0.0416664853692054748535156f;
constexpr float kC1 = 0.166666671633720397949219f;
constexpr float kC0 = 0.5f;
constexpr float kExpLow = -104.0f, kExpHigh = 100.0f;

float pow2i(int q) {
  const uint32_t bits = static_cast<uint32_t>(q + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// PLINTH_CPU_KERNELS=generic selects the portable path, as for the backend's other kernels.
bool use_avx2() {
#if PLINTH_TORCH_ORDER_X86
  static const bool ok = kernel_cap() != KernelCap::generic && __builtin_cpu_supports("avx2") &&
                         __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}

// Lane l of torch's 16-wide reduce_all: elements l, l + 16, ... summed in order; then the
// lanes fold pairwise at distance 8, 4, 2, 1.
float fold16(float *lanes) {
  for (int w = 8; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l)
      lanes[l] = lanes[l] + lanes[l + w];
  return lanes[0];
}

#if PLINTH_TORCH_ORDER_X86
__attribute__((target("avx2,fma"))) __m256 exp8(__m256 d) {
  const __m256 qf = _mm256_round_ps(_mm256_mul_ps(d, _mm256_set1_ps(kLog2e)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256i q = _mm256_cvtps_epi32(qf);
  __m256 s = _mm256_fmadd_ps(qf, _mm256_set1_ps(-kLn2Hi), d);
  s = _mm256_fmadd_ps(qf, _mm256_set1_ps(-kLn2Lo), s);
  __m256 u = _mm256_set1_ps(kC5);
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(kC4));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(kC3));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(kC2));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(kC1));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(kC0));
  u = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_mul_ps(s, s), u, s));
  const __m256i q1 = _mm256_srai_epi32(q, 1), q2 = _mm256_sub_epi32(q, q1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(q1, bias), 23));
  const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(q2, bias), 23));
  u = _mm256_mul_ps(_mm256_mul_ps(u, p1), p2);
  // Out-of-range inputs computed garbage above (q overflows); the masks replace it.
  u = _mm256_andnot_ps(_mm256_cmp_ps(d, _mm256_set1_ps(kExpLow), _CMP_LT_OQ), u);
  return _mm256_blendv_ps(u, _mm256_set1_ps(std::numeric_limits<float>::infinity()),
                          _mm256_cmp_ps(_mm256_set1_ps(kExpHigh), d, _CMP_LT_OQ));
}

__attribute__((target("avx2,fma"))) void softmax_avx2(float *x, int64_t n, float max) {
  const __m256 m = _mm256_set1_ps(max);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m256 e0 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), m));
    const __m256 e1 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j + 8), m));
    _mm256_storeu_ps(x + j, e0);
    _mm256_storeu_ps(x + j + 8, e1);
    acc0 = _mm256_add_ps(acc0, e0);
    acc1 = _mm256_add_ps(acc1, e1);
  }
  alignas(32) float lanes[16];
  _mm256_store_ps(lanes, acc0);
  _mm256_store_ps(lanes + 8, acc1);
  for (int64_t t = 0; j + t < n; ++t) {
    x[j + t] = torch_expf(x[j + t] - max);
    lanes[t] = lanes[t] + x[j + t];
  }
  const __m256 inv = _mm256_set1_ps(1.0f / fold16(lanes));
  j = 0;
  for (; j + 8 <= n; j += 8)
    _mm256_storeu_ps(x + j, _mm256_mul_ps(_mm256_loadu_ps(x + j), inv));
  const float inv_s = _mm256_cvtss_f32(inv);
  for (; j < n; ++j)
    x[j] = x[j] * inv_s;
}

#endif

void softmax_portable(float *x, int64_t n, float max) {
  float lanes[16] = {};
  for (int64_t j = 0; j < n; ++j) {
    x[j] = torch_expf(x[j] - max);
    lanes[j % 16] = lanes[j % 16] + x[j];
  }
  const float inv = 1.0f / fold16(lanes);
  for (int64_t j = 0; j < n; ++j)
    x[j] = x[j] * inv;
}

#if PLINTH_TORCH_ORDER_X86
// Four blocks of 8 keys in flight: each lane is its own FMA chain over d, and four
// independent chains hide the FMA latency.
__attribute__((target("avx2,fma"))) void scores_avx2(const float *q, const float *kt, int64_t ld,
                                                     int64_t D, int64_t j, int64_t end, float scale,
                                                     float *s) {
  const __m256 sc = _mm256_set1_ps(scale);
  for (; j + 32 <= end; j += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (int64_t d = 0; d < D; ++d) {
      const __m256 qd = _mm256_set1_ps(q[d]);
      const float *r = kt + d * ld + j;
      a0 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(r), a0);
      a1 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(r + 8), a1);
      a2 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(r + 16), a2);
      a3 = _mm256_fmadd_ps(qd, _mm256_loadu_ps(r + 24), a3);
    }
    _mm256_storeu_ps(s + j, _mm256_mul_ps(a0, sc));
    _mm256_storeu_ps(s + j + 8, _mm256_mul_ps(a1, sc));
    _mm256_storeu_ps(s + j + 16, _mm256_mul_ps(a2, sc));
    _mm256_storeu_ps(s + j + 24, _mm256_mul_ps(a3, sc));
  }
  for (; j < end; j += 8) {
    __m256 a = _mm256_setzero_ps();
    for (int64_t d = 0; d < D; ++d)
      a = _mm256_fmadd_ps(_mm256_set1_ps(q[d]), _mm256_loadu_ps(kt + d * ld + j), a);
    _mm256_storeu_ps(s + j, _mm256_mul_ps(a, sc));
  }
}

// Two queries against the same keys: eight chains in flight (the FMA units take two a cycle
// with a four-cycle latency) and each key vector loaded once for both.
__attribute__((target("avx2,fma"))) void scores2_avx2(const float *q0, const float *q1,
                                                      const float *kt, int64_t ld, int64_t D,
                                                      int64_t j, int64_t end, float scale,
                                                      float *s0, float *s1) {
  const __m256 sc = _mm256_set1_ps(scale);
  for (; j + 32 <= end; j += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (int64_t d = 0; d < D; ++d) {
      const __m256 x = _mm256_set1_ps(q0[d]), y = _mm256_set1_ps(q1[d]);
      const float *r = kt + d * ld + j;
      const __m256 k0 = _mm256_loadu_ps(r), k1 = _mm256_loadu_ps(r + 8);
      const __m256 k2 = _mm256_loadu_ps(r + 16), k3 = _mm256_loadu_ps(r + 24);
      a0 = _mm256_fmadd_ps(x, k0, a0);
      a1 = _mm256_fmadd_ps(x, k1, a1);
      a2 = _mm256_fmadd_ps(x, k2, a2);
      a3 = _mm256_fmadd_ps(x, k3, a3);
      b0 = _mm256_fmadd_ps(y, k0, b0);
      b1 = _mm256_fmadd_ps(y, k1, b1);
      b2 = _mm256_fmadd_ps(y, k2, b2);
      b3 = _mm256_fmadd_ps(y, k3, b3);
    }
    _mm256_storeu_ps(s0 + j, _mm256_mul_ps(a0, sc));
    _mm256_storeu_ps(s0 + j + 8, _mm256_mul_ps(a1, sc));
    _mm256_storeu_ps(s0 + j + 16, _mm256_mul_ps(a2, sc));
    _mm256_storeu_ps(s0 + j + 24, _mm256_mul_ps(a3, sc));
    _mm256_storeu_ps(s1 + j, _mm256_mul_ps(b0, sc));
    _mm256_storeu_ps(s1 + j + 8, _mm256_mul_ps(b1, sc));
    _mm256_storeu_ps(s1 + j + 16, _mm256_mul_ps(b2, sc));
    _mm256_storeu_ps(s1 + j + 24, _mm256_mul_ps(b3, sc));
  }
  for (; j < end; j += 8) {
    __m256 a = _mm256_setzero_ps(), b = a;
    for (int64_t d = 0; d < D; ++d) {
      const __m256 k = _mm256_loadu_ps(kt + d * ld + j);
      a = _mm256_fmadd_ps(_mm256_set1_ps(q0[d]), k, a);
      b = _mm256_fmadd_ps(_mm256_set1_ps(q1[d]), k, b);
    }
    _mm256_storeu_ps(s0 + j, _mm256_mul_ps(a, sc));
    _mm256_storeu_ps(s1 + j, _mm256_mul_ps(b, sc));
  }
}

// Eight keys by eight dims: rows k, k + stride, ... (d0..d7 of each) become dst, dst + ld, ...
// (keys 0..7 of each dim). Keys 0-3 and 4-7 are loaded into the two halves of a register so
// that only the in-lane 4x4 transposes are left to shuffle.
__attribute__((target("avx2,fma"), always_inline)) inline __m256 rows_0_4(const float *k,
                                                                          int64_t stride) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(k)), _mm_loadu_ps(k + 4 * stride),
                              1);
}

__attribute__((target("avx2,fma"), always_inline)) inline void
transpose8x8_avx2(const float *k, int64_t stride, float *dst, int64_t ld) {
  for (int d = 0; d < 8; d += 4) {
    const __m256 r0 = rows_0_4(k + d, stride), r1 = rows_0_4(k + stride + d, stride);
    const __m256 r2 = rows_0_4(k + 2 * stride + d, stride);
    const __m256 r3 = rows_0_4(k + 3 * stride + d, stride);
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    _mm256_storeu_ps(dst + d * ld, _mm256_shuffle_ps(t0, t2, 0x44));
    _mm256_storeu_ps(dst + (d + 1) * ld, _mm256_shuffle_ps(t0, t2, 0xEE));
    _mm256_storeu_ps(dst + (d + 2) * ld, _mm256_shuffle_ps(t1, t3, 0x44));
    _mm256_storeu_ps(dst + (d + 3) * ld, _mm256_shuffle_ps(t1, t3, 0xEE));
  }
}

__attribute__((target("avx2,fma"))) void
transpose_full_rows_avx2(const float *k, int64_t stride, int64_t D, float *kt, int64_t ld) {
  int64_t d = 0;
  for (; d + 8 <= D; d += 8) {
    // The rows 16 keys on, a cache line each (prefetches never fault, so the last blocks may
    // point past the keys): with rows `stride` apart the hardware alone fetches them too late.
    if (d % 16 == 0)
      for (int t = 0; t < 8; ++t)
        _mm_prefetch(reinterpret_cast<const char *>(reinterpret_cast<uintptr_t>(k) +
                                                    ((t + 16) * stride + d) * sizeof(float)),
                     _MM_HINT_T0);
    transpose8x8_avx2(k + d, stride, kt + d * ld, ld);
  }
  for (; d < D; ++d)
    for (int64_t t = 0; t < 8; ++t)
      kt[d * ld + t] = k[t * stride + d];
}

#endif

} // namespace

float torch_expf(float d) {
  if (std::isnan(d)) return d;
  if (d < kExpLow) return 0.0f;
  if (d > kExpHigh) return std::numeric_limits<float>::infinity();
  const float qf = std::nearbyint(d * kLog2e);
  const int q = static_cast<int>(qf);
  float s = std::fma(qf, -kLn2Hi, d);
  s = std::fma(qf, -kLn2Lo, s);
  float u = kC5;
  u = std::fma(u, s, kC4);
  u = std::fma(u, s, kC3);
  u = std::fma(u, s, kC2);
  u = std::fma(u, s, kC1);
  u = std::fma(u, s, kC0);
  const float s2 = s * s;
  u = 1.0f + std::fma(s2, u, s);
  const int q1 = q >> 1; // arithmetic shift, as SLEEF's vsra
  u = u * pow2i(q1);
  return u * pow2i(q - q1);
}

void torch_softmax_row(float *x, int64_t n, float max) {
#if PLINTH_TORCH_ORDER_X86
  if (use_avx2()) {
    softmax_avx2(x, n, max);
    return;
  }
#endif
  softmax_portable(x, n, max);
}

void transpose_keys(const float *k, int64_t stride, int64_t n, int64_t D, float *kt, int64_t ld) {
  // Eight rows at a time: each pass reads eight rows in order and writes runs of eight floats.
  for (int64_t j0 = 0; j0 < ld; j0 += 8) {
    const int64_t rows = std::clamp<int64_t>(n - j0, 0, 8);
#if PLINTH_TORCH_ORDER_X86
    if (rows == 8 && use_avx2()) {
      transpose_full_rows_avx2(k + j0 * stride, stride, D, kt + j0, ld);
      continue;
    }
#endif
    for (int64_t d = 0; d < D; ++d) {
      float *dst = kt + d * ld + j0;
      for (int64_t t = 0; t < rows; ++t)
        dst[t] = k[(j0 + t) * stride + d];
      for (int64_t t = rows; t < 8; ++t)
        dst[t] = 0.0f;
    }
  }
}

void score_chains(const float *q, const float *kt, int64_t ld, int64_t D, int64_t j0, int64_t j1,
                  float scale, float *s) {
  if (j1 <= j0) return;
  const int64_t start = j0 / 8 * 8, end = (j1 + 7) / 8 * 8;
#if PLINTH_TORCH_ORDER_X86
  if (use_avx2()) {
    scores_avx2(q, kt, ld, D, start, end, scale, s);
    return;
  }
#endif
  for (int64_t j = start; j < end; ++j) {
    float a = 0.0f;
    for (int64_t d = 0; d < D; ++d)
      a = std::fma(q[d], kt[d * ld + j], a);
    s[j] = a * scale;
  }
}

void score_chains2(const float *q0, const float *q1, const float *kt, int64_t ld, int64_t D,
                   int64_t j0, int64_t j1, float scale, float *s0, float *s1) {
  if (j1 <= j0) return;
#if PLINTH_TORCH_ORDER_X86
  if (use_avx2()) {
    scores2_avx2(q0, q1, kt, ld, D, j0 / 8 * 8, (j1 + 7) / 8 * 8, scale, s0, s1);
    return;
  }
#endif
  score_chains(q0, kt, ld, D, j0, j1, scale, s0);
  score_chains(q1, kt, ld, D, j0, j1, scale, s1);
}

} // namespace plinth::cpu
