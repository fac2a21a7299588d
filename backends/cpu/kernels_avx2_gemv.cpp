// AVX2 matrix-vector products over f32 / f16 / bf16 weights for decoding. The weights are
// read exactly once; they stream from memory while x (a few KiB per row) stays in L1. One
// weight row is walked front to back at a time: interleaving several rows splits the stream
// into short pieces that the hardware prefetcher follows badly (measured 2x slower). Each
// weight vector is converted once and used for every activation row.
#include "avx2_common.hpp"
#include "half.hpp"
#include "kernels_impl.hpp"

#if defined(__x86_64__) || defined(__i386__)

namespace plinth::cpu::avx2 {
namespace {

struct LoadF32 {
  using T = float;
  static PLINTH_AVX2_INLINE __m256 load(const float *p) { return _mm256_loadu_ps(p); }
  static float one(float v) { return v; }
};
struct LoadF16 {
  using T = uint16_t;
  static PLINTH_AVX2_INLINE __m256 load(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
  }
  static float one(uint16_t v) { return half_to_float(v); }
};
struct LoadBF16 {
  using T = uint16_t;
  static PLINTH_AVX2_INLINE __m256 load(const uint16_t *p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static float one(uint16_t v) { return bf16_to_float(v); }
};

// R weight rows against M activation rows. U k-steps per iteration with separate
// accumulators hide the FMA latency.
template <class L, int R, int M>
PLINTH_AVX2 void rows_block(const typename L::T *w, int64_t K, const float *x, float *y,
                            int64_t ldy) {
  constexpr int U = R * M == 1 ? 4 : 2;
  __m256 acc[U][R][M];
  for (int u = 0; u < U; ++u)
    for (int r = 0; r < R; ++r)
      for (int m = 0; m < M; ++m)
        acc[u][r][m] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 * U <= K; k += 8 * U)
    for (int u = 0; u < U; ++u) {
      __m256 xv[M];
      for (int m = 0; m < M; ++m)
        xv[m] = _mm256_loadu_ps(x + m * K + k + 8 * u);
      for (int r = 0; r < R; ++r) {
        const __m256 wv = L::load(w + r * K + k + 8 * u);
        for (int m = 0; m < M; ++m)
          acc[u][r][m] = _mm256_fmadd_ps(wv, xv[m], acc[u][r][m]);
      }
    }
  for (; k + 8 <= K; k += 8) {
    for (int r = 0; r < R; ++r) {
      const __m256 wv = L::load(w + r * K + k);
      for (int m = 0; m < M; ++m)
        acc[0][r][m] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + m * K + k), acc[0][r][m]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < M; ++m) {
      __m256 a = acc[0][r][m];
      for (int u = 1; u < U; ++u)
        a = _mm256_add_ps(a, acc[u][r][m]);
      float s = hsum(a);
      for (int64_t t = k; t < K; ++t)
        s += L::one(w[r * K + t]) * x[m * K + t];
      y[m * ldy + r] = s;
    }
}

template <class L, int M>
void rows_m(const typename L::T *w, int64_t rows, int64_t K, const float *x, float *y,
            int64_t ldy) {
  for (int64_t r = 0; r < rows; ++r)
    rows_block<L, 1, M>(w + r * K, K, x, y + r, ldy);
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

} // namespace plinth::cpu::avx2

#endif
