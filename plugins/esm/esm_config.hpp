// ESM hyper-parameters from config.json (EsmConfig in transformers). Covers ESM-2 (rotary
// positions, token dropout, final layer norm) and ESM-1b (learned absolute positions offset
// by the padding index, layer norm before the encoder).
#pragma once

#include <cstdint>
#include <optional>

#include "config.hpp"

namespace plinth::esm {

struct EsmConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t head_dim = 0;
  int64_t max_positions = 0;
  int64_t num_labels = 2;
  double layer_norm_eps = 1e-12;
  bool rotary = false; // position_embedding_type "rotary"; else "absolute"
  bool token_dropout = false;
  bool emb_layer_norm_before = false;
  std::optional<int64_t> mask_token_id;
  int64_t pad_token_id = 1;

  static EsmConfig read(const plugin::Config &cfg);
};

} // namespace plinth::esm
