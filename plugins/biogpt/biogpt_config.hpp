// BioGPT hyper-parameters from config.json (BioGptConfig in transformers), with the options
// this plugin does not implement rejected up front.
#pragma once

#include <cstdint>
#include <optional>

#include "config.hpp"

namespace plinth::biogpt {

struct BioGptConfig {
  int64_t vocab_size = 42384;
  int64_t hidden_size = 1024;
  int64_t intermediate_size = 4096;
  int64_t num_layers = 24;
  int64_t num_heads = 16;
  int64_t head_dim = 64;
  int64_t max_positions = 1024; // the position table has max_positions + 2 rows
  int64_t num_labels = 2;
  int32_t hidden_act = PLINTH_UNARY_GELU;
  float embed_scale = 32.0f; // sqrt(hidden_size) with scale_embedding, else 1
  std::optional<int64_t> pad_token_id;
  bool tie_word_embeddings = true;

  // BioGPT's layer norms are nn.LayerNorm(hidden_size) with torch's default eps: the config's
  // layer_norm_eps is not read by the transformers model, so it is not used here either.
  static constexpr float kLayerNormEps = 1e-5f;
  // BioGptLearnedPositionalEmbedding looks positions up at index position + 2.
  static constexpr int32_t kPositionOffset = 2;

  static BioGptConfig read(const plugin::Config &cfg);
};

} // namespace plinth::biogpt
