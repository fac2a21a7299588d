// Sequence ops: rotary position embedding, scaled dot-product attention, depthwise conv.
#include "avx2_common.hpp"
#include "backend.hpp"
#include "kernels.hpp"
#include "torch_order.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace plinth::cpu::ops {

plinth_status rope(plinth_backend_ctx *ctx, const plinth_rope_args *args) {
  return guarded("rope", ctx, [&] {
    const RopeShape sh = check_rope(args);
    const plinth_tensor *x = args->x, *pos = args->positions;
    plinth_tensor *out = args->out;
    const int64_t B = sh.B, T = sh.T, H = sh.H, D = sh.D, rot = sh.rot;
    const int64_t half = rot / 2;
    const plinth_tensor *inv_t = sh.inv_freq;
    const float factor = sh.factor;
    std::vector<float> inv(static_cast<size_t>(half));
    if (inv_t) {
      const F32Vector given(inv_t, "inv_freq", half, "rot_dims / 2");
      std::copy(given.data(), given.data() + half, inv.begin());
    } else {
      // As transformers computes it, in float32: 1 / theta ** (arange(0, rot, 2) / rot).
      for (int64_t i = 0; i < half; ++i) {
        const float e = static_cast<float>(2 * i) / static_cast<float>(rot);
        inv[i] = 1.0f / std::pow(args->theta, e);
      }
    }
    const bool neox = args->neox != 0;
    const float *xp = f32(x);
    float *yp = f32(out);
    const int32_t *pp = i32(pos);
    pool_of(ctx).parallel_for(
        B * T, std::max<int64_t>(1, 2048 / (H * D + 1)), [&](int64_t lo, int64_t hi, int) {
          std::vector<float> cs(static_cast<size_t>(half)), sn(static_cast<size_t>(half));
          for (int64_t bt = lo; bt < hi; ++bt) {
            // Angles in float32 as pos * inv_freq, then cos/sin in float32, as transformers.
            const float p = static_cast<float>(pp[bt]);
            for (int64_t i = 0; i < half; ++i) {
              const float angle = p * inv[i];
              cs[i] = std::cos(angle) * factor;
              sn[i] = std::sin(angle) * factor;
            }
            for (int64_t h = 0; h < H; ++h) {
              const float *xr = xp + (bt * H + h) * D;
              float *yr = yp + (bt * H + h) * D;
              if (neox) {
                for (int64_t i = 0; i < half; ++i) {
                  const float a = xr[i], b = xr[i + half];
                  yr[i] = a * cs[i] - b * sn[i];
                  yr[i + half] = b * cs[i] + a * sn[i];
                }
              } else {
                for (int64_t i = 0; i < half; ++i) {
                  const float a = xr[2 * i], b = xr[2 * i + 1];
                  yr[2 * i] = a * cs[i] - b * sn[i];
                  yr[2 * i + 1] = b * cs[i] + a * sn[i];
                }
              }
              if (yr != xr)
                std::memcpy(yr + rot, xr + rot, static_cast<size_t>(D - rot) * sizeof(float));
            }
          }
        });
  });
}

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
// At most this many attention rows (query x head) per task; their score rows are the task's
// scratch, and with key tiles they share each tile's transposition.
constexpr int64_t kRowsPerTask = 16;
// Keys per tile when keys are transposed per task: 32 keys of D floats stay in L1.
constexpr int64_t kKeyTile = 32;

// One attention row: a query of one head, with its visible key slots [first, last).
struct Row {
  const float *q;
  float *out;
  float *s; // kv_len scores, then weights
  int64_t first, last;
  int64_t vlo, vhi; // keys with a nonzero weight lie in [vlo, vhi)
};

// Scores -> weights in place: hidden slots -inf, bias added, softmax; a row with no visible key
// gets uniform weights over [0, kv_len) (eager attention with a finite finfo.min mask; with
// kv_len == 0 there is nothing to attend to at all).
void to_weights(Row &r, int64_t kv_len, const int32_t *mrow, const float *brow) {
  float *s = r.s;
  float mx = kNegInf;
  for (int64_t j = 0; j < kv_len; ++j) {
    if (j >= r.first && j < r.last && (!mrow || mrow[j] != 0)) {
      if (brow) s[j] = s[j] + brow[j];
      mx = std::max(mx, s[j]);
    } else {
      s[j] = kNegInf;
    }
  }
  if (mx == kNegInf) {
    const float w = kv_len ? 1.0f / static_cast<float>(kv_len) : 0.0f;
    for (int64_t j = 0; j < kv_len; ++j)
      s[j] = w;
    r.vlo = 0, r.vhi = kv_len;
  } else {
    torch_softmax_row(s, kv_len, mx);
    r.vlo = r.first, r.vhi = r.last;
  }
}

#if defined(__x86_64__) || defined(__i386__)
// Keys per block of the value accumulation: every pass (rows x dims) over a block runs while
// its value rows are in L1, and the first pass prefetches the next block's rows.
constexpr int64_t kValueBlock = 16;

// out[d, d + 8W) of NR rows, over keys j in [lo, hi) in order: sum = fma(p[j], v[j], sum), keys
// of zero weight skipped when Skip. These are the bits of the AVX2 axpy applied key by key (one
// FMA per float), with the sums held in registers and each value row loaded once for all NR
// rows. `first`: the sums start from zero rather than from out. prefetch_lines: how many cache
// lines of the row kValueBlock keys ahead to prefetch per key (0 for none).
template <int NR, int W, bool Skip>
PLINTH_AVX2 void values_pass(const Row *rows, int64_t d, const float *v, int64_t vstride,
                             int64_t lo, int64_t hi, bool first, int64_t prefetch_lines) {
  __m256 acc[NR][W];
  const float *p[NR];
  for (int r = 0; r < NR; ++r) {
    p[r] = rows[r].s;
    for (int w = 0; w < W; ++w)
      acc[r][w] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(rows[r].out + d + 8 * w);
  }
  for (int64_t j = lo; j < hi; ++j) {
    const float *vr = v + j * vstride;
    // As an address, not a pointer: past the last block it points past the tensor (harmless,
    // prefetches never fault).
    const uintptr_t ahead = reinterpret_cast<uintptr_t>(vr) + kValueBlock * vstride * 4;
    for (int64_t l = 0; l < prefetch_lines; ++l)
      _mm_prefetch(reinterpret_cast<const char *>(ahead + 64 * l), _MM_HINT_T0);
    __m256 x[W];
    for (int w = 0; w < W; ++w)
      x[w] = _mm256_loadu_ps(vr + d + 8 * w);
    for (int r = 0; r < NR; ++r)
      if (!Skip || p[r][j] != 0.0f) {
        const __m256 pj = _mm256_broadcast_ss(p[r] + j);
        for (int w = 0; w < W; ++w)
          acc[r][w] = _mm256_fmadd_ps(pj, x[w], acc[r][w]);
      }
  }
  for (int r = 0; r < NR; ++r)
    for (int w = 0; w < W; ++w)
      _mm256_storeu_ps(rows[r].out + d + 8 * w, acc[r][w]);
}

// values_pass over dims [0, Dv8) in passes of about eight accumulators: enough independent
// chains to cover the FMA latency, few enough to stay in registers.
template <int NR, bool Skip>
void values_rows(const Row *rows, const float *v, int64_t vstride, int64_t lo, int64_t hi,
                 int64_t Dv8, bool first, int64_t prefetch_lines) {
  constexpr int W = NR == 1 ? 8 : NR == 2 ? 4 : 2;
  int64_t d = 0;
  for (; d + 8 * W <= Dv8; d += 8 * W, prefetch_lines = 0)
    values_pass<NR, W, Skip>(rows, d, v, vstride, lo, hi, first, prefetch_lines);
  for (; d < Dv8; d += 8, prefetch_lines = 0)
    values_pass<NR, 1, Skip>(rows, d, v, vstride, lo, hi, first, prefetch_lines);
}

template <bool Skip>
void values_block(const Row *rows, int64_t n_rows, const float *v, int64_t vstride, int64_t lo,
                  int64_t hi, int64_t Dv8, bool first, int64_t prefetch_lines) {
  for (int64_t r = 0; r < n_rows; r += 4, prefetch_lines = 0) {
    switch (std::min<int64_t>(4, n_rows - r)) {
    case 1: values_rows<1, Skip>(rows + r, v, vstride, lo, hi, Dv8, first, prefetch_lines); break;
    case 2: values_rows<2, Skip>(rows + r, v, vstride, lo, hi, Dv8, first, prefetch_lines); break;
    case 3: values_rows<3, Skip>(rows + r, v, vstride, lo, hi, Dv8, first, prefetch_lines); break;
    default: values_rows<4, Skip>(rows + r, v, vstride, lo, hi, Dv8, first, prefetch_lines);
    }
  }
}
#endif

// out = sum over keys j, in order, of p[j] * v[j], keys of zero weight skipped. With the
// portable kernels this is kern.axpy key by key. The AVX2 axpy (also the AVX-512 set's) is one
// FMA per float in blocks of 8 plus a scalar tail: here the blocks of 8 run with the sums in
// registers, up to four rows and a block of keys at a time, and the tail still goes through
// kern.axpy, so the bits are the same either way.
void weighted_values(const Kernels &kern, const Row *rows, int64_t n_rows, const float *v,
                     int64_t vstride, int64_t Dv) {
  int64_t Dv8 = 0;
#if defined(__x86_64__) || defined(__i386__)
  if (&kern != &scalar_kernels()) {
    Dv8 = Dv / 8 * 8;
    int64_t lo = rows[0].vlo, hi = rows[0].vhi;
    for (int64_t r = 1; r < n_rows; ++r)
      lo = std::min(lo, rows[r].vlo), hi = std::max(hi, rows[r].vhi);
    if (lo >= hi)
      for (int64_t r = 0; r < n_rows; ++r)
        std::fill(rows[r].out, rows[r].out + Dv8, 0.0f);
    // A zero weight (hidden key, exp underflow) must be skipped, not added as 0 * v, which
    // would turn a -0 sum into +0 and an infinite value into NaN. The usual rows have none in
    // [lo, hi), and then the loops run without a test per key.
    bool zeros = false;
    for (int64_t r = 0; r < n_rows && !zeros; ++r)
      zeros = std::find(rows[r].s + lo, rows[r].s + hi, 0.0f) != rows[r].s + hi;
    const int64_t row_lines = (Dv * static_cast<int64_t>(sizeof(float)) + 63) / 64;
    for (int64_t k0 = lo; k0 < hi; k0 += kValueBlock) {
      const int64_t k1 = std::min(hi, k0 + kValueBlock);
      const int64_t prefetch = k1 < hi ? row_lines : 0;
      if (zeros)
        values_block<true>(rows, n_rows, v, vstride, k0, k1, Dv8, k0 == lo, prefetch);
      else
        values_block<false>(rows, n_rows, v, vstride, k0, k1, Dv8, k0 == lo, prefetch);
    }
  }
#endif
  if (Dv8 == Dv) return;
  for (int64_t r = 0; r < n_rows; ++r) {
    const Row &row = rows[r];
    std::fill(row.out + Dv8, row.out + Dv, 0.0f);
    for (int64_t j = row.vlo; j < row.vhi; ++j)
      if (row.s[j] != 0.0f) kern.axpy(row.s[j], v + j * vstride + Dv8, row.out + Dv8, Dv - Dv8);
  }
}

// The keys [lo, hi) that may be visible to any of n rows.
std::pair<int64_t, int64_t> span_of(const Row *rows, int64_t n) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = 0;
  for (int64_t r = 0; r < n; ++r)
    if (rows[r].first < rows[r].last) {
      lo = std::min(lo, rows[r].first);
      hi = std::max(hi, rows[r].last);
    }
  return {std::min(lo, hi), hi};
}

// Scores of rows[0..n) for keys [j0, j1) from keys transposed to [D][ld] (column 0 = key
// `base`), two rows at a time; each row's s is indexed by absolute key.
void scores_from(const Row *rows, int64_t n, const float *kt, int64_t ld, int64_t base, int64_t j0,
                 int64_t j1, int64_t D, float scale) {
  for (int64_t r = 0; r < n; r += 2) {
    const int64_t m = std::min<int64_t>(2, n - r);
    auto [lo, hi] = span_of(rows + r, m);
    lo = std::max(lo, j0), hi = std::min(hi, j1);
    if (lo >= hi) continue;
    if (m == 2)
      score_chains2(rows[r].q, rows[r + 1].q, kt, ld, D, lo - base, hi - base, scale,
                    rows[r].s + base, rows[r + 1].s + base);
    else
      score_chains(rows[r].q, kt, ld, D, lo - base, hi - base, scale, rows[r].s + base);
  }
}

} // namespace

plinth_status attention(plinth_backend_ctx *ctx, const plinth_attention_args *args) {
  return guarded("attention", ctx, [&] {
    const AttentionShape sh = check_attention(args);
    const plinth_tensor *q = args->q, *k = args->k, *v = args->v;
    plinth_tensor *out = args->out;
    const int64_t B = sh.B, Tq = sh.Tq, Hq = sh.Hq, D = sh.D, Tk = sh.Tk, Hkv = sh.Hkv, Dv = sh.Dv;
    // Host memory: the _dev values are read here, when the op runs.
    int64_t kv_len = sh.kv_len, q_offset = args->q_offset;
    if (sh.kv_len_dev) {
      const int32_t dev = *i32(sh.kv_len_dev);
      if (dev < 0 || dev > sh.kv_len)
        fail("kv_len_dev = " + std::to_string(dev) + " outside [0, " + std::to_string(sh.kv_len) +
             "] (the bound given by kv_len)");
      kv_len = dev;
    }
    if (sh.q_offset_dev) {
      q_offset = *i32(sh.q_offset_dev);
      if (q_offset < 0) fail("q_offset_dev = " + std::to_string(q_offset) + " is negative");
    }
    const plinth_tensor *mask = sh.mask, *bias = sh.bias;
    plinth_tensor *probs = sh.probs;
    const int64_t bias_hs = bias && bias->shape[1] != 1 ? Tq * Tk : 0;
    const int64_t bias_bs = bias && bias->shape[0] != 1 ? bias->shape[1] * Tq * Tk : 0;
    const int64_t group = Hq / Hkv;
    const float scale = args->scale;
    const bool causal = args->causal != 0;
    const int64_t window = args->window;
    const float *qp = f32(q), *kp = f32(k), *vp = f32(v);
    const float *bp = bias ? f32(bias) : nullptr;
    const int32_t *mp = mask ? i32(mask) : nullptr;
    float *op = f32(out), *pp = probs ? f32(probs) : nullptr;
    const Kernels &kern = kernels();
    Context &c = *context_of(ctx);
    ThreadPool &pool = pool_of(ctx);

    // Each score is one FMA chain over d, computed 8 keys at a time from keys transposed to
    // [D][keys] (torch_order.hpp): torch's rounding, at vector speed. The queries of a kv head
    // (its group of heads, each query position) share the keys: a task takes up to
    // kRowsPerTask of these rows. When a kv head has few rows (decoding) each task transposes
    // L1-sized tiles of the keys it reads; with many (prompts) the keys are transposed once for
    // all tasks, the cost then spread over every row.
    const int64_t rows_per_head = group * Tq, heads = B * Hkv;
    if (rows_per_head == 0 || heads == 0) return; // an empty batch or query: nothing to compute
    int64_t chunks = (rows_per_head + kRowsPerTask - 1) / kRowsPerTask;
    if (heads * chunks < pool.size()) // few kv heads: split their rows so every thread has work
      chunks = std::min((rows_per_head + 1) / 2, (pool.size() + heads - 1) / heads);
    int64_t chunk = (rows_per_head + chunks - 1) / chunks;
    chunk += chunk % 2 && chunk < rows_per_head; // whole pairs of rows where possible
    chunks = (rows_per_head + chunk - 1) / chunk;
    const bool tiled = rows_per_head <= 2 * kRowsPerTask;

    const int64_t ld = (std::max<int64_t>(kv_len, 1) + 7) / 8 * 8;
    const int64_t kstride = Hkv * D, vstride = Hkv * Dv;
    float *ktp = nullptr;
    if (!tiled) {
      c.attn_keys.resize(static_cast<size_t>(heads * D * ld));
      ktp = c.attn_keys.data();
      pool.parallel_for(heads, 1, [&](int64_t lo, int64_t hi, int) {
        for (int64_t bh = lo; bh < hi; ++bh) {
          const int64_t b = bh / Hkv, kh = bh % Hkv;
          transpose_keys(kp + (b * Tk * Hkv + kh) * D, kstride, kv_len, D, ktp + bh * D * ld, ld);
        }
      });
    }

    c.attn_scores.resize(static_cast<size_t>(pool.size()));
    // Tasks in (batch, kv head, row chunk) order: consecutive tasks share a kv head's keys.
    pool.parallel_for(heads * chunks, 1, [&](int64_t lo, int64_t hi, int tid) {
      std::vector<float> &scratch = c.attn_scores[static_cast<size_t>(tid)];
      scratch.resize(static_cast<size_t>(chunk * ld + (tiled ? D * kKeyTile : 0)));
      Row rows[kRowsPerTask]; // chunk <= kRowsPerTask
      for (int64_t task = lo; task < hi; ++task) {
        const int64_t bh = task / chunks, b = bh / Hkv, kh = bh % Hkv;
        const int64_t r0 = task % chunks * chunk, n = std::min(chunk, rows_per_head - r0);
        const float *kbase = kp + (b * Tk * Hkv + kh) * D;
        const int32_t *mrow = mp ? mp + b * Tk : nullptr;
        for (int64_t r = 0; r < n; ++r) {
          // Row r0 + r is query i of head h; the heads of the group are adjacent.
          const int64_t i = (r0 + r) / group, h = kh * group + (r0 + r) % group;
          Row &row = rows[r];
          row.q = qp + ((b * Tq + i) * Hq + h) * D;
          row.out = op + ((b * Tq + i) * Hq + h) * Dv;
          row.s = scratch.data() + r * ld;
          // Visible slots lie in [first, last); key_mask may still hide some of them.
          const int64_t qpos = q_offset + i;
          row.first = 0, row.last = kv_len;
          if (causal) row.last = std::clamp<int64_t>(qpos + 1, 0, kv_len);
          if (window > 0) row.first = std::clamp<int64_t>(qpos - window + 1, 0, kv_len);
        }
        if (tiled) {
          float *tile = scratch.data() + chunk * ld;
          const auto [first, last] = span_of(rows, n);
          for (int64_t j = first / 8 * 8; j < last; j += kKeyTile) {
            transpose_keys(kbase + j * kstride, kstride, std::min(kKeyTile, last - j), D, tile,
                           kKeyTile);
            scores_from(rows, n, tile, kKeyTile, j, j, j + kKeyTile, D, scale);
          }
        } else {
          scores_from(rows, n, ktp + bh * D * ld, ld, 0, 0, kv_len, D, scale);
        }
        for (int64_t r = 0; r < n; ++r) {
          const int64_t i = (r0 + r) / group, h = kh * group + (r0 + r) % group;
          to_weights(rows[r], kv_len, mrow, bp ? bp + b * bias_bs + h * bias_hs + i * Tk : nullptr);
        }
        weighted_values(kern, rows, n, vp + (b * Tk * Hkv + kh) * Dv, vstride, Dv);
        if (pp)
          for (int64_t r = 0; r < n; ++r) {
            const int64_t i = (r0 + r) / group, h = kh * group + (r0 + r) % group;
            float *prow = pp + ((b * Hq + h) * Tq + i) * Tk;
            std::copy(rows[r].s, rows[r].s + kv_len, prow);
            std::fill(prow + kv_len, prow + Tk, 0.0f);
          }
      }
    });
  });
}

plinth_status conv1d_depthwise(plinth_backend_ctx *ctx, const plinth_tensor *x,
                               const plinth_tensor *kernel, int64_t center, plinth_tensor *out) {
  return guarded("conv1d_depthwise", ctx, [&] {
    const Conv1dShape sh = check_conv1d_depthwise(x, kernel, out);
    const int64_t B = sh.B, T = sh.T, C = sh.C, L = sh.L;
    const F32Vector kv(kernel, "kernel", C * L, "C * L");
    // Transposed to [L, C] so the inner loop runs over contiguous channels.
    std::vector<float> kt(static_cast<size_t>(L * C));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t l = 0; l < L; ++l)
        kt[l * C + c] = kv.data()[c * L + l];
    const float *xp = f32(x);
    float *yp = f32(out);
    pool_of(ctx).parallel_for(B * T, std::max<int64_t>(1, 4096 / (L * C + 1)),
                              [&](int64_t lo, int64_t hi, int) {
                                for (int64_t bt = lo; bt < hi; ++bt) {
                                  const int64_t b = bt / T, t = bt % T;
                                  float *yr = yp + bt * C;
                                  std::fill(yr, yr + C, 0.0f);
                                  for (int64_t l = 0; l < L; ++l) {
                                    const int64_t src = t + l - center;
                                    if (src < 0 || src >= T) continue;
                                    const float *xr = xp + (b * T + src) * C;
                                    const float *kr = kt.data() + l * C;
                                    for (int64_t c = 0; c < C; ++c)
                                      yr[c] += kr[c] * xr[c];
                                  }
                                }
                              });
  });
}

} // namespace plinth::cpu::ops
