// MobileBERT hyper-parameters from config.json (MobileBertConfig in transformers): the
// bottlenecked encoder (use_bottleneck, use_bottleneck_attention, key_query_shared_bottleneck),
// stacked feed-forward networks, NoNorm or LayerNorm, and trigram input embeddings.
#pragma once

#include <cstdint>

#include "config.hpp"

namespace plinth::mobilebert {

struct MobileBertConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t embedding_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  int64_t max_positions = 0;
  int64_t type_vocab_size = 0;
  int64_t num_labels = 2;
  int32_t hidden_act = 0; // plinth_unary_op
  double layer_norm_eps = 1e-12;
  bool trigram_input = true;
  bool use_bottleneck = true;
  int64_t intra_bottleneck_size = 0;
  // Width the attention and feed-forward blocks work in: intra_bottleneck_size with the
  // bottleneck, hidden_size without (transformers derives it; a stored value is ignored).
  int64_t true_hidden_size = 0;
  bool use_bottleneck_attention = false;
  bool key_query_shared_bottleneck = true;
  int64_t num_feedforward_networks = 4;
  bool no_norm = true; // normalization_type "no_norm" (elementwise affine); else "layer_norm"
  bool classifier_activation = true;
  bool tie_word_embeddings = true;

  static MobileBertConfig read(const plugin::Config &cfg);
};

} // namespace plinth::mobilebert
