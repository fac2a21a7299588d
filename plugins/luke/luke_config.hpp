// LUKE / mLUKE hyper-parameters from config.json (LukeConfig in transformers). mLUKE uses the
// same model_type and architecture; only its tokenizer differs.
#pragma once

#include <cstdint>
#include <string>

#include "config.hpp"

namespace plinth::luke {

struct LukeConfig {
  int64_t vocab_size = 0;
  int64_t entity_vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t entity_emb_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  int64_t max_positions = 0;
  int64_t type_vocab_size = 0;
  int64_t num_labels = 2;
  int64_t pad_token_id = 1;
  double layer_norm_eps = 1e-12;
  int32_t hidden_act = 0; // plinth_unary_op of config.hidden_act
  bool entity_aware_attention = true;

  static LukeConfig read(const plugin::Config &cfg);
};

} // namespace plinth::luke
