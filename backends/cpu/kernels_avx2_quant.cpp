// AVX2 kernels for Q8_0 / Q4_0 weights. Decoding quantizes the activation row to 8-bit blocks
// once, then every (weight block, activation block) pair is an integer dot product:
// maddubs multiplies unsigned by signed bytes into 16-bit pair sums, madd widens them to
// 32 bits, and one FMA per block applies both scales. Integer work per weight byte is what
// bounds these loops, so each step is kept to a handful of instructions.
#include "avx2_common.hpp"
#include "kernels_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)

#include <cstring>

namespace plinth::cpu::avx2 {
namespace {

PLINTH_AVX2_INLINE float f16_scale(const uint8_t *block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return _cvtsh_ss(h);
}

// 32 quantized weights of one block as bytes ready for maddubs against activations, with
// the 32-bit pair sums of the block's dot product returned.
struct Q8 {
  static constexpr size_t kBytes = kQ8BlockBytes;
  // maddubs needs one unsigned operand: |w| times x carrying w's sign (x is never -128).
  static PLINTH_AVX2_INLINE __m256i dot(const uint8_t *block, const int8_t *xq, const int16_t *) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(block + 2));
    const __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i *>(xq));
    const __m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
  }
};

struct Q4 {
  static constexpr size_t kBytes = kQ4BlockBytes;
  // Nibbles 0..15 are already unsigned; the -8 centering is subtracted as 8 * (pair of x).
  static PLINTH_AVX2_INLINE __m256i dot(const uint8_t *block, const int8_t *xq,
                                        const int16_t *off) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i *>(block + 2));
    const __m256i both = _mm256_set_m128i(_mm_srli_epi16(raw, 4), raw);
    const __m256i w = _mm256_and_si256(both, _mm256_set1_epi8(0x0f));
    const __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i *>(xq));
    const __m256i o = _mm256_load_si256(reinterpret_cast<const __m256i *>(off));
    const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(w, x), o);
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
  }
};

template <class Q, int R, int M>
PLINTH_AVX2 void rows_block(const uint8_t *w, size_t row_bytes, int64_t nb, const QActs &x,
                            float *y, int64_t ldy) {
  __m256 acc[R][M];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < M; ++m)
      acc[r][m] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b)
    for (int r = 0; r < R; ++r) {
      const uint8_t *blk = w + r * row_bytes + static_cast<size_t>(b) * Q::kBytes;
      const float dw = f16_scale(blk);
      for (int m = 0; m < M; ++m) {
        const int64_t xb = m * x.blocks_per_row + b;
        const __m256i isum = Q::dot(blk, x.q + xb * kQBlock, x.off + xb * (kQBlock / 2));
        acc[r][m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(dw * x.d[xb]),
                                    acc[r][m]);
      }
    }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < M; ++m)
      y[m * ldy + r] = hsum(acc[r][m]);
}

template <class Q, int M>
void rows_m(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, float *y, int64_t ldy) {
  constexpr int R = M == 1 ? 4 : 2;
  const int64_t nb = K / kQBlock;
  const size_t rb = static_cast<size_t>(nb) * Q::kBytes;
  int64_t r = 0;
  for (; r + R <= rows; r += R)
    rows_block<Q, R, M>(w + r * rb, rb, nb, x, y + r, ldy);
  for (; r < rows; ++r)
    rows_block<Q, 1, M>(w + r * rb, rb, nb, x, y + r, ldy);
}

template <class Q>
void gemv(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
          int64_t ldy) {
  switch (M) {
  case 1: rows_m<Q, 1>(w, rows, K, x, y, ldy); break;
  case 2: rows_m<Q, 2>(w, rows, K, x, y, ldy); break;
  case 3: rows_m<Q, 3>(w, rows, K, x, y, ldy); break;
  default: rows_m<Q, 4>(w, rows, K, x, y, ldy); break;
  }
}

} // namespace

PLINTH_AVX2 void quantize_acts(const float *x, int64_t K, int64_t m, const QActs &acts) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  // packs interleaves the 128-bit lanes; this puts the 32 bytes back in element order.
  const __m256i unshuffle = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t b = 0; b < K / kQBlock; ++b) {
    const float *xb = x + b * kQBlock;
    const int64_t blk = m * acts.blocks_per_row + b;
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      v[i] = _mm256_loadu_ps(xb + 8 * i);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, v[i]));
    }
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float am = _mm_cvtss_f32(m4);
    // Same arithmetic as the portable kernel, so both produce identical bytes.
    const __m256 id = _mm256_set1_ps(am != 0.0f ? 127.0f / am : 0.0f);
    __m256i q[4];
    for (int i = 0; i < 4; ++i)
      q[i] = _mm256_cvtps_epi32(_mm256_mul_ps(v[i], id));
    const __m256i lo = _mm256_packs_epi32(q[0], q[1]), hi = _mm256_packs_epi32(q[2], q[3]);
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(lo, hi), unshuffle);
    _mm256_store_si256(reinterpret_cast<__m256i *>(acts.q + blk * kQBlock), bytes);
    // maddubs with 8 as the unsigned operand: 8 * (q[2i] + q[2i + 1]) per 16-bit lane.
    const __m256i off = _mm256_maddubs_epi16(_mm256_set1_epi8(8), bytes);
    _mm256_store_si256(reinterpret_cast<__m256i *>(acts.off + blk * (kQBlock / 2)), off);
    acts.d[blk] = am / 127.0f;
  }
}

void gemv_q8_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  gemv<Q8>(w, rows, K, x, M, y, ldy);
}

void gemv_q4_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  gemv<Q4>(w, rows, K, x, M, y, ldy);
}

PLINTH_AVX2 void q8_0_to_f32(const uint8_t *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kQBlock; ++b) {
    const uint8_t *blk = src + b * kQ8BlockBytes;
    const __m256 d = _mm256_set1_ps(f16_scale(blk));
    for (int i = 0; i < 4; ++i) {
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(blk + 2 + 8 * i));
      const __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
      _mm256_storeu_ps(dst + b * kQBlock + 8 * i, _mm256_mul_ps(d, f));
    }
  }
}

PLINTH_AVX2 void q4_0_to_f32(const uint8_t *src, float *dst, int64_t n) {
  const __m128i mask = _mm_set1_epi8(0x0f), eight = _mm_set1_epi8(8);
  for (int64_t b = 0; b < n / kQBlock; ++b) {
    const uint8_t *blk = src + b * kQ4BlockBytes;
    const __m256 d = _mm256_set1_ps(f16_scale(blk));
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i *>(blk + 2));
    const __m128i halves[2] = {_mm_sub_epi8(_mm_and_si128(raw, mask), eight),
                               _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), eight)};
    for (int h = 0; h < 2; ++h)
      for (int i = 0; i < 2; ++i) {
        const __m128i q = i ? _mm_unpackhi_epi64(halves[h], halves[h]) : halves[h];
        const __m256 f = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
        _mm256_storeu_ps(dst + b * kQBlock + 16 * h + 8 * i, _mm256_mul_ps(d, f));
      }
  }
}

} // namespace plinth::cpu::avx2

#endif
