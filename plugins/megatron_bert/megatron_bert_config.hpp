// Megatron-BERT hyper-parameters from config.json (MegatronBertConfig in transformers), with
// the options this plugin does not implement rejected up front.
#pragma once

#include <cstdint>

#include "config.hpp"

namespace plinth::megatron_bert {

struct MegatronBertConfig {
  int64_t vocab_size = 29056;
  int64_t hidden_size = 1024;
  int64_t intermediate_size = 4096;
  int64_t num_layers = 24;
  int64_t num_heads = 16;
  int64_t head_dim = 64;
  int64_t max_positions = 512;
  int64_t type_vocab_size = 2;
  int64_t num_labels = 2;
  int64_t pad_token_id = 0;
  double layer_norm_eps = 1e-12;
  int32_t hidden_act = PLINTH_UNARY_GELU;
  // is_decoder: transformers keeps a KV cache while generating (use_cache applies only to
  // decoders). It does not make the self-attention causal in the transformers versions the
  // reference outputs come from (see MegatronBertModel::layers_forward).
  bool is_decoder = false;
  bool tie_word_embeddings = true;

  static MegatronBertConfig read(const plugin::Config &cfg);
};

} // namespace plinth::megatron_bert
