// Sequence ops: rotary position embedding, scaled dot-product attention, depthwise conv.
#include "backend.hpp"
#include "kernels.hpp"
#include "torch_order.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
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
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();
    Context &c = *context_of(ctx);

    // Keys transposed per (batch, kv head) so that each score is one FMA chain over d computed
    // 8 keys at a time (torch_order.hpp): torch's rounding, at vector speed. Queries of a
    // group share one transposed copy.
    const int64_t ld = (std::max<int64_t>(kv_len, 1) + 7) / 8 * 8;
    c.attn_keys.resize(static_cast<size_t>(B * Hkv * D * ld));
    float *ktp = c.attn_keys.data();
    pool_of(ctx).parallel_for(B * Hkv, 1, [&](int64_t lo, int64_t hi, int) {
      for (int64_t bh = lo; bh < hi; ++bh) {
        const int64_t b = bh / Hkv, kh = bh % Hkv;
        transpose_keys(kp + (b * Tk * Hkv + kh) * D, Hkv * D, kv_len, D, ktp + bh * D * ld, ld);
      }
    });

    c.attn_scores.resize(static_cast<size_t>(pool_of(ctx).size()));
    // One task per (b, head, query); consecutive tasks share a head, so its keys stay cached.
    pool_of(ctx).parallel_for(B * Hq * Tq, 4, [&](int64_t lo, int64_t hi, int tid) {
      std::vector<float> &s = c.attn_scores[static_cast<size_t>(tid)];
      s.resize(static_cast<size_t>(ld));
      for (int64_t task = lo; task < hi; ++task) {
        const int64_t i = task % Tq, h = (task / Tq) % Hq, b = task / (Tq * Hq);
        const int64_t kh = h / group;
        const float *qr = qp + ((b * Tq + i) * Hq + h) * D;
        float *orow = op + ((b * Tq + i) * Hq + h) * Dv;
        const float *brow = bp ? bp + b * bias_bs + h * bias_hs + i * Tk : nullptr;
        const int32_t *mrow = mp ? mp + b * Tk : nullptr;
        // Visible slots lie in [first, last); key_mask may still hide some of them.
        const int64_t qpos = q_offset + i;
        int64_t last = kv_len, first = 0;
        if (causal) last = std::clamp<int64_t>(qpos + 1, 0, kv_len);
        if (window > 0) first = std::clamp<int64_t>(qpos - window + 1, 0, kv_len);
        score_chains(qr, ktp + (b * Hkv + kh) * D * ld, ld, D, first, last, scale, s.data());
        float mx = kNegInf;
        for (int64_t j = 0; j < kv_len; ++j) {
          if (j >= first && j < last && (!mrow || mrow[j] != 0)) {
            if (brow) s[j] = s[j] + brow[j];
            mx = std::max(mx, s[j]);
          } else {
            s[j] = kNegInf;
          }
        }
        if (mx == kNegInf) {
          // No visible key: uniform weights over [0, kv_len) (eager attention with a finite
          // finfo.min mask); with kv_len == 0 there is nothing to attend to at all.
          const float w = kv_len ? 1.0f / static_cast<float>(kv_len) : 0.0f;
          for (int64_t j = 0; j < kv_len; ++j)
            s[j] = w;
        } else {
          torch_softmax_row(s.data(), kv_len, mx);
        }
        std::fill(orow, orow + Dv, 0.0f);
        for (int64_t j = 0; j < kv_len; ++j)
          if (s[j] != 0.0f) kern.axpy(s[j], vp + ((b * Tk + j) * Hkv + kh) * Dv, orow, Dv);
        if (pp) {
          float *prow = pp + ((b * Hq + h) * Tq + i) * Tk;
          std::copy(s.begin(), s.begin() + kv_len, prow);
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
