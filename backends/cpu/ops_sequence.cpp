// Sequence ops: rotary position embedding, scaled dot-product attention, depthwise conv.
#include "backend.hpp"
#include "kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

namespace plinth::cpu::ops {
namespace {

// The args structs are append-only: a field past struct_size was not provided by the caller.
#define PLINTH_HAS_FIELD(args, type, field)                                                        \
  ((args)->struct_size >= offsetof(type, field) + sizeof((args)->field))

void check_4d(const plinth_tensor *t, const char *name, const char *layout) {
  if (t->ndim != 4) fail(describe(name, t) + ": expected " + layout);
}

} // namespace

plinth_status rope(plinth_backend_ctx *ctx, const plinth_rope_args *args) {
  return guarded("rope", ctx, [&] {
    if (!args) fail("args is NULL");
    if (args->struct_size < offsetof(plinth_rope_args, neox) + sizeof(int32_t))
      fail("args.struct_size " + std::to_string(args->struct_size) + " too small");
    const plinth_tensor *x = args->x, *pos = args->positions;
    plinth_tensor *out = args->out;
    check_f32(x, "x");
    check_i32(pos, "positions");
    check_f32(out, "out");
    check_4d(x, "x", "[B, T, H, D]");
    check_same_shape(x, "x", out, "out");
    const int64_t B = x->shape[0], T = x->shape[1], H = x->shape[2], D = x->shape[3];
    if (numel(pos) != B * T)
      fail(describe("positions", pos) + " does not match " + describe("x", x) +
           ": expected [B, T]");
    const int64_t rot = args->rot_dims;
    if (rot <= 0 || rot > D || rot % 2)
      fail("rot_dims " + std::to_string(rot) + " must be even and in (0, " + std::to_string(D) +
           "] for " + describe("x", x));
    const int64_t half = rot / 2;
    const plinth_tensor *inv_t =
        PLINTH_HAS_FIELD(args, plinth_rope_args, inv_freq) ? args->inv_freq : nullptr;
    float factor =
        PLINTH_HAS_FIELD(args, plinth_rope_args, attention_factor) ? args->attention_factor : 1.0f;
    // A zero factor would erase the input; it only arises from a zero-initialised args
    // struct that left the field unset, so it means the plain 1.0.
    if (factor == 0.0f) factor = 1.0f;
    std::vector<float> inv(static_cast<size_t>(half));
    if (inv_t) {
      const F32Vector given(inv_t, "inv_freq", half, "rot_dims / 2");
      std::copy(given.data(), given.data() + half, inv.begin());
    } else {
      if (!(args->theta > 0.0f)) fail("theta " + std::to_string(args->theta) + " must be positive");
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
    if (!args) fail("args is NULL");
    if (args->struct_size < offsetof(plinth_attention_args, window) + sizeof(int32_t))
      fail("args.struct_size " + std::to_string(args->struct_size) + " too small");
    const plinth_tensor *q = args->q, *k = args->k, *v = args->v;
    plinth_tensor *out = args->out;
    check_f32(q, "q");
    check_f32(k, "k");
    check_f32(v, "v");
    check_f32(out, "out");
    check_4d(q, "q", "[B, Tq, Hq, D]");
    check_4d(k, "k", "[B, Tk, Hkv, D]");
    check_4d(v, "v", "[B, Tk, Hkv, Dv]");
    check_4d(out, "out", "[B, Tq, Hq, Dv]");
    const int64_t B = q->shape[0], Tq = q->shape[1], Hq = q->shape[2], D = q->shape[3];
    const int64_t Tk = k->shape[1], Hkv = k->shape[2], Dv = v->shape[3];
    const std::string all = describe("q", q) + ", " + describe("k", k) + ", " + describe("v", v);
    if (k->shape[0] != B || k->shape[3] != D) fail(all + ": k must be [B, Tk, Hkv, D]");
    if (v->shape[0] != B || v->shape[1] != Tk || v->shape[2] != Hkv)
      fail(all + ": v must be [B, Tk, Hkv, Dv]");
    if (Hkv == 0 || Hq % Hkv != 0) fail(all + ": Hq must be a multiple of Hkv");
    if (out->shape[0] != B || out->shape[1] != Tq || out->shape[2] != Hq || out->shape[3] != Dv)
      fail(describe("out", out) + " must be [B, Tq, Hq, Dv] for " + all);
    if (out->data == q->data || out->data == k->data || out->data == v->data)
      fail("out may not alias q, k or v");
    const int64_t kv_len = args->kv_len == 0 ? Tk : args->kv_len;
    if (kv_len < 0 || kv_len > Tk)
      fail("kv_len " + std::to_string(args->kv_len) + " outside [0, " + std::to_string(Tk) +
           "] for " + all);
    const bool has_ext = PLINTH_HAS_FIELD(args, plinth_attention_args, probs);
    const plinth_tensor *mask = has_ext ? args->key_mask : nullptr;
    const plinth_tensor *bias = has_ext ? args->bias : nullptr;
    plinth_tensor *probs = has_ext ? args->probs : nullptr;
    if (mask) {
      check_i32(mask, "key_mask");
      if (mask->ndim != 2 || mask->shape[0] != B || mask->shape[1] != Tk)
        fail(describe("key_mask", mask) + " must be [B, Tk] for " + all);
    }
    int64_t bias_bs = 0, bias_hs = 0;
    if (bias) {
      check_f32(bias, "bias");
      check_4d(bias, "bias", "[B|1, Hq|1, Tq, Tk]");
      if ((bias->shape[0] != B && bias->shape[0] != 1) ||
          (bias->shape[1] != Hq && bias->shape[1] != 1) || bias->shape[2] != Tq ||
          bias->shape[3] != Tk)
        fail(describe("bias", bias) + " must be [B|1, Hq|1, Tq, Tk] for " + all);
      bias_hs = bias->shape[1] == 1 ? 0 : Tq * Tk;
      bias_bs = bias->shape[0] == 1 ? 0 : bias->shape[1] * Tq * Tk;
    }
    if (probs) {
      check_f32(probs, "probs");
      check_4d(probs, "probs", "[B, Hq, Tq, Tk]");
      if (probs->shape[0] != B || probs->shape[1] != Hq || probs->shape[2] != Tq ||
          probs->shape[3] != Tk)
        fail(describe("probs", probs) + " must be [B, Hq, Tq, Tk] for " + all);
    }
    const int64_t group = Hq / Hkv;
    const float scale = args->scale;
    const bool causal = args->causal != 0;
    const int64_t window = args->window, q_offset = args->q_offset;
    const float *qp = f32(q), *kp = f32(k), *vp = f32(v);
    const float *bp = bias ? f32(bias) : nullptr;
    const int32_t *mp = mask ? i32(mask) : nullptr;
    float *op = f32(out), *pp = probs ? f32(probs) : nullptr;
    const Kernels &kern = kernels();
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();

    std::vector<std::vector<float>> scratch(static_cast<size_t>(pool_of(ctx).size()));
    // One task per (b, head, query); consecutive tasks share a head, so its keys stay cached.
    pool_of(ctx).parallel_for(B * Hq * Tq, 4, [&](int64_t lo, int64_t hi, int tid) {
      std::vector<float> &s = scratch[static_cast<size_t>(tid)];
      s.resize(static_cast<size_t>(std::max<int64_t>(kv_len, 1)));
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
        float mx = kNegInf;
        for (int64_t j = 0; j < kv_len; ++j) {
          float sc = kNegInf;
          if (j >= first && j < last && (!mrow || mrow[j] != 0)) {
            sc = kern.dot(qr, kp + ((b * Tk + j) * Hkv + kh) * D, D) * scale;
            if (brow) sc += brow[j];
          }
          s[j] = sc;
          mx = std::max(mx, sc);
        }
        if (mx == kNegInf) {
          // No visible key: uniform weights over [0, kv_len) (eager attention with a finite
          // finfo.min mask); with kv_len == 0 there is nothing to attend to at all.
          const float w = kv_len ? 1.0f / static_cast<float>(kv_len) : 0.0f;
          for (int64_t j = 0; j < kv_len; ++j)
            s[j] = w;
        } else {
          double sum = 0.0;
          for (int64_t j = 0; j < kv_len; ++j) {
            s[j] = s[j] == kNegInf ? 0.0f : std::exp(s[j] - mx);
            sum += s[j];
          }
          const float inv = static_cast<float>(1.0 / sum);
          for (int64_t j = 0; j < kv_len; ++j)
            s[j] *= inv;
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
    check_f32(x, "x");
    check_float_any(kernel, "kernel");
    check_f32(out, "out");
    if (x->ndim != 3) fail(describe("x", x) + ": expected [B, T, C]");
    check_same_shape(x, "x", out, "out");
    if (out->data == x->data && numel(x) > 0) fail("out may not alias x");
    const int64_t B = x->shape[0], T = x->shape[1], C = x->shape[2];
    if (kernel->ndim != 2 || kernel->shape[0] != C)
      fail(describe("kernel", kernel) + " must be [C, L] for " + describe("x", x));
    const int64_t L = kernel->shape[1];
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
