// Building blocks shared by transformer architectures, written over Ops only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "ops.hpp"
#include "weights.hpp"

namespace plinth::plugin {

// The unary op for a transformers activation name (ACT2FN). Otherwise UNSUPPORTED, naming the
// config option the name came from (families spell it hidden_act, activation, ...) and the
// supported names; `handled_by_caller` lists names the caller accepts before asking here
// (they lead the list in the message).
int32_t activation_from_name(const std::string &name, const std::string &option = "hidden_act",
                             std::initializer_list<const char *> handled_by_caller = {});

// y = x W^T (+ b). The bias is optional: loaded when the checkpoint has `<name>.bias`.
struct Linear {
  Tensor weight;
  Tensor bias;

  static Linear load(const Weights &w, const std::string &name);
  Tensor operator()(const Ops &ops, const Tensor &x) const { return ops.linear(x, weight, bias); }
  int64_t out_features() const { return weight.dim(0); }
};

// LayerNorm parameters. Legacy and TF-converted checkpoints name them gamma/beta;
// transformers renames them on load, so both spellings are accepted.
struct LayerNorm {
  Tensor weight, bias;

  static LayerNorm load(const Weights &w, const std::string &name);
  Tensor operator()(const Ops &ops, const Tensor &x, float eps) const {
    return ops.layer_norm(x, weight, bias, eps);
  }
};

// down(act(gate(x)) * up(x)): the SwiGLU-style MLP of Llama/Mistral.
struct GatedMlp {
  Linear gate, up, down;
  int32_t act = PLINTH_UNARY_SILU;

  static GatedMlp load(const Weights &w, const std::string &prefix, int32_t act);
  Tensor operator()(const Ops &ops, const Tensor &x) const;
};

// Per-layer key/value cache for incremental decoding: [B, max_tokens, Hkv, D] each.
struct KvCache {
  Tensor k, v;
  // Optional i32 [1] each on the backend, shared by the layers of a session: the step's first
  // slot (past) and past + T. When set (the backend has Ops::has_device_slots()), the cache
  // write and the attention read them where the ops run, so the same ops, enqueued or
  // recorded once, serve every step.
  Tensor past_dev, end_dev;
};

// Writes k and v [B, T, Hkv, D] to slots [past, past + T) of `cache` and attends q over its
// first past + T slots (opts.kv_len / q_offset and their _dev forms are set here).
Tensor attend_cached(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                     const KvCache &cache, int64_t past, AttentionOptions opts);

// Causal multi-head self-attention over an optional KV cache: q/k/v/o projections, grouped
// query heads (n_kv_heads = n_heads for plain multi-head attention) and an optional sliding
// window. The families that share it differ only in how they load the projections (GPT-2's
// fused Conv1D, BioGPT's out_proj, Llama's o_proj) and in whether positions rotate q and k.
struct CausalAttention {
  Linear q, k, v, o;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;
  int32_t window = 0;

  // x [B, T, hidden]; key_mask [B, Tk] i32 (optional). Without a cache Tk = T. With one, the
  // new keys/values are written at slot `past` and the queries attend over the first
  // past + T slots (key_mask is then [B, max_tokens]).
  Tensor operator()(const Ops &ops, const Tensor &x, const Tensor &key_mask,
                    const KvCache *cache = nullptr, int64_t past = 0) const {
    return attend(ops, x, nullptr, nullptr, key_mask, cache, past);
  }

protected:
  // With `rope`, q and k are rotated by `positions` [B, T] i32 before attending.
  Tensor attend(const Ops &ops, const Tensor &x, const Tensor *positions, const RopeOptions *rope,
                const Tensor &key_mask, const KvCache *cache, int64_t past) const;
};

// Self-attention with grouped-query heads and rotary positions (Llama/Mistral layout:
// q/k/v/o projections, RoPE on q and k, causal with an optional sliding window).
struct RotaryAttention : CausalAttention {
  static RotaryAttention load(const Weights &w, const std::string &prefix, int64_t n_heads,
                              int64_t n_kv_heads, int64_t head_dim);

  // As CausalAttention, with positions [B, T] i32 rotating q and k.
  Tensor operator()(const Ops &ops, const Tensor &x, const Tensor &positions,
                    const RopeOptions &rope, const Tensor &key_mask, const KvCache *cache = nullptr,
                    int64_t past = 0) const {
    return attend(ops, x, &positions, &rope, key_mask, cache, past);
  }
};

} // namespace plinth::plugin
