// The blocking, packing and threading around the microkernels of gemm_kernels_*.cpp.
#include "gemm.hpp"
#include "kernel_choice.hpp"
#include "quant_blocks.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace plinth::cpu {
namespace {

// Values of k per block: a weight micro-panel (nr x kc) and an activation micro-panel
// (mr x kc) sit in L1 together (12 KiB + 32 KiB at AVX-512's 12 x 32 with kc = 256).
constexpr int64_t kKc = 256;
// Bytes of one f32 weight tile. A thread holds two (the one being multiplied and the next,
// being converted) in L2 (2 MiB on the target machine) next to the packed activations'
// current block and the prefetched weights of the tile after.
constexpr int64_t kTileBytes = int64_t{256} << 10;
// Micro-panels a tile holds at least, whatever its bytes: every tile streams all the packed
// activations past itself, so fewer rows would raise that traffic beyond what L3 delivers.
constexpr int64_t kMinTileUnits = 2;
// Activation rows per pass over a tile's micro-panels: their kc block (128 KiB) stays in L2
// while the tile's micro-panels take turns in L1.
constexpr int64_t kMc = 128;
// Bytes of packed activation rows multiplied together: every weight tile streams them all
// from L3, so more rows are taken a slice at a time.
constexpr int64_t kSliceBytes = int64_t{4} << 20;
// Runs of consecutive tiles a thread takes: each run starts by converting its first tile
// alone (later ones are converted inside the kernels), so few long runs are cheaper, while
// more runs let a thread that the machine slowed down be caught up by the others.
constexpr int64_t kRunsPerThread = 2;
// Below this many multiply-adds a product runs on the calling thread alone: waking the
// workers costs tens of microseconds on a busy machine.
constexpr int64_t kMinParallelMacs = int64_t{1} << 21;

int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// Bytes of n values of a row in dtype (n a multiple of 32 for the block formats).
size_t elem_bytes(int32_t dtype, int64_t n) {
  switch (dtype) {
  case PLINTH_DTYPE_F32: return static_cast<size_t>(n) * 4;
  case PLINTH_DTYPE_F16:
  case PLINTH_DTYPE_BF16: return static_cast<size_t>(n) * 2;
  default: return quantized_bytes(dtype, n);
  }
}

GemmDtype gemm_dtype(int32_t dtype) {
  switch (dtype) {
  case PLINTH_DTYPE_F32: return kGemmF32;
  case PLINTH_DTYPE_F16: return kGemmF16;
  case PLINTH_DTYPE_BF16: return kGemmBF16;
  case PLINTH_DTYPE_Q8_0: return kGemmQ8_0;
  default: return kGemmQ4_0;
  }
}

// The activation panels: panel p holds rows [p * mr, p * mr + width) of x, transposed to
// [k][width] with rows past M as zeros. Only the last panel may be half width.
struct Panels {
  int64_t full, count, rows_padded; // rows_padded: full * mr (+ mr / 2)
  bool last_half;
};

Panels plan_panels(int64_t M, int64_t mr) {
  Panels p{M / mr, 0, 0, false};
  const int64_t rest = M - p.full * mr;
  p.last_half = rest > 0 && rest <= mr / 2;
  p.count = p.full + (rest > 0 ? 1 : 0);
  p.rows_padded = p.full * mr + (rest == 0 ? 0 : p.last_half ? mr / 2 : mr);
  return p;
}

// Splits `total` items evenly over the calls [begin, end) of a sequence: how many call i
// takes.
struct Spread {
  int64_t total = 0, begin = 0, end = 1;
  int64_t at(int64_t i) const { return upto(i + 1) - upto(i); }
  int64_t upto(int64_t i) const {
    const int64_t d = std::clamp(i, begin, end) - begin;
    return total * d / (end - begin);
  }
};

} // namespace

void GemmBuffer::Free::operator()(float *p) const { std::free(p); }

float *GemmBuffer::get(size_t n) {
  if (n > size_) {
    const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    data_.reset(static_cast<float *>(p));
    size_ = n;
  }
  return data_.get();
}

const GemmIsa *gemm_isa_best() {
  // "generic" (kernel_choice.hpp) leaves no GEMM, so callers take their portable path.
  static const GemmIsa *best = [] {
    const KernelCap cap = kernel_cap();
    const GemmIsa *isa = nullptr;
    if (cap == KernelCap::avx512) isa = gemm_isa_avx512();
    if (!isa && cap != KernelCap::generic) isa = gemm_isa_avx2();
    return isa;
  }();
  return best;
}

namespace {

// gemm_weights for one slice of the activation rows.
void gemm_slice(ThreadPool &pool, GemmScratch &scratch, const float *x, int64_t M, int64_t K,
                const void *w, int32_t wdtype, int64_t N, float *y, int64_t ldy,
                const GemmIsa *isa) {
  const int64_t mr = isa->mr, nr = isa->nr;

  // Pack the activations once for every thread to read.
  const bool parallel = M * N * K >= kMinParallelMacs;
  const Panels pn = plan_panels(M, mr);
  float *xp = scratch.packed_x.get(static_cast<size_t>(pn.rows_padded * K));
  pool.parallel_for(pn.count, parallel ? 1 : pn.count, [&](int64_t b, int64_t e, int) {
    for (int64_t p = b; p < e; ++p) {
      const bool half = pn.last_half && p == pn.count - 1;
      isa->transpose(x + p * mr * K, K, std::min(mr, M - p * mr), half ? mr / 2 : mr, K,
                     xp + p * mr * K, half ? mr / 2 : mr);
    }
  });

  // Blocks of k of equal sizes near kKc.
  const int64_t k_blocks = (K + kKc - 1) / kKc;
  const int64_t kc_max = (K + k_blocks - 1) / k_blocks;

  // Tiles of whole weight rows. The rows of a tile lie next to each other in memory, so its
  // weights are one contiguous range: prefetched while an earlier tile is multiplied, then
  // converted to f32 by the microkernels of the tile before it (or all at once by sets that
  // do not fuse the conversion). Rows are padded so that a micro-panel's rows do not all
  // fall into the same L1 sets when K * 4 is a multiple of 4 KiB. At least two tiles per
  // thread when N allows, so that the work splits evenly.
  const int threads = pool.size();
  const int64_t ldw = round_up(K, 16) + 16;
  const int64_t units = (N + nr - 1) / nr;
  const int64_t max_units = std::max<int64_t>(kMinTileUnits, kTileBytes / (ldw * 4 * nr));
  const int64_t tile_units =
      std::clamp<int64_t>((units + 2 * threads - 1) / (2 * threads), 1, max_units);
  const int64_t tile_rows = tile_units * nr, tiles = (units + tile_units - 1) / tile_units;
  const int64_t ldc = pn.rows_padded;
  const size_t tile_floats = static_cast<size_t>(tile_rows * ldw);
  const size_t per_thread = 2 * tile_floats + static_cast<size_t>(tile_rows * ldc);
  if (scratch.per_thread.size() < static_cast<size_t>(threads))
    scratch.per_thread.resize(static_cast<size_t>(threads));
  for (int t = 0; t < (parallel ? threads : 1); ++t)
    scratch.per_thread[static_cast<size_t>(t)].get(per_thread);

  const GemmDtype gd = gemm_dtype(wdtype);
  const GemmKernel full_kernel = isa->kernel[gd][0], half_kernel = isa->kernel[gd][1];
  constexpr int64_t unit = 32; // values per conversion unit (GemmSideWork)
  const bool fuse = isa->fused_convert && K % unit == 0;
  const size_t row_bytes = elem_bytes(wdtype, K);
  const auto *wbytes = static_cast<const uint8_t *>(w);
  const int64_t m_step = kMc / mr;

  const int64_t grain = parallel ? std::max<int64_t>(1, tiles / (kRunsPerThread * threads)) : tiles;
  pool.parallel_for(tiles, grain, [&](int64_t tb, int64_t te, int tid) {
    float *buf[2];
    buf[0] = scratch.per_thread[static_cast<size_t>(tid)].get(per_thread);
    buf[1] = buf[0] + tile_floats;
    float *cbuf = buf[1] + tile_floats;
    auto rows_of = [&](int64_t t) { return t < te ? std::min(tile_rows, N - t * tile_rows) : 0; };
    // Rows past N only feed outputs that are never stored; zeros keep them harmless.
    auto zero_padding = [&](float *wt, int64_t nb) {
      const int64_t padded = round_up(nb, nr);
      std::memset(wt + nb * ldw, 0, static_cast<size_t>((padded - nb) * ldw) * 4);
    };
    GemmSideWork side;
    for (int64_t t = tb, cur = 0; t < te; ++t, cur ^= 1) {
      const int64_t n0 = t * tile_rows, nb = rows_of(t), groups = (nb + nr - 1) / nr;
      float *wt = buf[cur];
      if (t == tb || !fuse) {
        isa->convert(w, wdtype, K, n0, nb, 0, K, wt, ldw);
        zero_padding(wt, nb);
      }
      // This tile's side work: converting the next tile (fused), and prefetching what the
      // conversion after that reads. The first tile of a run also prefetches the next one
      // (in the first half of its calls; the conversion follows in the second half).
      const int64_t calls = k_blocks * groups * pn.count;
      Spread convert_units, prefetch_lines;
      const uint8_t *pf_begin = wbytes + static_cast<size_t>(n0 + nb) * row_bytes;
      int64_t pf_rows = rows_of(t + 1);
      if (fuse && rows_of(t + 1) > 0) {
        const int64_t next_rows = rows_of(t + 1);
        zero_padding(buf[cur ^ 1], next_rows);
        side.src = wbytes + static_cast<size_t>(n0 + nb) * row_bytes;
        side.dst = buf[cur ^ 1];
        side.row_units = K / unit;
        side.col = 0;
        side.dst_skip = ldw - K;
        convert_units = {next_rows * (K / unit), t == tb ? calls / 2 : 0, calls};
        if (t == tb) {
          pf_rows += rows_of(t + 2);
        } else {
          pf_begin += static_cast<size_t>(next_rows) * row_bytes;
          pf_rows = rows_of(t + 2);
        }
      }
      side.pf = reinterpret_cast<const char *>(pf_begin);
      prefetch_lines = {static_cast<int64_t>((static_cast<size_t>(pf_rows) * row_bytes + 63) / 64),
                        0, calls};

      int64_t call = 0;
      for (int64_t k0 = 0; k0 < K; k0 += kc_max) {
        const int64_t kc = std::min(kc_max, K - k0);
        const bool first = k0 == 0;
        for (int64_t pm = 0; pm < pn.count; pm += m_step) {
          const int64_t pe = std::min(pn.count, pm + m_step);
          for (int64_t g = 0; g < groups; ++g) {
            const float *wp = wt + g * nr * ldw + k0;
            float *cg = cbuf + g * nr * ldc;
            for (int64_t p = pm; p < pe; ++p, ++call) {
              side.units = convert_units.at(call);
              side.pf_lines = prefetch_lines.at(call);
              const float *xk = xp + p * mr * K;
              if (pn.last_half && p == pn.count - 1)
                half_kernel(xk + k0 * (mr / 2), wp, ldw, kc, cg + p * mr, ldc, first, side);
              else
                full_kernel(xk + k0 * mr, wp, ldw, kc, cg + p * mr, ldc, first, side);
            }
          }
        }
      }
      // The partial sums are [n][m]; y is [m][n].
      isa->transpose(cbuf, ldc, nb, nb, M, y + n0, ldy);
    }
  });
}

} // namespace

void gemm_weights(ThreadPool &pool, GemmScratch &scratch, const float *x, int64_t M, int64_t K,
                  const void *w, int32_t wdtype, int64_t N, float *y, int64_t ldy,
                  const GemmIsa *isa) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t m = 0; m < M; ++m)
      std::fill(y + m * ldy, y + m * ldy + N, 0.0f);
    return;
  }
  if (!isa) isa = gemm_isa_best();
  // Many rows are taken a slice at a time (kSliceBytes); the weights are converted again for
  // each slice, which costs little next to the arithmetic on that many rows.
  const int64_t slice = std::max<int64_t>(isa->mr, kSliceBytes / (K * 4) / isa->mr * isa->mr);
  for (int64_t m0 = 0; m0 < M; m0 += slice)
    gemm_slice(pool, scratch, x + m0 * K, std::min(slice, M - m0), K, w, wdtype, N, y + m0 * ldy,
               ldy, isa);
}

} // namespace plinth::cpu
