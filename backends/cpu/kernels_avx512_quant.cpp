// AVX-512 kernels for Q8_0 / Q4_0 weights. As in the AVX2 set, activations are quantized to
// 8-bit blocks once and every block pair is an integer dot product, but VNNI's vpdpbusd
// multiplies unsigned by signed bytes and sums groups of four straight into 32-bit lanes
// (AVX2 needs maddubs + madd), and a 512-bit register holds two Q8_0 blocks or the nibbles of
// four Q4_0 blocks. Per weight byte that is about half the instructions of the AVX2 loops,
// which on one core were slower than the memory stream (Q8 ~39 GB/s, Q4 ~32 GB/s from L2).
#include "avx512_common.hpp"
#include "kernels_impl.hpp"
#include "quant_layout.hpp"

#if defined(__x86_64__) || defined(__i386__)

#include <cstring>

namespace plinth::cpu::avx512 {
namespace {

constexpr int kGroup = kQGroup; // blocks whose f16 scales are converted together

PLINTH_AVX512_INLINE float f16_scale(const uint8_t *block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return _cvtsh_ss(h);
}

// Lanes i of `sc` (8 floats) spread over 16 lanes: idx picks which scale each lane gets.
PLINTH_AVX512_INLINE __m512 spread(__m256 sc, __m512i idx) {
  return _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(sc));
}

// Sum of the last blocks (after the whole groups of 8, so in the ABI layout), one block at a
// time; q8 says the
// weights are Q8_0 (else Q4_0, whose nibbles are 0..15: the caller's s8 term re-centres).
template <bool q8>
PLINTH_AVX512_INLINE float tail_blocks(const uint8_t *w, int64_t b0, int64_t nb, const QActs &x,
                                       int64_t m) {
  float s = 0.0f;
  for (int64_t b = b0; b < nb; ++b) {
    const int64_t xb = m * x.blocks_per_row + b;
    const int8_t *xq = x.q + xb * kQBlock;
    int32_t isum = 0;
    if constexpr (q8) {
      const uint8_t *blk = w + static_cast<size_t>(b) * kQ8BlockBytes;
      const auto *wq = reinterpret_cast<const int8_t *>(blk + 2);
      for (int64_t i = 0; i < kQBlock; ++i)
        isum += wq[i] * xq[i];
      s += static_cast<float>(isum) * (f16_scale(blk) * x.d[xb]);
    } else {
      const uint8_t *blk = w + static_cast<size_t>(b) * kQ4BlockBytes;
      for (int64_t i = 0; i < kQBlock / 2; ++i)
        isum += (blk[2 + i] & 15) * xq[i] + (blk[2 + i] >> 4) * xq[i + kQBlock / 2];
      s += f16_scale(blk) * (x.d[xb] * static_cast<float>(isum) - x.s8[xb]);
    }
  }
  return s;
}

// Q8_0: one weight row (grouped, quant_layout.hpp) against M activation rows, two blocks
// (64 weights) per step. A group of 8 blocks is 16 bytes of f16 scales (one load, one
// conversion) then the 8 blocks' quants, so each block pair is one 64-byte load. vpdpbusd
// multiplies unsigned by signed bytes: it takes the activations as x + 128 (x ^ 0x80; x is
// in [-127, 127]) and the weights as they are, and starts from -128 * (sum of the weights),
// one more vpdpbusd shared by all M rows (~17% faster than |w| against x negated where
// w < 0; the integer sums are the same).
template <int M>
PLINTH_AVX512_INLINE void row_dot_q8(const uint8_t *w, int64_t nb, const QActs &x, float *y,
                                     int64_t ldy) {
  constexpr size_t kB = kQ8BlockBytes;
  __m512 acc[M][2];
  for (int m = 0; m < M; ++m)
    acc[m][0] = acc[m][1] = _mm512_setzero_ps();
  const __m512i zero = _mm512_setzero_si512(), flip = _mm512_set1_epi8(-128);
  const int64_t full = nb / kGroup * kGroup;
  for (int64_t b = 0; b < full; b += kGroup) {
    const uint8_t *g = w + static_cast<size_t>(b) * kB;
    prefetch_ahead<kGroup * kB>(g);
    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(g)));
    __m256 sc[M];
    for (int m = 0; m < M; ++m)
      sc[m] = _mm256_mul_ps(dw, _mm256_loadu_ps(x.d + m * x.blocks_per_row + b));
#pragma GCC unroll 4
    for (int p = 0; p < kGroup / 2; ++p) {
      __m512i wv = _mm512_loadu_si512(g + kQGroupScales + 2 * p * kQ8Payload);
      in_register(wv);
      const __m512i minus_128_sum_w = _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, flip, wv));
      // Lanes 0..7 belong to block 2p, lanes 8..15 to block 2p + 1.
      const __m512i idx = _mm512_set_epi32(2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1,
                                           2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p, 2 * p, 2 * p,
                                           2 * p, 2 * p, 2 * p, 2 * p, 2 * p);
      for (int m = 0; m < M; ++m) {
        const __m512i xv = _mm512_loadu_si512(x.q + (m * x.blocks_per_row + b + 2 * p) * kQBlock);
        const __m512i isum = _mm512_dpbusd_epi32(minus_128_sum_w, _mm512_xor_si512(xv, flip), wv);
        acc[m][p & 1] =
            _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), spread(sc[m], idx), acc[m][p & 1]);
      }
    }
  }
  for (int m = 0; m < M; ++m)
    y[m * ldy] = hsum(_mm512_add_ps(acc[m][0], acc[m][1])) + tail_blocks<true>(w, full, nb, x, m);
}

// Q4_0: one weight row (grouped, quant_layout.hpp) against M activation rows, four blocks
// (128 weights) per step. A group of 8 blocks is 16 bytes of f16 scales (one load, one
// conversion) then 8 x 16 nibble bytes: one 64-byte load holds blocks j..j+3, one per 128-bit
// lane. Masking gives the low nibbles (elements 0..15 of each block), shift-and-mask the high
// ones (16..31); the activations come in the matching order (QActs::qp, quad_q4_acts), so two
// vpdpbusd leave block j + i's sum in lanes 4i..4i+3. Nibbles are 0..15: dw * s8 re-centres
// them once per group.
template <int M>
PLINTH_AVX512_INLINE void row_dot_q4(const uint8_t *w, int64_t nb, const QActs &x, float *y,
                                     int64_t ldy) {
  constexpr size_t kB = kQ4BlockBytes;
  __m512 acc[M][2];
  __m256 corr[M];
  for (int m = 0; m < M; ++m) {
    acc[m][0] = acc[m][1] = _mm512_setzero_ps();
    corr[m] = _mm256_setzero_ps();
  }
  const __m512i low4 = _mm512_set1_epi8(0x0f), zero = _mm512_setzero_si512();
  const int64_t full = nb / kGroup * kGroup;
  for (int64_t b = 0; b < full; b += kGroup) {
    const uint8_t *g = w + static_cast<size_t>(b) * kB;
    prefetch_ahead<kGroup * kB>(g);
    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(g)));
    __m512i raw[2] = {_mm512_loadu_si512(g + kQGroupScales),
                      _mm512_loadu_si512(g + kQGroupScales + 4 * kQ4Payload)};
    in_register(raw[0], raw[1]);
    __m256 sc[M];
    for (int m = 0; m < M; ++m) {
      const int64_t xb = m * x.blocks_per_row + b;
      sc[m] = _mm256_mul_ps(dw, _mm256_loadu_ps(x.d + xb));
      corr[m] = _mm256_fmadd_ps(dw, _mm256_loadu_ps(x.s8 + xb), corr[m]);
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m512i lo = _mm512_and_si512(raw[h], low4);
      const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(raw[h], 4), low4);
      const __m512i idx = _mm512_set_epi32(4 * h + 3, 4 * h + 3, 4 * h + 3, 4 * h + 3, 4 * h + 2,
                                           4 * h + 2, 4 * h + 2, 4 * h + 2, 4 * h + 1, 4 * h + 1,
                                           4 * h + 1, 4 * h + 1, 4 * h, 4 * h, 4 * h, 4 * h);
      for (int m = 0; m < M; ++m) {
        const int8_t *xq = x.qp + (m * x.blocks_per_row + b + 4 * h) * kQBlock;
        __m512i isum = _mm512_dpbusd_epi32(zero, lo, _mm512_loadu_si512(xq));
        isum = _mm512_dpbusd_epi32(isum, hi, _mm512_loadu_si512(xq + 64));
        acc[m][h] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), spread(sc[m], idx), acc[m][h]);
      }
    }
  }
  for (int m = 0; m < M; ++m) {
    const __m256 c = corr[m];
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
    s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    s4 = _mm_add_ss(s4, _mm_movehdup_ps(s4));
    y[m * ldy] = hsum(_mm512_add_ps(acc[m][0], acc[m][1])) - _mm_cvtss_f32(s4) +
                 tail_blocks<false>(w, full, nb, x, m);
  }
}

template <int M, bool q8>
PLINTH_AVX512 void rows_m(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, float *y,
                          int64_t ldy) {
  const int64_t nb = K / kQBlock;
  const size_t rb = static_cast<size_t>(nb) * (q8 ? kQ8BlockBytes : kQ4BlockBytes);
  for (int64_t r = 0; r < rows; ++r) {
    if constexpr (q8)
      row_dot_q8<M>(w + r * rb, nb, x, y + r, ldy);
    else
      row_dot_q4<M>(w + r * rb, nb, x, y + r, ldy);
  }
}

template <bool q8>
void gemv(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
          int64_t ldy) {
  for_act_rows(M, [&](auto m) { rows_m<decltype(m)::value, q8>(w, rows, K, x, y, ldy); });
}

} // namespace

void quantize_acts(const float *x, int64_t K, int64_t m, const QActs &acts) {
  avx2::quantize_act_blocks(x, K, m, acts);
  quad_q4_acts(acts, m);
}

void gemv_q8_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  gemv<true>(w, rows, K, x, M, y, ldy);
}

void gemv_q4_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  gemv<false>(w, rows, K, x, M, y, ldy);
}

} // namespace plinth::cpu::avx512

#endif
