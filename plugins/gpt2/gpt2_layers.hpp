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

struct LayerNorm {
  Tensor weight, bias;

  static LayerNorm load(const plugin::Weights &w, const std::string &name);
  Tensor operator()(const plugin::Ops &ops, const Tensor &x, float eps) const {
    return ops.layer_norm(x, weight, bias, eps);
  }
};

// GPT2Attention (self-attention only). c_attn's fused [in, 3 * E] matrix is split into the
// query, key and value projections; each is a row block of the transposed matrix.
struct Gpt2Attention {
  Linear q, k, v, proj;
  int64_t n_heads = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;

  static Gpt2Attention load(const Loader &ld, const std::string &prefix, int64_t n_heads,
                            int64_t head_dim);

  // x [B, T, E]; key_mask [B, Tk] i32. Without a cache Tk = T. With one ([B, max_tokens, H, D]
  // each), the new keys/values go to slot `past` and the queries attend over past + T slots.
  Tensor operator()(const plugin::Ops &ops, const Tensor &x, const Tensor &key_mask,
                    const plugin::KvCache *cache, int64_t past) const;
};

struct Gpt2Mlp {
  Linear fc, proj;
  int32_t act = PLINTH_UNARY_GELU_TANH;
  bool identity = false; // activation_function "linear"

  static Gpt2Mlp load(const Loader &ld, const std::string &prefix);
  Tensor operator()(const plugin::Ops &ops, const Tensor &x) const;
};

} // namespace plinth::gpt2
