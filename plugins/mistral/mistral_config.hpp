// Mistral hyper-parameters from config.json (MistralConfig in transformers), with the
// options this plugin does not implement rejected up front.
#pragma once

#include <cstdint>
#include <optional>

#include "config.hpp"
#include "rope.hpp"

namespace plinth::mistral {

struct MistralConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t max_positions = 0;
  int64_t num_labels = 2;
  double rms_norm_eps = 1e-6;
  int32_t sliding_window = 0; // 0: none (config null)
  int32_t hidden_act = PLINTH_UNARY_SILU;
  std::optional<int64_t> pad_token_id;
  bool tie_word_embeddings = false;
  plugin::RopeSpec rope;

  static MistralConfig read(const plugin::Config &cfg);
};

} // namespace plinth::mistral
