// AVX-512 matrix-vector products over f32 / f16 / bf16 weights for decoding. Same shape as
// the AVX2 kernels (one weight row walked front to back, converted once for every activation
// row), with 16-wide vectors: converting f16 is what bounds the AVX2 loop on one core
// (~54 GB/s from L2 on Zen 5, about the rate one core streams from memory), and one 512-bit
// vcvtph2ps converts twice as many values per instruction (~77 GB/s from L2), so the loop
// keeps up with memory. The K tail is a masked load, not a scalar loop. Each step prefetches
// the weights one page ahead (avx512_common.hpp).
#include "avx512_common.hpp"
#include "kernels_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)

namespace plinth::cpu::avx512 {
namespace {

struct LoadF32 {
  using T = float;
  static PLINTH_AVX512_INLINE __m512 load(const float *p) { return _mm512_loadu_ps(p); }
  static PLINTH_AVX512_INLINE __m512 load(const float *p, __mmask16 k) {
    return _mm512_maskz_loadu_ps(k, p);
  }
};
struct LoadF16 {
  using T = uint16_t;
  static PLINTH_AVX512_INLINE __m512 load(const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p)));
  }
  static PLINTH_AVX512_INLINE __m512 load(const uint16_t *p, __mmask16 k) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(k, p));
  }
};
struct LoadBF16 {
  using T = uint16_t;
  static PLINTH_AVX512_INLINE __m512 widen(__m256i h) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static PLINTH_AVX512_INLINE __m512 load(const uint16_t *p) {
    return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p)));
  }
  static PLINTH_AVX512_INLINE __m512 load(const uint16_t *p, __mmask16 k) {
    return widen(_mm256_maskz_loadu_epi16(k, p));
  }
};

// One weight row against M activation rows. U k-steps per iteration with separate
// accumulators hide the FMA latency (more than 4 measured slower: the conversion, not the
// FMA chain, is the limit).
template <class L, int M>
PLINTH_AVX512 void row_dot(const typename L::T *w, int64_t K, const float *x, float *y,
                           int64_t ldy) {
  constexpr int U = M == 1 ? 4 : 2;
  __m512 acc[U][M];
  for (int u = 0; u < U; ++u)
    for (int m = 0; m < M; ++m)
      acc[u][m] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 * U <= K; k += 16 * U) {
    prefetch_ahead<16 * U * sizeof(typename L::T)>(w + k);
    for (int u = 0; u < U; ++u) {
      const __m512 wv = L::load(w + k + 16 * u);
      for (int m = 0; m < M; ++m)
        acc[u][m] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + m * K + k + 16 * u), acc[u][m]);
    }
  }
  for (; k < K; k += 16) {
    const __mmask16 live = K - k >= 16 ? __mmask16(0xffff) : __mmask16((1u << (K - k)) - 1);
    const __m512 wv = L::load(w + k, live);
    for (int m = 0; m < M; ++m)
      acc[0][m] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(live, x + m * K + k), acc[0][m]);
  }
  for (int m = 0; m < M; ++m) {
    __m512 a = acc[0][m];
    for (int u = 1; u < U; ++u)
      a = _mm512_add_ps(a, acc[u][m]);
    y[m * ldy] = hsum(a);
  }
}

template <class L, int M>
void rows_m(const typename L::T *w, int64_t rows, int64_t K, const float *x, float *y,
            int64_t ldy) {
  for (int64_t r = 0; r < rows; ++r)
    row_dot<L, M>(w + r * K, K, x, y + r, ldy);
}

template <class L>
void gemv(const typename L::T *w, int64_t rows, int64_t K, const float *x, int64_t M, float *y,
          int64_t ldy) {
  for_act_rows(M, [&](auto m) { rows_m<L, decltype(m)::value>(w, rows, K, x, y, ldy); });
}

} // namespace

void gemv_f32(const float *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y,
              int64_t ldy) {
  gemv<LoadF32>(w, rows, K, x.x, M, y, ldy);
}
void gemv_f16(const uint16_t *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y,
              int64_t ldy) {
  gemv<LoadF16>(w, rows, K, x.x, M, y, ldy);
}
void gemv_bf16(const uint16_t *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y,
               int64_t ldy) {
  gemv<LoadBF16>(w, rows, K, x.x, M, y, ldy);
}

} // namespace plinth::cpu::avx512

#endif
