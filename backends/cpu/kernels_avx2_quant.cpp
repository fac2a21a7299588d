// AVX2 kernels for Q8_0 / Q4_0 weights. Decoding quantizes the activation row to 8-bit blocks
// once, then every (weight block, activation block) pair is an integer dot product:
// maddubs multiplies unsigned by signed bytes into 16-bit pair sums, madd widens them to
// 32 bits, and one FMA per block applies both scales. Integer work per weight byte is what
// bounds these loops, so each step is kept to a handful of instructions.
#include "avx2_common.hpp"
#include "kernels_impl.hpp"
#include "quant_layout.hpp"

#if defined(__x86_64__) || defined(__i386__)

#include <cstring>
#include <type_traits>

namespace plinth::cpu::avx2 {
namespace {

// The 32-bit pair sums of one block's integer dot product with 32 activation bytes.
struct Q8 {
  static constexpr size_t kBytes = kQ8BlockBytes, kPayload = kQ8Payload;
  static constexpr bool kCentered = true;
  // maddubs needs one unsigned operand: |w| times x carrying w's sign (x is never -128).
  static PLINTH_AVX2_INLINE __m256i dot(const uint8_t *payload, const int8_t *xq) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(payload));
    const __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i *>(xq));
    const __m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(x, w));
    return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
  }
};

struct Q4 {
  static constexpr size_t kBytes = kQ4BlockBytes, kPayload = kQ4Payload;
  static constexpr bool kCentered = false; // nibbles are 0..15; the caller subtracts 8 * x
  // Both halves of the 16 bytes at once: the high 128-bit lane shifts right by 4, so after
  // masking it holds the high nibbles (elements 16..31) and the low lane the low ones.
  static PLINTH_AVX2_INLINE __m256i dot(const uint8_t *payload, const int8_t *xq) {
    const __m256i raw =
        _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i *>(payload)));
    const __m256i nib = _mm256_and_si256(
        _mm256_srlv_epi32(raw, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)), _mm256_set1_epi8(0x0f));
    const __m256i x = _mm256_load_si256(reinterpret_cast<const __m256i *>(xq));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(nib, x), _mm256_set1_epi16(1));
  }
};

constexpr int kGroup = 8; // blocks whose scales are converted together

// One weight row (grouped, quant_layout.hpp) against M activation rows. The row is read front
// to back (one sequential stream, which the hardware prefetcher follows best); a group's 8 f16
// scales are one 16-byte load and one conversion (the last nb % 8 blocks: scalar loads).
template <class Q, int M>
PLINTH_AVX2 void row_dot(const uint8_t *w, int64_t nb, const QActs &x, float *y, int64_t ldy) {
  constexpr int U = M == 1 ? 2 : 1; // accumulators per activation row: hides FMA latency
  __m256 acc[M][U], corr[M];
  for (int m = 0; m < M; ++m) {
    for (int u = 0; u < U; ++u)
      acc[m][u] = _mm256_setzero_ps();
    corr[m] = _mm256_setzero_ps();
  }
  // Scales dw * dx of blocks [b, b + g) for every activation row into sc; for Q4 also the
  // centering term of those blocks.
  alignas(32) float sc[M][kGroup];
  auto scales = [&](int64_t b, int g) PLINTH_AVX2_LAMBDA {
    const uint8_t *grp = w + static_cast<size_t>(b) * Q::kBytes;
    __m128i h16;
    if (g == kGroup) {
      h16 = _mm_loadu_si128(reinterpret_cast<const __m128i *>(grp));
    } else { // the row's last blocks, in the ABI layout
      alignas(16) uint16_t h[kGroup] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (int j = 0; j < g; ++j)
        std::memcpy(&h[j], grp + static_cast<size_t>(j) * Q::kBytes, 2);
      h16 = _mm_load_si128(reinterpret_cast<const __m128i *>(h));
    }
    const __m256 dw = _mm256_cvtph_ps(h16);
    const __m256i live =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(g), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    for (int m = 0; m < M; ++m) {
      const int64_t xb = m * x.blocks_per_row + b;
      _mm256_store_ps(sc[m], _mm256_mul_ps(dw, _mm256_maskload_ps(x.d + xb, live)));
      if constexpr (!Q::kCentered)
        corr[m] = _mm256_fmadd_ps(dw, _mm256_maskload_ps(x.s8 + xb, live), corr[m]);
    }
  };
  // Block j of the group at b: in a whole group its payload follows the scales.
  auto block = [&](int64_t b, int j, bool whole, __m256 *a) PLINTH_AVX2_LAMBDA {
    const uint8_t *grp = w + static_cast<size_t>(b) * Q::kBytes;
    const uint8_t *pay = whole ? grp + kQGroupScales + static_cast<size_t>(j) * Q::kPayload
                               : grp + static_cast<size_t>(j) * Q::kBytes + 2;
    for (int m = 0; m < M; ++m) {
      const __m256i isum = Q::dot(pay, x.q + (m * x.blocks_per_row + b + j) * kQBlock);
      a[m * U] =
          _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_broadcast_ss(&sc[m][j]), a[m * U]);
    }
  };
  int64_t b = 0;
  for (; b + kGroup <= nb; b += kGroup) {
    scales(b, kGroup);
    // Fully unrolled, so the accumulators stay in registers.
#pragma GCC unroll 8
    for (int j = 0; j < kGroup; ++j)
      block(b, j, true, &acc[0][j % U]);
  }
  if (b < nb) {
    const int g = static_cast<int>(nb - b);
    scales(b, g);
    for (int j = 0; j < g; ++j)
      block(b, j, false, &acc[0][0]);
  }
  for (int m = 0; m < M; ++m) {
    __m256 a = acc[m][0];
    for (int u = 1; u < U; ++u)
      a = _mm256_add_ps(a, acc[m][u]);
    if constexpr (!Q::kCentered) a = _mm256_sub_ps(a, corr[m]);
    y[m * ldy] = hsum(a);
  }
}

// Q4_0 over whole groups of 8 blocks (grouped rows: 16 bytes of scales, then 16 nibble bytes
// per block), two blocks per step: the nibble bytes of blocks j and j + 4 fill the two lanes
// of one register, so one and / shift / and unpacks 64 values, and
// both maddubs results (pair sums |v| <= 3810) add in 16 bits before one madd. The lane-wise
// sums then belong to block j (low lane) and j + 4 (high lane), whose scales one in-lane
// permute of the group's scale vector provides. The activations come pre-ordered (QActs::qp).
template <int M>
PLINTH_AVX2 void row_dot_q4(const uint8_t *w, int64_t nb, const QActs &x, float *y, int64_t ldy) {
  constexpr size_t kB = kQ4BlockBytes;
  __m256 acc[M][2], corr[M];
  for (int m = 0; m < M; ++m) {
    acc[m][0] = acc[m][1] = _mm256_setzero_ps();
    corr[m] = _mm256_setzero_ps();
  }
  const __m256i low4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
  auto pair = [&](const uint8_t *g, const __m256 *sc, const int8_t *const *xq,
                  auto jc) PLINTH_AVX2_LAMBDA {
    constexpr int j = decltype(jc)::value;
    const uint8_t *nib = g + kQGroupScales; // 16 bytes per block
    const __m256i raw = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i *>(nib + 16 * j))),
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(nib + 16 * (j + 4))), 1);
    const __m256i lo = _mm256_and_si256(raw, low4);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);
    for (int m = 0; m < M; ++m) {
      const __m256i *xp = reinterpret_cast<const __m256i *>(xq[m] + j * 64);
      const __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_load_si256(xp)),
                                         _mm256_maddubs_epi16(hi, _mm256_load_si256(xp + 1)));
      const __m256 f = _mm256_cvtepi32_ps(_mm256_madd_epi16(p, ones));
      acc[m][j & 1] = _mm256_fmadd_ps(f, _mm256_permute_ps(sc[m], j * 0x55), acc[m][j & 1]);
    }
  };
  const int64_t full = nb / kQ4PairGroup * kQ4PairGroup;
  for (int64_t b = 0; b < full; b += kQ4PairGroup) {
    const uint8_t *g = w + static_cast<size_t>(b) * kB;
    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(g)));
    __m256 sc[M];
    const int8_t *xq[M];
    for (int m = 0; m < M; ++m) {
      const int64_t xb = m * x.blocks_per_row + b;
      sc[m] = _mm256_mul_ps(dw, _mm256_loadu_ps(x.d + xb));
      corr[m] = _mm256_fmadd_ps(dw, _mm256_loadu_ps(x.s8 + xb), corr[m]);
      xq[m] = x.qp + xb * kQBlock;
    }
    pair(g, sc, xq, std::integral_constant<int, 0>{});
    pair(g, sc, xq, std::integral_constant<int, 1>{});
    pair(g, sc, xq, std::integral_constant<int, 2>{});
    pair(g, sc, xq, std::integral_constant<int, 3>{});
  }
  float tail[M] = {};
  if (full < nb) {
    // The last blocks, one at a time with plain scalar scales.
    for (int64_t b = full; b < nb; ++b) {
      const uint8_t *blk = w + static_cast<size_t>(b) * kB;
      const float dw = f16_scale(blk);
      for (int m = 0; m < M; ++m) {
        const int64_t xb = m * x.blocks_per_row + b;
        const __m256i isum = Q4::dot(blk + 2, x.q + xb * kQBlock);
        tail[m] += dw * (x.d[xb] * hsum(_mm256_cvtepi32_ps(isum)) - x.s8[xb]);
      }
    }
  }
  for (int m = 0; m < M; ++m)
    y[m * ldy] = hsum(_mm256_sub_ps(_mm256_add_ps(acc[m][0], acc[m][1]), corr[m])) + tail[m];
}

template <int M>
void rows_m_q4(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, float *y, int64_t ldy) {
  const int64_t nb = K / kQBlock;
  const size_t rb = static_cast<size_t>(nb) * kQ4BlockBytes;
  for (int64_t r = 0; r < rows; ++r)
    row_dot_q4<M>(w + r * rb, nb, x, y + r, ldy);
}

template <class Q, int M>
void rows_m(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, float *y, int64_t ldy) {
  const int64_t nb = K / kQBlock;
  const size_t rb = static_cast<size_t>(nb) * Q::kBytes;
  for (int64_t r = 0; r < rows; ++r)
    row_dot<Q, M>(w + r * rb, nb, x, y + r, ldy);
}

template <class Q>
void gemv(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
          int64_t ldy) {
  for_act_rows(M, [&](auto m) { rows_m<Q, decltype(m)::value>(w, rows, K, x, y, ldy); });
}

} // namespace

PLINTH_AVX2 void quantize_act_blocks(const float *x, int64_t K, int64_t m, const QActs &acts) {
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
    // Exact integer sum of the 32 values (same result as the portable kernel).
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_set1_epi8(1), bytes);
    const __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(quads), _mm256_extracti128_si256(quads, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    const float d = am / 127.0f;
    acts.d[blk] = d;
    acts.s8[blk] = 8.0f * d * static_cast<float>(_mm_cvtsi128_si32(s4));
  }
}

void quantize_acts(const float *x, int64_t K, int64_t m, const QActs &acts) {
  quantize_act_blocks(x, K, m, acts);
  pair_q4_acts(acts, m);
}

void gemv_q8_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  gemv<Q8>(w, rows, K, x, M, y, ldy);
}

void gemv_q4_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  for_act_rows(M, [&](auto m) { rows_m_q4<decltype(m)::value>(w, rows, K, x, y, ldy); });
}

PLINTH_AVX2 void q8_0_to_f32(const uint8_t *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kQBlock; ++b) {
    const uint8_t *blk = src + b * kQ8BlockBytes;
    q8_block_to_f32(blk, blk + 2, dst + b * kQBlock);
  }
}

PLINTH_AVX2 void q4_0_to_f32(const uint8_t *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kQBlock; ++b) {
    const uint8_t *blk = src + b * kQ4BlockBytes;
    q4_block_to_f32(blk, blk + 2, dst + b * kQBlock);
  }
}

} // namespace plinth::cpu::avx2

#endif
