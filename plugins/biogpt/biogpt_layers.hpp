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

using plugin::LayerNorm;

// BioGptAttention: causal multi-head attention with q/k/v/out projections (with biases),
// scores scaled by head_dim^-0.5.
plugin::CausalAttention load_attention(const plugin::Weights &w, const std::string &prefix,
                                       int64_t n_heads, int64_t head_dim);

struct BioGptMlp {
  Linear fc1, fc2;
  int32_t act = PLINTH_UNARY_GELU;

  static BioGptMlp load(const plugin::Weights &w, const std::string &prefix, int32_t act);
  Tensor operator()(const plugin::Ops &ops, const Tensor &x) const;
};

} // namespace plinth::biogpt
