// The pieces of a GPT-2 block: Conv1D projections (weights stored [in, out], transposed once
// at load into the [out, in] layout linear() takes), layer norms, causal multi-head attention
// over an optional KV cache, and the MLP.
#pragma once

#include <cstdint>
#include <string>

#include "blocks.hpp"
#include "ops.hpp"
#include "weights.hpp"

namespace plinth::gpt2 {

using plugin::Linear;
using plugin::Tensor;

// Where the Conv1D loaders read from: the backend ops, the checkpoint, and the host table
// (for the stored dtype of a tensor).
struct Loader {
  const plugin::Ops &ops;
  const plugin::Weights &w;
  const plinth_model_env &env;
};

// transformers' Conv1D computes x @ W + b with W [in, out]. The checkpoint's matrix is
// loaded in its stored float dtype and transposed into a plugin-owned [out, in] tensor, so
// that the backend's linear() (with its half-precision and decoding fast paths) serves it
// like any nn.Linear. The core's load-dtype policy (f16 / block-quantized) is not applied
// to these matrices: quantized rows run along the stored [in, out] layout, which cannot be
// transposed block-wise.
Linear load_conv1d(const Loader &ld, const std::string &name);

using plugin::LayerNorm;

// GPT2Attention (self-attention only): causal multi-head attention whose c_attn fused
// [in, 3 * E] matrix is split into the query, key and value projections (each a row block of
// the transposed matrix); c_proj is the output projection.
plugin::CausalAttention load_attention(const Loader &ld, const std::string &prefix, int64_t n_heads,
                                       int64_t head_dim);

struct Gpt2Mlp {
  Linear fc, proj;
  int32_t act = PLINTH_UNARY_GELU_TANH;
  bool identity = false; // activation_function "linear"

  static Gpt2Mlp load(const Loader &ld, const std::string &prefix);
  Tensor operator()(const plugin::Ops &ops, const Tensor &x) const;
};

} // namespace plinth::gpt2
