// Shared by the AVX-512 kernel files: the target attribute. Everything here is only reached
// after the runtime CPU check in avx512_kernels().
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

// GCC 12's AVX-512 intrinsics start from self-initialised "undefined" vectors, which
// -W(maybe-)uninitialized reports at every inlined call: a known false positive. Only files
// that include this header (the AVX-512 kernels) are affected.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// F, BW, VL and DQ, plus VNNI (vpdpbusd) and VBMI (byte permutes) for the quantized kernels
// (Ice Lake, Zen 4 and later); the AVX2 flags let these functions inline the AVX2 helpers.
#define PLINTH_AVX512_TARGET                                                                       \
  "avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,avx2,fma,f16c"
#define PLINTH_AVX512 __attribute__((target(PLINTH_AVX512_TARGET)))
#define PLINTH_AVX512_INLINE __attribute__((target(PLINTH_AVX512_TARGET), always_inline)) inline
#define PLINTH_AVX512_LAMBDA __attribute__((target(PLINTH_AVX512_TARGET), always_inline))

namespace plinth::cpu::avx512 {

// How far ahead of the weights being read the kernels prefetch: two 4 KiB pages. The hardware
// prefetcher stops at each 4 KiB page boundary, so without a hint every page (one f16 row of
// 2048 values) starts with demand misses (measured on Zen 5 with two threads streaming f16 rows
// from a 4 KiB page cache: ~60 -> ~67 GB/s with one page of lead). The lead must cover the
// memory latency at the rate one core streams: ~40 GB/s x 100-150 ns is 4-6 KB, so one page was
// short when the machine reads ~80 GB/s; two pages measured better there for Q8_0 (82-96% ->
// 91-105% of read bandwidth) and no worse for f16 and Q4_0.
constexpr size_t kPrefetchAhead = 8192;

// Prefetches the cache lines of [p, p + bytes) shifted kPrefetchAhead ahead. Prefetches never
// fault, so reaching past the end of the weights is harmless.
template <size_t bytes> PLINTH_AVX512_INLINE void prefetch_ahead(const void *p) {
  const char *q = static_cast<const char *>(p) + kPrefetchAhead;
  for (size_t off = 0; off < bytes; off += 64)
    _mm_prefetch(q + off, _MM_HINT_NTA);
}

// Keeps vectors in registers: GCC otherwise folds a load into every instruction that uses it,
// so a weight vector used twice (a byte permute of two sources, the low and the high nibbles)
// is read from cache twice, and these loads are unaligned (18- and 34-byte blocks), so most
// of them straddle two cache lines. Measured on the Q4_0 kernel: 52 -> 62 GB/s from L2.
template <class V> PLINTH_AVX512_INLINE void in_register(V &v) { asm("" : "+v"(v)); }
template <class V, class... Rest> PLINTH_AVX512_INLINE void in_register(V &v, Rest &...rest) {
  in_register(v);
  in_register(rest...);
}

// Sum of the 16 lanes.
PLINTH_AVX512_INLINE float hsum(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

} // namespace plinth::cpu::avx512

#endif
