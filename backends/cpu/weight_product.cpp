// Decoding (a few activation rows) reads every weight once, so it runs at the speed of the
// weight stream: the GEMV kernels convert each weight block once, in registers, and use it
// for every activation row; quantized weights meet activations quantized to 8 bits.
// Prompt processing is compute bound: weights are converted tile by tile into per-thread
// scratch that stays in L2, and each thread runs a single-threaded sgemm on its tile.
#include "weight_product.hpp"
#include "kernels.hpp"

#include <cblas.h>

#include <algorithm>

namespace plinth::cpu {
namespace {

// Up to this many activation rows the GEMV kernels win: the weights stream once from memory
// and again from L2 per group of kGemvMaxActs rows.
constexpr int64_t kGemvMaxRows = 8;
// Weight rows per GEMV step: small enough to stay in L2 between activation groups.
constexpr int64_t kGemvRowStep = 16;
// Bytes of one thread's converted f32 weight tile for the sgemm path: stays in L2 (2 MiB on
// the target machine) next to OpenBLAS' packed copies. Bigger tiles also amortise sgemm's
// packing of the activations, which every call repeats: 1 MiB measured best (256 KiB to
// 2 MiB tried, M = 64, K = 2048).
constexpr int64_t kTileBytes = int64_t{1} << 20;

size_t row_bytes(int32_t dtype, int64_t K) { return elems_bytes(dtype, K); }

// Runs the dtype's GEMV kernel on rows [r0, r1) for every activation row.
void gemv_rows(const Kernels &k, const void *w, int32_t wdtype, int64_t K, const float *x,
               const QActs &qa, int64_t M, int64_t r0, int64_t r1, float *y, int64_t ldy) {
  const size_t rb = row_bytes(wdtype, K);
  for (int64_t r = r0; r < r1; r += kGemvRowStep) {
    const int64_t rows = std::min(kGemvRowStep, r1 - r);
    const auto *wr = static_cast<const unsigned char *>(w) + static_cast<size_t>(r) * rb;
    for (int64_t m = 0; m < M; m += kGemvMaxActs) {
      const int64_t mc = std::min(kGemvMaxActs, M - m);
      float *yr = y + m * ldy + r;
      const F32Acts fx{x + m * K};
      switch (wdtype) {
      case PLINTH_DTYPE_F32:
        k.gemv_f32(reinterpret_cast<const float *>(wr), rows, K, fx, mc, yr, ldy);
        break;
      case PLINTH_DTYPE_F16:
        k.gemv_f16(reinterpret_cast<const uint16_t *>(wr), rows, K, fx, mc, yr, ldy);
        break;
      case PLINTH_DTYPE_BF16:
        k.gemv_bf16(reinterpret_cast<const uint16_t *>(wr), rows, K, fx, mc, yr, ldy);
        break;
      default: {
        const int64_t skip = m * qa.blocks_per_row;
        const QActs part{qa.q + skip * kQBlock, qa.d + skip, qa.s8 + skip, qa.blocks_per_row,
                         qa.qp + skip * kQBlock};
        if (wdtype == PLINTH_DTYPE_Q8_0)
          k.gemv_q8_0(wr, rows, K, part, mc, yr, ldy);
        else
          k.gemv_q4_0(wr, rows, K, part, mc, yr, ldy);
      }
      }
    }
  }
}

void gemv_path(Context &c, const float *x, int64_t M, int64_t K, const void *w, int32_t wdtype,
               int64_t N, float *y, int64_t ldy) {
  const Kernels &k = kernels();
  QActs qa{};
  if (is_quantized(wdtype)) {
    c.act_scratch.resize(std::max(c.act_scratch.size(), qacts_bytes(M, K)));
    qa = qacts_in(c.act_scratch.data(), M, K);
    for (int64_t m = 0; m < M; ++m)
      k.quantize_acts(x + m * K, K, m, qa);
  }
  // Units of kGemvRowStep rows keep the 4-row kernels on full groups. A chunk streams at least
  // 512 KiB (~10 us): waking a sleeping worker costs tens of microseconds on a busy or virtual
  // machine, so smaller matrices (tiny models) run faster on the calling thread alone.
  const int64_t units = (N + kGemvRowStep - 1) / kGemvRowStep;
  const int64_t bytes_per_unit = static_cast<int64_t>(row_bytes(wdtype, K)) * kGemvRowStep;
  c.pool.parallel_for(units, std::max<int64_t>(1, (512 << 10) / bytes_per_unit),
                      [&](int64_t b, int64_t e, int) {
                        gemv_rows(k, w, wdtype, K, x, qa, M, b * kGemvRowStep,
                                  std::min(N, e * kGemvRowStep), y, ldy);
                      });
}

void to_f32_rows(const Kernels &k, const void *w, int32_t wdtype, int64_t K, int64_t r0,
                 int64_t rows, float *dst) {
  const auto *src =
      static_cast<const unsigned char *>(w) + static_cast<size_t>(r0) * row_bytes(wdtype, K);
  const int64_t n = rows * K;
  switch (wdtype) {
  case PLINTH_DTYPE_F16: k.f16_to_f32(reinterpret_cast<const uint16_t *>(src), dst, n); break;
  case PLINTH_DTYPE_BF16: k.bf16_to_f32(reinterpret_cast<const uint16_t *>(src), dst, n); break;
  case PLINTH_DTYPE_Q8_0: k.q8_0_to_f32(src, dst, n); break;
  default: k.q4_0_to_f32(src, dst, n); break;
  }
}

// Converted-tile sgemm: each pool thread converts tile_rows weight rows at a time into its
// own scratch and multiplies them with all M activation rows on its own core.
void tiled_path(Context &c, const float *x, int64_t M, int64_t K, const void *w, int32_t wdtype,
                int64_t N, float *y, int64_t ldy) {
  const Kernels &k = kernels();
  const int64_t tile_rows =
      std::clamp<int64_t>(kTileBytes / (K * 4) / 16 * 16, 16, std::max<int64_t>(16, N));
  const int64_t tiles = (N + tile_rows - 1) / tile_rows;
  for (auto &s : c.thread_scratch)
    if (s.size() < static_cast<size_t>(tile_rows * K)) s.resize(static_cast<size_t>(tile_rows * K));
  set_blas_single_thread();
  c.pool.parallel_for(tiles, 1, [&](int64_t b, int64_t e, int tid) {
    float *tile = c.thread_scratch[static_cast<size_t>(tid)].data();
    for (int64_t t = b; t < e; ++t) {
      const int64_t n0 = t * tile_rows, nb = std::min(tile_rows, N - n0);
      to_f32_rows(k, w, wdtype, K, n0, nb, tile);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(M),
                  static_cast<int>(nb), static_cast<int>(K), 1.0f, x, static_cast<int>(K), tile,
                  static_cast<int>(K), 0.0f, y + n0, static_cast<int>(ldy));
    }
  });
}

} // namespace

void weight_product(plinth_backend_ctx *ctx, const float *x, int64_t M, int64_t K, const void *w,
                    int32_t wdtype, int64_t N, float *y, int64_t ldy) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t m = 0; m < M; ++m)
      std::fill(y + m * ldy, y + m * ldy + N, 0.0f);
    return;
  }
  Context &c = *context_of(ctx);
  if (M <= kGemvMaxRows) {
    gemv_path(c, x, M, K, w, wdtype, N, y, ldy);
    return;
  }
  if (wdtype == PLINTH_DTYPE_F32) {
    // One threaded sgemm over the whole product: OpenBLAS packs and blocks it best.
    set_blas_threads(ctx);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(M), static_cast<int>(N),
                static_cast<int>(K), 1.0f, x, static_cast<int>(K), static_cast<const float *>(w),
                static_cast<int>(K), 0.0f, y, static_cast<int>(ldy));
    return;
  }
  tiled_path(c, x, M, K, w, wdtype, N, y, ldy);
}

} // namespace plinth::cpu
