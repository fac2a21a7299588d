// The sparse mixture-of-experts block of the Llama-family decoders (Mixtral's
// MixtralSparseMoeBlock), entirely on the backend:
// router logits -> softmax over all experts -> top-k -> renormalised weights over the chosen
// k, then every (token, choice) row goes through its expert's SwiGLU MLP with
// linear_indexed, and the k weighted outputs of a token are summed.
#pragma once

#include <cstdint>
#include <string>

#include "blocks.hpp"
#include "ops.hpp"
#include "weights.hpp"

namespace plinth::plugin {

struct SparseMoe {
  Linear router;  // [E, hidden]
  Tensor gate_up; // [E, 2 * intermediate, hidden]: gate rows, then up rows
  Tensor down;    // [E, hidden, intermediate]
  int64_t num_experts = 0;
  int64_t top_k = 0;
  int64_t intermediate = 0;
  int32_t act = PLINTH_UNARY_SILU;

  // Accepts both checkpoint layouts: the per-expert one transformers saves
  // ("block_sparse_moe.experts.<e>.w1/w2/w3", "block_sparse_moe.gate") and the fused one of
  // its in-memory modules ("mlp.experts.gate_up_proj/down_proj", "mlp.gate").
  static SparseMoe load(const Ops &ops, const Weights &w, const std::string &layer_prefix,
                        int64_t num_experts, int64_t top_k, int64_t hidden, int64_t intermediate,
                        int32_t act);

  // x [..., hidden] -> the same shape. router_logits (optional) receives the gate's
  // pre-softmax output [rows, E], which transformers returns as router_logits.
  Tensor operator()(const Ops &ops, const Tensor &x, Tensor *router_logits) const;
};

} // namespace plinth::plugin
