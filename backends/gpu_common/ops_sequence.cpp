// Sequence ops: rotary position embedding, scaled dot-product attention, depthwise conv.
#include "backend.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace plinth::gpu::ops {
namespace {

#define PLINTH_HAS_FIELD(args, type, field)                                                        \
  ((args)->struct_size >= offsetof(type, field) + sizeof((args)->field))

void check_4d(const plinth_tensor *t, const char *name, const char *layout) {
  if (t->ndim != 4) fail(describe(name, t) + ": expected " + layout);
}

// 1 / theta ** (arange(0, rot, 2) / rot) in f32 on the host (as transformers computes it),
// uploaded once per (theta, rot) and kept for the context's lifetime.
const float *inv_freq_for(plinth_backend_ctx *ctx, float theta, int64_t rot) {
  Context &c = *context_of(ctx);
  const auto key = std::make_pair(theta, rot);
  auto it = c.inv_freq.find(key);
  if (it != c.inv_freq.end()) return static_cast<const float *>(it->second.first);
  const int64_t half = rot / 2;
  std::vector<float> inv(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i)
    inv[i] = 1.0f / std::pow(theta, static_cast<float>(2 * i) / static_cast<float>(rot));
  auto block = c.alloc.allocate(inv.size() * sizeof(float));
  try {
    copy_h2d(block.first, inv.data(), inv.size() * sizeof(float), c.stream);
  } catch (...) {
    c.alloc.release(block.first, block.second);
    throw;
  }
  c.inv_freq.emplace(key, block);
  return static_cast<const float *>(block.first);
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
    const plinth_tensor *inv_t =
        PLINTH_HAS_FIELD(args, plinth_rope_args, inv_freq) ? args->inv_freq : nullptr;
    float factor =
        PLINTH_HAS_FIELD(args, plinth_rope_args, attention_factor) ? args->attention_factor : 1.0f;
    if (factor == 0.0f) factor = 1.0f; // a zero-initialised args struct means plain RoPE
    RopeArgs a;
    if (inv_t) {
      check_param(inv_t, "inv_freq", rot / 2, "rot_dims / 2");
      a.inv_freq = inv_t->data;
      a.inv_dtype = inv_t->dtype;
    } else {
      if (!(args->theta > 0.0f)) fail("theta " + std::to_string(args->theta) + " must be positive");
      a.inv_freq = inv_freq_for(ctx, args->theta, rot);
    }
    a.x = f32(x);
    a.y = f32(out);
    a.positions = i32(pos);
    a.BT = B * T;
    a.H = H;
    a.D = D;
    a.rot = rot;
    a.neox = args->neox != 0;
    a.factor = factor;
    launch_rope(a, stream_of(ctx));
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
    AttentionArgs a;
    if (bias) {
      check_f32(bias, "bias");
      check_4d(bias, "bias", "[B|1, Hq|1, Tq, Tk]");
      if ((bias->shape[0] != B && bias->shape[0] != 1) ||
          (bias->shape[1] != Hq && bias->shape[1] != 1) || bias->shape[2] != Tq ||
          bias->shape[3] != Tk)
        fail(describe("bias", bias) + " must be [B|1, Hq|1, Tq, Tk] for " + all);
      a.bias = f32(bias);
      a.bias_hs = bias->shape[1] == 1 ? 0 : Tq * Tk;
      a.bias_bs = bias->shape[0] == 1 ? 0 : bias->shape[1] * Tq * Tk;
    }
    if (probs) {
      check_f32(probs, "probs");
      check_4d(probs, "probs", "[B, Hq, Tq, Tk]");
      if (probs->shape[0] != B || probs->shape[1] != Hq || probs->shape[2] != Tq ||
          probs->shape[3] != Tk)
        fail(describe("probs", probs) + " must be [B, Hq, Tq, Tk] for " + all);
      a.probs = f32(probs);
    }
    a.q = f32(q);
    a.k = f32(k);
    a.v = f32(v);
    a.out = f32(out);
    a.B = B;
    a.Tq = Tq;
    a.Tk = Tk;
    a.Hq = Hq;
    a.Hkv = Hkv;
    a.D = D;
    a.Dv = Dv;
    a.kv_len = kv_len;
    a.q_offset = args->q_offset;
    a.scale = args->scale;
    a.causal = args->causal;
    a.window = args->window;
    a.key_mask = mask ? i32(mask) : nullptr;
    if (B * Hq * Tq == 0 || Dv == 0) return;
    const AttentionPlan plan = plan_attention(a);
    if (plan.scratch_floats > 0) {
      float *s = static_cast<float *>(scratch(ctx, static_cast<size_t>(plan.scratch_floats) * 4));
      if (a.probs) {
        a.row_stats = s;
        s += B * Hq * Tq * 2;
      }
      a.partial = s;
    }
    launch_attention(a, stream_of(ctx));
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
    launch_conv1d_depthwise(f32(x), kernel->data, kernel->dtype, B, T, C, L, center, f32(out),
                            stream_of(ctx));
  });
}

} // namespace plinth::gpu::ops
