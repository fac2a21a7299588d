// Helium hyper-parameters from config.json (HeliumConfig in transformers), with the options
// this plugin does not implement rejected up front. Absent keys take HeliumConfig's class
// defaults, which differ from Llama/Mistral (head_dim 128, rope_theta 1e5, pad id 3, ...).
#pragma once

#include <cstdint>
#include <optional>

#include "config.hpp"
#include "rope.hpp"

namespace plinth::helium {

struct HeliumConfig {
  int64_t vocab_size = 48000;
  int64_t hidden_size = 2560;
  int64_t intermediate_size = 7040;
  int64_t num_layers = 24;
  int64_t num_heads = 20;
  int64_t num_kv_heads = 20;
  int64_t head_dim = 128;
  int64_t max_positions = 4096;
  int64_t num_labels = 2;
  double rms_norm_eps = 1e-8;
  int32_t hidden_act = PLINTH_UNARY_SILU;
  bool attention_bias = false;
  bool mlp_bias = false;
  std::optional<int64_t> pad_token_id;
  bool tie_word_embeddings = false;
  plugin::RopeSpec rope;

  static HeliumConfig read(const plugin::Config &cfg);
};

} // namespace plinth::helium
