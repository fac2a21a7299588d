// GPT-2 hyper-parameters from config.json (GPT2Config in transformers), with the options this
// plugin does not implement rejected up front. GPT2Config spells its sizes n_embd / n_layer /
// n_head / n_positions and maps the generic names (hidden_size, ...) onto them; both are read.
#pragma once

#include <cstdint>
#include <optional>

#include "config.hpp"

namespace plinth::gpt2 {

struct Gpt2Config {
  int64_t vocab_size = 50257;
  int64_t hidden_size = 768; // n_embd
  int64_t inner_size = 3072; // n_inner, or 4 * n_embd when null
  int64_t num_layers = 12;   // n_layer
  int64_t num_heads = 12;    // n_head
  int64_t head_dim = 64;
  int64_t max_positions = 1024; // n_positions: rows of the learned position table
  int64_t num_labels = 2;
  double layer_norm_eps = 1e-5;
  int32_t activation = PLINTH_UNARY_GELU_TANH; // activation_function ("gelu_new")
  bool activation_identity = false;            // activation_function "linear"
  bool scale_attn_weights = true;
  bool scale_attn_by_inverse_layer_idx = false;
  std::optional<int64_t> pad_token_id;
  bool tie_word_embeddings = true;

  static Gpt2Config read(const plugin::Config &cfg);
};

} // namespace plinth::gpt2
