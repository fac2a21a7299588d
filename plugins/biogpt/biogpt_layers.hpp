// The pieces of a BioGPT decoder layer (BartDecoderLayer without cross-attention): layer
// norms, causal multi-head self-attention over an optional KV cache, and the fc1/fc2 MLP.
#pragma once

#include <cstdint>
#include <string>

#include "blocks.hpp"
#include "ops.hpp"
#include "weights.hpp"

namespace plinth::biogpt {

using plugin::Linear;
using plugin::Tensor;

struct LayerNorm {
  Tensor weight, bias;

  static LayerNorm load(const plugin::Weights &w, const std::string &name);
  Tensor operator()(const plugin::Ops &ops, const Tensor &x, float eps) const {
    return ops.layer_norm(x, weight, bias, eps);
  }
};

// BioGptAttention: q/k/v/out projections with biases, scores scaled by head_dim^-0.5.
struct BioGptAttention {
  Linear q, k, v, out;
  int64_t n_heads = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;

  static BioGptAttention load(const plugin::Weights &w, const std::string &prefix, int64_t n_heads,
                              int64_t head_dim);

  // x [B, T, E]; key_mask [B, Tk] i32. Without a cache Tk = T. With one ([B, max_tokens, H, D]
  // each), the new keys/values go to slot `past` and the queries attend over past + T slots.
  Tensor operator()(const plugin::Ops &ops, const Tensor &x, const Tensor &key_mask,
                    const plugin::KvCache *cache, int64_t past) const;
};

struct BioGptMlp {
  Linear fc1, fc2;
  int32_t act = PLINTH_UNARY_GELU;

  static BioGptMlp load(const plugin::Weights &w, const std::string &prefix, int32_t act);
  Tensor operator()(const plugin::Ops &ops, const Tensor &x) const;
};

} // namespace plinth::biogpt
