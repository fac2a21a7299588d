// MEGA hyper-parameters from config.json (MegaConfig in transformers 4.37, the last release
// that shipped the model). Every option that changes the forward pass is read; values this
// plugin does not implement are rejected by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config.hpp"

namespace plinth::mega {

enum class NormKind { layernorm, scalenorm, rmsnorm, batchnorm };
enum class AttnKind { softmax, laplace, unary }; // unary: an ACT2FN activation such as relu2
enum class RelPosKind { simple, rotary };

struct MegaConfig {
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t intermediate_size = 0;
  int64_t ema_size = 0;    // ema_projection_size (N)
  int64_t shared_size = 0; // shared_representation_size (Z): query/key width
  int64_t nffn_hidden_size = 0;
  int64_t max_positions = 0;
  int64_t type_vocab_size = 2;

  bool bidirectional = true;
  bool use_chunking = false;
  int64_t chunk_size = -1;
  std::optional<int64_t> truncation; // EMA kernel length limit
  bool normalize_before_mega = true;
  bool normalize_before_ffn = true;
  bool use_normalized_ffn = true;
  bool norm_affine = true;
  NormKind norm = NormKind::scalenorm;
  int32_t activation = 0; // unary op for v_proj, h_proj and the NFFN
  AttnKind attn = AttnKind::softmax;
  int32_t attn_unary = 0; // for AttnKind::unary
  RelPosKind rel_pos = RelPosKind::rotary;
  bool add_token_type_embeddings = false;
  bool is_decoder = false;
  bool add_lm_hidden_dense_layer = true;
  bool tie_word_embeddings = true;

  // The length the simple relative bias indexes around: chunk_size when it is set (whether or
  // not chunking is on, as MegaSimpleRelativePositionalBias does), else max_positions.
  int64_t rel_pos_span() const { return chunk_size < 0 ? max_positions : chunk_size; }

  static MegaConfig read(const plugin::Config &cfg);
};

} // namespace plinth::mega
