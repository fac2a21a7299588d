// The GEMM microkernel (gemm.hpp), written once over a vector type. Included by
// gemm_kernels_avx2.cpp and gemm_kernels_avx512.cpp, each after defining PLINTH_GEMM_TARGET
// (the function attribute of its instruction set) and its vector traits: everything here
// has internal linkage, so each file gets its own copy compiled for its instruction set.
//
// Traits V: `reg`, kLanes, zero(), load(p) (aligned), set1(v), fmadd(a, b, c) = a * b + c
// rounded once, store(p, r) (aligned).
#include "gemm.hpp"
#include "quant_layout.hpp"

#include <algorithm>

namespace plinth::cpu {
namespace {

// The side work's converter when a kernel only prefetches.
struct NoConvert {
  static constexpr int kElems = 32, kBytes = 0;
  static constexpr bool kQuantized = false;
  static void unit(const uint8_t *, float *) {}
};

// Converts unit `col` of a weight row of `row_units` units. Float dtypes are plain arrays;
// the block formats keep grouped rows (quant_layout.hpp), where a block's scale and payload
// lie apart.
template <class Cvt>
PLINTH_GEMM_INLINE void convert_unit(const uint8_t *row, int64_t col, int64_t row_units, float *d) {
  if constexpr (Cvt::kQuantized) {
    const QBlockRef b = q_block(row, col, row_units, Cvt::kBytes);
    Cvt::unit(b.scale, b.payload, d);
  } else {
    Cvt::unit(row + col * Cvt::kBytes, d);
  }
}

// MV vectors of activation rows x NR weight rows; see GemmKernel. Cvt converts one unit of
// the side work: kElems values from kBytes bytes.
template <class V, int MV, int NR, class Cvt>
PLINTH_GEMM_TARGET void microkernel(const float *xp, const float *wp, int64_t ldw, int64_t kc,
                                    float *c, int64_t ldc, bool first, GemmSideWork &side) {
  constexpr int L = V::kLanes;
  typename V::reg acc[MV][NR];
#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 4
    for (int v = 0; v < MV; ++v)
      acc[v][j] = first ? V::zero() : V::load(c + j * ldc + L * v);

  // The side work goes between segments of the k loop, a little after each, so that its
  // loads and stores overlap with the FMAs and its prefetches never pile up (a burst of
  // them stalls once the miss queue is full).
  const int64_t segments =
      std::clamp<int64_t>(std::max(side.units, side.pf_lines), 1, std::max<int64_t>(1, kc / 2));
  // Segment s gets len (+1 for the first len_extra ones) k steps, units (+1) conversion
  // units and lines (+1) prefetches.
  const int64_t len = kc / segments, len_extra = kc % segments;
  const int64_t units = side.units / segments, units_extra = side.units % segments;
  const int64_t lines = side.pf_lines / segments, lines_extra = side.pf_lines % segments;
  const uint8_t *src = side.src;
  float *dst = side.dst;
  int64_t col = side.col;
  const char *pf = side.pf;
  for (int64_t s = 0, k = 0; s < segments; ++s) {
    // Nothing but loads and FMAs, so that the registers hold every accumulator.
    for (const int64_t k_end = k + len + (s < len_extra ? 1 : 0); k < k_end; ++k) {
      typename V::reg a[MV];
#pragma GCC unroll 4
      for (int v = 0; v < MV; ++v)
        a[v] = V::load(xp + k * (L * MV) + L * v);
#pragma GCC unroll 16
      for (int j = 0; j < NR; ++j) {
        const typename V::reg b = V::set1(wp[j * ldw + k]);
#pragma GCC unroll 4
        for (int v = 0; v < MV; ++v)
          acc[v][j] = V::fmadd(a[v], b, acc[v][j]);
      }
    }
    for (int64_t u = units + (s < units_extra ? 1 : 0); u > 0; --u) {
      convert_unit<Cvt>(src, col, side.row_units, dst);
      dst += Cvt::kElems;
      if (++col == side.row_units) {
        col = 0;
        src += side.row_units * Cvt::kBytes;
        dst += side.dst_skip;
      }
    }
    for (int64_t l = lines + (s < lines_extra ? 1 : 0); l > 0; --l, pf += 64)
      __builtin_prefetch(pf, 0, 2);
  }
  side.units = 0;
  side.pf_lines = 0;
  side.pf = pf;
  side.src = src;
  side.dst = dst;
  side.col = col;

#pragma GCC unroll 16
  for (int j = 0; j < NR; ++j)
#pragma GCC unroll 4
    for (int v = 0; v < MV; ++v)
      V::store(c + j * ldc + L * v, acc[v][j]);
}

} // namespace
} // namespace plinth::cpu
