// Building blocks shared by transformer architectures, written over Ops only.
#pragma once

#include <cstdint>
#include <string>

#include "ops.hpp"
#include "weights.hpp"

namespace plinth::plugin {

// The unary op for a transformers `hidden_act` name; UNSUPPORTED naming it otherwise.
int32_t activation_from_name(const std::string &name);

// y = x W^T (+ b). The bias is optional: loaded when the checkpoint has `<name>.bias`.
struct Linear {
  Tensor weight;
  Tensor bias;

  static Linear load(const Weights &w, const std::string &name);
  Tensor operator()(const Ops &ops, const Tensor &x) const { return ops.linear(x, weight, bias); }
  int64_t out_features() const { return weight.dim(0); }
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
};

// Self-attention with grouped-query heads and rotary positions (Llama/Mistral layout:
// q/k/v/o projections, RoPE on q and k, causal with an optional sliding window).
struct RotaryAttention {
  Linear q, k, v, o;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;
  int32_t window = 0;

  static RotaryAttention load(const Weights &w, const std::string &prefix, int64_t n_heads,
                              int64_t n_kv_heads, int64_t head_dim);

  // x [B, T, hidden]; positions [B, T] i32; key_mask [B, Tk] i32 (optional).
  // Without a cache Tk = T. With one, the new keys/values are written at slot `past` and the
  // queries attend over the first past + T slots (key_mask is then [B, max_tokens]).
  Tensor operator()(const Ops &ops, const Tensor &x, const Tensor &positions,
                    const RopeOptions &rope, const Tensor &key_mask, const KvCache *cache = nullptr,
                    int64_t past = 0) const;
};

} // namespace plinth::plugin
