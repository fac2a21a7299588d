// AVX-512 microkernels for gemm.cpp: 32 activation rows in two zmm registers x 12 weight rows
// (24 accumulators), with the next weight tile's conversion from f16/bf16/Q8_0/Q4_0 fused into
// the k loop. Compiled with target attributes; only reached after the runtime CPU check in
// gemm_isa_avx512().
#include "gemm.hpp"
#include "half.hpp"
#include "quant_layout.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include <algorithm>
#include <cstring>

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (a self-initialised variable),
// which -Wmaybe-uninitialized reports at every inlined call: a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#define PLINTH_GEMM_TARGET_LIST "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c"
#define PLINTH_GEMM_TARGET __attribute__((target(PLINTH_GEMM_TARGET_LIST)))
#define PLINTH_GEMM_INLINE __attribute__((target(PLINTH_GEMM_TARGET_LIST), always_inline)) inline

namespace plinth::cpu {
namespace {

struct Vec {
  using reg = __m512;
  static constexpr int kLanes = 16;
  PLINTH_GEMM_INLINE static reg zero() { return _mm512_setzero_ps(); }
  PLINTH_GEMM_INLINE static reg load(const float *p) { return _mm512_load_ps(p); }
  PLINTH_GEMM_INLINE static reg set1(float v) { return _mm512_set1_ps(v); }
  PLINTH_GEMM_INLINE static reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  PLINTH_GEMM_INLINE static void store(float *p, reg v) { _mm512_store_ps(p, v); }
};

PLINTH_GEMM_INLINE float f16_scale(const uint8_t *block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return _cvtsh_ss(h);
}

// One unit of each dtype to f32: 32 values, a whole block of the block formats.
struct CvtF32 {
  static constexpr int kElems = 32, kBytes = 128;
  static constexpr bool kQuantized = false;
  PLINTH_GEMM_INLINE static void unit(const uint8_t *s, float *d) {
    _mm512_storeu_ps(d, _mm512_loadu_ps(s));
    _mm512_storeu_ps(d + 16, _mm512_loadu_ps(s + 64));
  }
};
struct CvtF16 {
  static constexpr int kElems = 32, kBytes = 64;
  static constexpr bool kQuantized = false;
  PLINTH_GEMM_INLINE static void unit(const uint8_t *s, float *d) {
    for (int h = 0; h < 2; ++h)
      _mm512_storeu_ps(d + 16 * h, _mm512_cvtph_ps(_mm256_loadu_si256(
                                       reinterpret_cast<const __m256i *>(s + 32 * h))));
  }
};
struct CvtBF16 {
  static constexpr int kElems = 32, kBytes = 64;
  static constexpr bool kQuantized = false;
  PLINTH_GEMM_INLINE static void unit(const uint8_t *s, float *d) {
    for (int h = 0; h < 2; ++h) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s + 32 * h));
      _mm512_storeu_ps(d + 16 * h,
                       _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(v), 16)));
    }
  }
};
// Quantized units take a block's scale and payload apart (grouped rows, quant_layout.hpp).
struct CvtQ8 {
  static constexpr int kElems = 32;
  static constexpr size_t kBytes = kQ8BlockBytes;
  static constexpr bool kQuantized = true;
  PLINTH_GEMM_INLINE static void unit(const uint8_t *sc, const uint8_t *s, float *d) {
    const __m512 scale = _mm512_set1_ps(f16_scale(sc));
    for (int h = 0; h < 2; ++h) {
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + 16 * h));
      _mm512_storeu_ps(d + 16 * h,
                       _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q))));
    }
  }
};
struct CvtQ4 { // values 0..15 in the low nibbles, 16..31 in the high ones
  static constexpr int kElems = 32;
  static constexpr size_t kBytes = kQ4BlockBytes;
  static constexpr bool kQuantized = true;
  PLINTH_GEMM_INLINE static void unit(const uint8_t *sc, const uint8_t *s, float *d) {
    const __m512 scale = _mm512_set1_ps(f16_scale(sc));
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s));
    const __m128i mask = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
    const __m128i lo = _mm_sub_epi8(_mm_and_si128(raw, mask), eight);
    const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), eight);
    _mm512_storeu_ps(d, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(lo))));
    _mm512_storeu_ps(d + 16, _mm512_mul_ps(scale, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(hi))));
  }
};

} // namespace
} // namespace plinth::cpu

#include "gemm_microkernel.hpp"

namespace plinth::cpu {
namespace {

constexpr int kNr = 12;

// Whole units, then the values of a row past the last whole one (float dtypes only).
template <class Cvt, class Tail>
PLINTH_GEMM_INLINE void convert_span(const uint8_t *s, int64_t n, float *d, Tail tail) {
  int64_t i = 0;
  for (; i + Cvt::kElems <= n; i += Cvt::kElems, s += Cvt::kBytes)
    Cvt::unit(s, d + i);
  for (int64_t j = 0; i < n; ++i, ++j)
    d[i] = tail(j);
}

// Values [k0, k0 + kc) of a quantized row (k0 and kc multiples of 32).
template <class Cvt>
PLINTH_GEMM_INLINE void convert_blocks(const uint8_t *row, int64_t K, int64_t k0, int64_t kc,
                                       float *d) {
  for (int64_t b = 0; b < kc / kQBlock; ++b) {
    const QBlockRef blk = q_block(row, k0 / kQBlock + b, K / kQBlock, Cvt::kBytes);
    Cvt::unit(blk.scale, blk.payload, d + b * kQBlock);
  }
}

PLINTH_GEMM_TARGET void convert(const void *w, int32_t dtype, int64_t K, int64_t n0, int64_t rows,
                                int64_t k0, int64_t kc, float *dst, int64_t ldd) {
  for (int64_t j = 0; j < rows; ++j) {
    const int64_t n = n0 + j;
    float *d = dst + j * ldd;
    const auto *base = static_cast<const uint8_t *>(w);
    switch (dtype) {
    case PLINTH_DTYPE_F32: {
      const float *s = static_cast<const float *>(w) + n * K + k0;
      convert_span<CvtF32>(reinterpret_cast<const uint8_t *>(s), kc, d,
                           [&](int64_t i) { return s[kc / 32 * 32 + i]; });
      break;
    }
    case PLINTH_DTYPE_F16: {
      const uint16_t *s = static_cast<const uint16_t *>(w) + n * K + k0;
      convert_span<CvtF16>(reinterpret_cast<const uint8_t *>(s), kc, d,
                           [&](int64_t i) { return half_to_float(s[kc / 32 * 32 + i]); });
      break;
    }
    case PLINTH_DTYPE_BF16: {
      const uint16_t *s = static_cast<const uint16_t *>(w) + n * K + k0;
      convert_span<CvtBF16>(reinterpret_cast<const uint8_t *>(s), kc, d,
                            [&](int64_t i) { return bf16_to_float(s[kc / 32 * 32 + i]); });
      break;
    }
    case PLINTH_DTYPE_Q8_0:
      convert_blocks<CvtQ8>(base + quantized_bytes(dtype, n * K), K, k0, kc, d);
      break;
    default: convert_blocks<CvtQ4>(base + quantized_bytes(dtype, n * K), K, k0, kc, d);
    }
  }
}

// Transposes the 16 x 16 block in r (row i in r[i]) in place: r[c] becomes column c.
PLINTH_GEMM_INLINE void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) { // per 128-bit lane L: rows 2i, 2i + 1 interleaved
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) { // r[4i + j], lane L: column 4L + j of rows 4i .. 4i + 3
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 2]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 1]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
  }
  for (int j = 0; j < 4; ++j) { // a 4 x 4 transpose of 128-bit lanes for each j
    const __m512 v0 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88);
    const __m512 v1 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xdd);
    const __m512 v2 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88);
    const __m512 v3 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xdd);
    t[j] = _mm512_shuffle_f32x4(v0, v2, 0x88);
    t[8 + j] = _mm512_shuffle_f32x4(v0, v2, 0xdd);
    t[4 + j] = _mm512_shuffle_f32x4(v1, v3, 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(v1, v3, 0xdd);
  }
  for (int i = 0; i < 16; ++i)
    r[i] = t[i];
}

// See GemmIsa::transpose. Blocks of 16 x 16 with masked loads and stores at the edges.
PLINTH_GEMM_TARGET void transpose(const float *src, int64_t lds, int64_t rows, int64_t rows_padded,
                                  int64_t cols, float *dst, int64_t ldd) {
  for (int64_t r0 = 0; r0 < rows_padded; r0 += 16) {
    const int64_t rn = std::min<int64_t>(16, rows_padded - r0);
    const __mmask16 store_mask = static_cast<__mmask16>((1u << rn) - 1);
    for (int64_t c0 = 0; c0 < cols; c0 += 16) {
      const int64_t cn = std::min<int64_t>(16, cols - c0);
      const __mmask16 load_mask = static_cast<__mmask16>((1u << cn) - 1);
      __m512 r[16];
      for (int64_t i = 0; i < 16; ++i)
        r[i] = r0 + i < rows ? _mm512_maskz_loadu_ps(load_mask, src + (r0 + i) * lds + c0)
                             : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t c = 0; c < cn; ++c)
        _mm512_mask_storeu_ps(dst + (c0 + c) * ldd + r0, store_mask, r[c]);
    }
  }
}

} // namespace

const GemmIsa *gemm_isa_avx512() {
  static const GemmIsa isa{"AVX-512",
                           32,
                           kNr,
                           {{microkernel<Vec, 2, kNr, CvtF32>, microkernel<Vec, 1, kNr, CvtF32>},
                            {microkernel<Vec, 2, kNr, CvtF16>, microkernel<Vec, 1, kNr, CvtF16>},
                            {microkernel<Vec, 2, kNr, CvtBF16>, microkernel<Vec, 1, kNr, CvtBF16>},
                            {microkernel<Vec, 2, kNr, CvtQ8>, microkernel<Vec, 1, kNr, CvtQ8>},
                            {microkernel<Vec, 2, kNr, CvtQ4>, microkernel<Vec, 1, kNr, CvtQ4>}},
                           true,
                           transpose,
                           convert};
  __builtin_cpu_init();
  const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                  __builtin_cpu_supports("f16c");
  return ok ? &isa : nullptr;
}

} // namespace plinth::cpu

#else

namespace plinth::cpu {
const GemmIsa *gemm_isa_avx512() { return nullptr; }
} // namespace plinth::cpu

#endif
