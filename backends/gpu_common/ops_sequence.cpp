// Sequence ops: rotary position embedding, scaled dot-product attention, depthwise conv.
#include "backend.hpp"

#include <cmath>
#include <cstddef>
#include <vector>

namespace plinth::gpu::ops {
namespace {

// 1 / theta ** (arange(0, rot, 2) / rot) in f32 on the host (as transformers computes it),
// uploaded once per (theta, rot) and kept for the context's lifetime.
const float *inv_freq_for(plinth_backend_ctx *ctx, float theta, int64_t rot) {
  Context &c = *context_of(ctx);
  const auto key = std::make_pair(theta, rot);
  auto it = c.inv_freq.find(key);
  if (it != c.inv_freq.end()) return static_cast<const float *>(it->second.first);
  if (c.recording)
    fail("rope: the inverse frequencies for this theta are uploaded on first use, which cannot "
         "be recorded: run the step once before graph_begin",
         PLINTH_ERR_UNSUPPORTED);
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
    const RopeShape sh = check_rope(args);
    const plinth_tensor *x = args->x, *pos = args->positions;
    plinth_tensor *out = args->out;
    const int64_t B = sh.B, T = sh.T, H = sh.H, D = sh.D, rot = sh.rot;
    const plinth_tensor *inv_t = sh.inv_freq;
    RopeArgs a;
    if (inv_t) {
      a.inv_freq = inv_t->data;
      a.inv_dtype = inv_t->dtype;
    } else {
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
    a.factor = sh.factor;
    launch_rope(a, stream_of(ctx));
  });
}

plinth_status attention(plinth_backend_ctx *ctx, const plinth_attention_args *args) {
  return guarded("attention", ctx, [&] {
    const AttentionShape sh = check_attention(args);
    const plinth_tensor *q = args->q, *k = args->k, *v = args->v;
    plinth_tensor *out = args->out;
    const int64_t B = sh.B, Tq = sh.Tq, Hq = sh.Hq, D = sh.D, Tk = sh.Tk, Hkv = sh.Hkv, Dv = sh.Dv;
    const int64_t kv_len = sh.kv_len;
    const plinth_tensor *mask = sh.mask, *bias = sh.bias;
    plinth_tensor *probs = sh.probs;
    AttentionArgs a;
    if (bias) {
      a.bias = f32(bias);
      a.bias_hs = bias->shape[1] == 1 ? 0 : Tq * Tk;
      a.bias_bs = bias->shape[0] == 1 ? 0 : bias->shape[1] * Tq * Tk;
    }
    if (probs) a.probs = f32(probs);
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
    a.kv_len = kv_len; // with kv_len_dev: the bound the launch is planned for
    a.q_offset = args->q_offset;
    a.kv_len_dev = sh.kv_len_dev ? i32(sh.kv_len_dev) : nullptr;
    a.q_offset_dev = sh.q_offset_dev ? i32(sh.q_offset_dev) : nullptr;
    a.err = context_of(ctx)->err;
    a.scale = args->scale;
    a.causal = args->causal;
    a.window = args->window;
    a.key_mask = mask ? i32(mask) : nullptr;
    if (B * Hq * Tq == 0 || Dv == 0) return;
    const AttentionPlan plan =
        plan_attention(a, context_of(ctx)->smem_limit, context_of(ctx)->torch_order);
    if (plan.unsupported) fail(plan.unsupported, PLINTH_ERR_UNSUPPORTED);
    if (plan.scratch_floats > 0) {
      float *s = static_cast<float *>(scratch(ctx, static_cast<size_t>(plan.scratch_floats) * 4));
      if (a.probs) {
        a.row_stats = s;
        s += B * Hq * Tq * 2;
      }
      a.partial = s;
    }
    launch_attention(a, plan, stream_of(ctx));
  });
}

plinth_status conv1d_depthwise(plinth_backend_ctx *ctx, const plinth_tensor *x,
                               const plinth_tensor *kernel, int64_t center, plinth_tensor *out) {
  return guarded("conv1d_depthwise", ctx, [&] {
    const Conv1dShape sh = check_conv1d_depthwise(x, kernel, out);
    const int64_t B = sh.B, T = sh.T, C = sh.C, L = sh.L;
    launch_conv1d_depthwise(f32(x), kernel->data, kernel->dtype, B, T, C, L, center, f32(out),
                            stream_of(ctx));
  });
}

} // namespace plinth::gpu::ops
