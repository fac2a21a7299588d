// The trunk of the Llama-style decoders (Mistral, Helium): token embeddings, then pre-norm
// layers of RMSNorm + rotary attention and RMSNorm + gated MLP, each added to the residual.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "blocks.hpp"
#include "ops.hpp"

namespace plinth::plugin {

struct RmsDecoderLayer {
  Tensor input_norm;
  Tensor post_attention_norm;
  RotaryAttention attn;
  GatedMlp mlp;
};

// get_rows(embed, ids), then every layer. `on_hidden(i, h)` (when set) sees the embeddings
// (i = 0) and each layer's output but the last (i = 1 .. L-1); the caller applies the final
// norm. With caches, new keys/values go to slot `past` of each layer's cache.
Tensor rms_decoder_trunk(const Ops &ops, const Tensor &embed,
                         const std::vector<RmsDecoderLayer> &layers, float eps,
                         const RopeOptions &rope, const Tensor &ids, const Tensor &positions,
                         const Tensor &key_mask, const std::vector<KvCache> *caches, int64_t past,
                         const std::function<void(int64_t, const Tensor &)> &on_hidden);

} // namespace plinth::plugin
