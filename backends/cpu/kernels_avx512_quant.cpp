// AVX-512 kernels for Q8_0 / Q4_0 weights. As in the AVX2 set, activations are quantized to
// 8-bit blocks once and every block pair is an integer dot product, but VNNI's vpdpbusd
// multiplies unsigned by signed bytes and sums groups of four straight into 32-bit lanes
// (AVX2 needs maddubs + madd), and a 512-bit register holds two Q8_0 blocks or the nibbles of
// four Q4_0 blocks. Per weight byte that is about half the instructions of the AVX2 loops,
// which on one core were slower than the memory stream (Q8 ~39 GB/s, Q4 ~32 GB/s from L2).
#include "avx512_common.hpp"
#include "kernels_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)

#include <cstring>
#include <utility>

namespace plinth::cpu::avx512 {
namespace {

constexpr int kGroup = 8; // blocks whose f16 scales are converted together

PLINTH_AVX512_INLINE float f16_scale(const uint8_t *block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return _cvtsh_ss(h);
}

// Lanes i of `sc` (8 floats) spread over 16 lanes: idx picks which scale each lane gets.
PLINTH_AVX512_INLINE __m512 spread(__m256 sc, __m512i idx) {
  return _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(sc));
}

// Sum of the last blocks (after the whole groups of 8), one block at a time; q8 says the
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

// Byte indices for vpermt2b over a 128-byte window: the 32 quants of two consecutive Q8_0
// blocks that start `first` bytes into it (skipping each block's 2-byte scale).
constexpr int8_t q8_pair_byte(int first, int i) {
  return static_cast<int8_t>(first + (i / 32) * static_cast<int>(kQ8BlockBytes) + 2 + i % 32);
}
template <int first, size_t... I>
PLINTH_AVX512_INLINE __m512i q8_pair_index(std::index_sequence<I...>) {
  return _mm512_set_epi8(q8_pair_byte(first, 63 - static_cast<int>(I))...);
}

// Q8_0: one weight row against M activation rows, two blocks (64 weights) per step. A group
// of 8 blocks is 272 bytes: four 64-byte loads and a masked 16-byte one, from which byte
// permutes (VBMI) pick the 8 f16 scales and each block pair's 64 quants (blocks 2p, 2p + 1
// lie within loads p and p + 1) — 5 loads instead of 8 half-vector loads, 4 inserts and 8
// 16-bit inserts for the scales. vpdpbusd multiplies unsigned by signed bytes: it takes the
// activations as x + 128 (x ^ 0x80; x is in [-127, 127]) and the weights as they are, and
// starts from -128 * (sum of the weights), one more vpdpbusd shared by all M rows. Together
// ~17% faster than taking |w| and negating x where w < 0; the integer sums are the same.
template <int M>
PLINTH_AVX512_INLINE void row_dot_q8(const uint8_t *w, int64_t nb, const QActs &x, float *y,
                                     int64_t ldy) {
  constexpr size_t kB = kQ8BlockBytes;
  __m512 acc[M][2];
  for (int m = 0; m < M; ++m)
    acc[m][0] = acc[m][1] = _mm512_setzero_ps();
  const __m512i zero = _mm512_setzero_si512();
  static_assert(kGroup * kB == 272, "the permutes below assume 8 blocks of 34 bytes");
  // Pair p starts at byte 68p, 4p bytes into load p.
  const __m512i pidx[4] = {q8_pair_index<0>(std::make_index_sequence<64>{}),
                           q8_pair_index<4>(std::make_index_sequence<64>{}),
                           q8_pair_index<8>(std::make_index_sequence<64>{}),
                           q8_pair_index<12>(std::make_index_sequence<64>{})};
  // Scales of blocks 0..3 (bytes 34j, 34j + 1) from loads 0-1, of blocks 4..7 from loads 2-3.
  const __m128i sidx_lo = _mm_setr_epi8(0, 1, 34, 35, 68, 69, 102, 103, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128i sidx_hi = _mm_setr_epi8(8, 9, 42, 43, 76, 77, 110, 111, 0, 0, 0, 0, 0, 0, 0, 0);
  const int64_t full = nb / kGroup * kGroup;
  for (int64_t b = 0; b < full; b += kGroup) {
    const uint8_t *g = w + static_cast<size_t>(b) * kB;
    prefetch_ahead<kGroup * kB>(g);
    __m512i v[5] = {_mm512_loadu_si512(g), _mm512_loadu_si512(g + 64), _mm512_loadu_si512(g + 128),
                    _mm512_loadu_si512(g + 192), _mm512_maskz_loadu_epi8(0xffff, g + 256)};
    in_register(v[0], v[1], v[2], v[3]);
    in_register(v[4]);
    const __m128i s_lo = _mm512_castsi512_si128(
        _mm512_permutex2var_epi8(v[0], _mm512_castsi128_si512(sidx_lo), v[1]));
    const __m128i s_hi = _mm512_castsi512_si128(
        _mm512_permutex2var_epi8(v[2], _mm512_castsi128_si512(sidx_hi), v[3]));
    const __m256 dw = _mm256_cvtph_ps(_mm_unpacklo_epi64(s_lo, s_hi));
    __m256 sc[M];
    for (int m = 0; m < M; ++m)
      sc[m] = _mm256_mul_ps(dw, _mm256_loadu_ps(x.d + m * x.blocks_per_row + b));
#pragma GCC unroll 4
    for (int p = 0; p < kGroup / 2; ++p) {
      __m512i wv = _mm512_permutex2var_epi8(v[p], pidx[p], v[p + 1]);
      in_register(wv);
      const __m512i minus_128_sum_w =
          _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, _mm512_set1_epi8(-128), wv));
      const __m512i idx = _mm512_set_epi32(2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p + 1,
                                           2 * p + 1, 2 * p + 1, 2 * p + 1, 2 * p, 2 * p, 2 * p,
                                           2 * p, 2 * p, 2 * p, 2 * p, 2 * p);
      for (int m = 0; m < M; ++m) {
        const __m512i xv = _mm512_loadu_si512(x.q + (m * x.blocks_per_row + b + 2 * p) * kQBlock);
        const __m512i xu = _mm512_xor_si512(xv, _mm512_set1_epi8(-128));
        const __m512i isum = _mm512_dpbusd_epi32(minus_128_sum_w, xu, wv);
        acc[m][p & 1] =
            _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), spread(sc[m], idx), acc[m][p & 1]);
      }
    }
  }
  for (int m = 0; m < M; ++m)
    y[m * ldy] = hsum(_mm512_add_ps(acc[m][0], acc[m][1])) + tail_blocks<true>(w, full, nb, x, m);
}

// Byte indices for vpermt2b over a 128-byte window: the 16 nibble bytes of the four Q4_0
// blocks that start `first` bytes into it, one block per 128-bit lane.
constexpr int8_t q4_lane_byte(int first, int i) {
  return static_cast<int8_t>(first + (i / 16) * kQ4BlockBytes + 2 + i % 16);
}
template <int first, size_t... I>
PLINTH_AVX512_INLINE __m512i q4_nibble_index(std::index_sequence<I...>) {
  return _mm512_set_epi8(q4_lane_byte(first, 63 - static_cast<int>(I))...);
}

// Q4_0: one weight row against M activation rows, four blocks (128 weights) per step. A
// group of 8 blocks is 144 bytes: three 64-byte loads (the last masked, so nothing past the
// row is touched), from which byte permutes (VBMI) pick the 8 f16 scales and the 16 nibble
// bytes of blocks j..j+3 into the four 128-bit lanes of one register. Masking gives the low
// nibbles (elements 0..15 of each block), shift-and-mask the high ones (16..31); the
// activations come in the matching order (QActs::qp, quad_q4_acts), so two vpdpbusd leave
// block j + i's sum in lanes 4i..4i+3. Nibbles are 0..15: dw * s8 re-centres them once per
// group.
template <int M>
PLINTH_AVX512_INLINE void row_dot_q4(const uint8_t *w, int64_t nb, const QActs &x, float *y,
                                     int64_t ldy) {
  constexpr size_t kB = kQ4BlockBytes;
  static_assert(kGroup * kB == 144, "the permutes below assume 8 blocks of 18 bytes");
  __m512 acc[M][2];
  __m256 corr[M];
  for (int m = 0; m < M; ++m) {
    acc[m][0] = acc[m][1] = _mm512_setzero_ps();
    corr[m] = _mm256_setzero_ps();
  }
  const __m512i low4 = _mm512_set1_epi8(0x0f), zero = _mm512_setzero_si512();
  // Scales of blocks 0..7 (bytes 18j, 18j + 1), from the first 128 bytes.
  const __m128i scale_idx =
      _mm_setr_epi8(0, 1, 18, 19, 36, 37, 54, 55, 72, 73, 90, 91, 108, 109, 126, 127);
  // Blocks 0..3 from bytes [0, 128); blocks 4..7 (from byte 72) out of bytes [64, 192).
  const __m512i nib_idx[2] = {q4_nibble_index<0>(std::make_index_sequence<64>{}),
                              q4_nibble_index<72 - 64>(std::make_index_sequence<64>{})};
  const int64_t full = nb / kGroup * kGroup;
  for (int64_t b = 0; b < full; b += kGroup) {
    const uint8_t *g = w + static_cast<size_t>(b) * kB;
    prefetch_ahead<kGroup * kB>(g);
    __m512i v0 = _mm512_loadu_si512(g), v1 = _mm512_loadu_si512(g + 64);
    __m512i v2 = _mm512_maskz_loadu_epi8(0xffff, g + 128);
    in_register(v0, v1, v2);
    const __m256 dw = _mm256_cvtph_ps(_mm512_castsi512_si128(
        _mm512_permutex2var_epi8(v0, _mm512_castsi128_si512(scale_idx), v1)));
    __m512i raw[2] = {_mm512_permutex2var_epi8(v0, nib_idx[0], v1),
                      _mm512_permutex2var_epi8(v1, nib_idx[1], v2)};
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
  switch (M) {
  case 1: rows_m<1, q8>(w, rows, K, x, y, ldy); break;
  case 2: rows_m<2, q8>(w, rows, K, x, y, ldy); break;
  case 3: rows_m<3, q8>(w, rows, K, x, y, ldy); break;
  default: rows_m<4, q8>(w, rows, K, x, y, ldy); break;
  }
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
