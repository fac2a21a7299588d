// Decoding (a few activation rows) reads every weight once, so it runs at the speed of the
// weight stream: the GEMV kernels convert each weight block once, in registers, and use it
// for every activation row; quantized weights meet activations quantized to 8 bits.
// Prompt processing is compute bound: our packed GEMM (gemm.hpp) converts the weights tile by
// tile into per-thread scratch and multiplies them with register-blocked AVX-512 or AVX2
// kernels. CPUs without AVX2 convert tiles the same way and run a single-threaded OpenBLAS
// sgemm on each.
#include "weight_product.hpp"
#include "gemm.hpp"
#include "kernels.hpp"
#include "quant_layout.hpp"

#include <cblas.h>

#include <algorithm>
#include <atomic>

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

// Splits a GEMV's row units over the pool: each thread owns one contiguous range and walks it
// front to back, so its weights arrive as one long stream (the hardware prefetcher follows
// it across the matrix); a thread that finishes early takes single units from the back of
// another range. Owner and thief meet on one atomic word per range, packing the next unit
// from the front (low half) and the end of what is left (high half).
class UnitRanges {
public:
  static constexpr int kMax = 64;
  UnitRanges(int64_t units, int ranges) : n_(ranges) {
    for (int i = 0; i < n_; ++i)
      r_[i].v.store(pack(units * i / n_, units * (i + 1) / n_), std::memory_order_relaxed);
  }
  int size() const { return n_; }
  // The next unit from the front of range i, or -1 when it is used up.
  int64_t take_front(int i) {
    uint64_t v = r_[i].v.load(std::memory_order_relaxed);
    for (;;) {
      const uint32_t f = front(v), b = back(v);
      if (f >= b) return -1;
      if (r_[i].v.compare_exchange_weak(v, pack(f + 1, b), std::memory_order_relaxed)) return f;
    }
  }
  // The last unit of range i, or -1 when it is used up.
  int64_t take_back(int i) {
    uint64_t v = r_[i].v.load(std::memory_order_relaxed);
    for (;;) {
      const uint32_t f = front(v), b = back(v);
      if (f >= b) return -1;
      if (r_[i].v.compare_exchange_weak(v, pack(f, b - 1), std::memory_order_relaxed)) return b - 1;
    }
  }

private:
  static uint64_t pack(int64_t f, int64_t b) {
    return static_cast<uint64_t>(f) | static_cast<uint64_t>(b) << 32;
  }
  static uint32_t front(uint64_t v) { return static_cast<uint32_t>(v); }
  static uint32_t back(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
  struct alignas(64) Slot {
    std::atomic<uint64_t> v;
  };
  int n_;
  Slot r_[kMax];
};

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
  // Units of kGemvRowStep rows keep the 4-row kernels on full groups. A range streams at
  // least 512 KiB (~10 us): waking a sleeping worker costs tens of microseconds on a busy or
  // virtual machine, so smaller matrices (tiny models) run faster on the calling thread alone.
  const int64_t units = (N + kGemvRowStep - 1) / kGemvRowStep;
  const int64_t bytes = static_cast<int64_t>(row_bytes(wdtype, K)) * N;
  auto run_unit = [&](int64_t u) {
    gemv_rows(k, w, wdtype, K, x, qa, M, u * kGemvRowStep, std::min(N, (u + 1) * kGemvRowStep), y,
              ldy);
  };
  // Work grows with the activation rows: each group of kGemvMaxActs reads the weights again
  // (from cache), so a quantized prompt of a small matrix still gets every thread.
  const int64_t passes = (M + kGemvMaxActs - 1) / kGemvMaxActs;
  const int ranges =
      static_cast<int>(std::min<int64_t>({c.pool.size(), UnitRanges::kMax, units,
                                          std::max<int64_t>(1, bytes * passes / (512 << 10))}));
  if (ranges <= 1) {
    gemv_rows(k, w, wdtype, K, x, qa, M, 0, N, y, ldy);
    return;
  }
  UnitRanges parts(units, ranges);
  c.pool.parallel_for(ranges, 1, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i) {
      const int own = static_cast<int>(i);
      for (int64_t u; (u = parts.take_front(own)) >= 0;)
        run_unit(u);
      for (int d = 1; d < parts.size(); ++d)
        for (int64_t u; (u = parts.take_back((own + d) % parts.size())) >= 0;)
          run_unit(u);
    }
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
  default: dequantize_rows(k, wdtype, src, rows, K, dst); break; // Q8_0, Q4_0: grouped rows
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
  // Few activation rows (decoding): the GEMV kernels stream the weights once. Block-quantized
  // weights take the same integer kernels for many rows too (prompts): integer dot products
  // against 8-bit activations beat converting the weights to f32 for the GEMM (a Zen 5 core
  // does 4x more int8 than f32 multiply-adds per cycle): prompts of 64 to 512 tokens of a 0.85B
  // model run 1.3-1.45x (Q4_0) and ~1.2x (Q8_0) faster. Each 16-row step of weights stays in
  // L1 for every group of 4 activation rows (splitting M into chunks of 32 or 64 rows measured
  // slower). Results are those of decoding: activations rounded to 8-bit blocks.
  if (M <= kGemvMaxRows || (is_quantized(wdtype) && &kernels() != &scalar_kernels())) {
    gemv_path(c, x, M, K, w, wdtype, N, y, ldy);
    return;
  }
  if (const GemmIsa *isa = gemm_isa_best()) {
    // Float weights, f32 included: at prompt shapes (M = 64 .. 512, 2 threads) our GEMM beats
    // threaded OpenBLAS sgemm even with AVX2 kernels (and far with AVX-512).
    gemm_weights(c.pool, c.gemm, x, M, K, w, wdtype, N, y, ldy, isa);
    return;
  }
  // Without AVX2:
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
