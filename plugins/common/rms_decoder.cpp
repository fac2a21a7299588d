#include "rms_decoder.hpp"

namespace plinth::plugin {

Tensor rms_decoder_trunk(const Ops &ops, const Tensor &embed,
                         const std::vector<RmsDecoderLayer> &layers, float eps,
                         const RopeOptions &rope, const Tensor &ids, const Tensor &positions,
                         const Tensor &key_mask, const std::vector<KvCache> *caches, int64_t past,
                         const std::function<void(int64_t, const Tensor &)> &on_hidden) {
  Tensor h = ops.get_rows(embed, ids);
  for (size_t i = 0; i < layers.size(); ++i) {
    if (on_hidden) on_hidden(static_cast<int64_t>(i), h);
    const RmsDecoderLayer &layer = layers[i];
    Tensor x = ops.rms_norm(h, layer.input_norm, eps);
    ops.add_(h, layer.attn(ops, x, positions, rope, key_mask,
                           caches != nullptr ? &(*caches)[i] : nullptr, past));
    x = ops.rms_norm(h, layer.post_attention_norm, eps);
    ops.add_(h, layer.mlp(ops, x));
  }
  return h;
}

} // namespace plinth::plugin
