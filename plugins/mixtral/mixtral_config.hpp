// Mixtral hyper-parameters from config.json (MixtralConfig in transformers), with the options
// this plugin does not implement rejected up front. Absent keys take MixtralConfig's class
// defaults (8 key/value heads, 8 experts, top-2, rope_theta 1e6, ...).
#pragma once

#include <cstdint>
#include <optional>

#include "config.hpp"
#include "rope.hpp"

namespace plinth::mixtral {

struct MixtralConfig {
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 14336;
  int64_t num_layers = 32;
  int64_t num_heads = 32;
  int64_t num_kv_heads = 8;
  int64_t head_dim = 0; // hidden_size / num_heads unless given
  int64_t max_positions = 4096 * 32;
  int64_t num_labels = 2;
  int64_t num_experts = 8;
  int64_t experts_per_token = 2;
  double rms_norm_eps = 1e-5;
  int32_t sliding_window = 0; // 0: none (config null)
  int32_t hidden_act = PLINTH_UNARY_SILU;
  std::optional<int64_t> pad_token_id;
  bool tie_word_embeddings = false;
  plugin::RopeSpec rope;

  static MixtralConfig read(const plugin::Config &cfg);
};

} // namespace plinth::mixtral
