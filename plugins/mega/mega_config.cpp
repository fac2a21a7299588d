#include "mega_config.hpp"

#include "blocks.hpp"
#include "error.hpp"

namespace plinth::mega {

using plugin::fail;

MegaConfig MegaConfig::read(const plugin::Config &cfg) {
  MegaConfig c;
  c.vocab_size = cfg.i64("vocab_size");
  c.hidden_size = cfg.i64_or("hidden_size", 128);
  c.num_layers = cfg.i64_or("num_hidden_layers", 4);
  c.intermediate_size = cfg.i64_or("intermediate_size", 256);
  c.ema_size = cfg.i64_or("ema_projection_size", 16);
  c.shared_size = cfg.i64_or("shared_representation_size", 64);
  c.nffn_hidden_size = cfg.i64_or("nffn_hidden_size", 256);
  c.max_positions = cfg.i64_or("max_positions", 2048);
  c.type_vocab_size = cfg.i64_or("type_vocab_size", 2);
  if (c.hidden_size <= 0 || c.num_layers < 0 || c.intermediate_size <= 0 || c.ema_size <= 0 ||
      c.shared_size <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: mega sizes must be positive");

  c.bidirectional = cfg.bool_or("bidirectional", true);
  c.use_chunking = cfg.bool_or("use_chunking", false);
  c.chunk_size = cfg.i64_or("chunk_size", -1);
  if (c.use_chunking && c.chunk_size <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: use_chunking = true needs a positive chunk_size (got " +
                                std::to_string(c.chunk_size) + ")");
  c.truncation = cfg.opt_i64("truncation");
  if (c.truncation && *c.truncation <= 0)
    fail(PLINTH_ERR_UNSUPPORTED, "config.json: truncation = " + std::to_string(*c.truncation) +
                                     " is not supported (a positive kernel length or null)");

  c.normalize_before_mega = cfg.bool_or("normalize_before_mega", true);
  c.normalize_before_ffn = cfg.bool_or("normalize_before_ffn", true);
  c.use_normalized_ffn = cfg.bool_or("use_normalized_ffn", true);
  c.norm_affine = cfg.bool_or("norm_affine", true);
  // syncbatchnorm is nn.SyncBatchNorm, which at inference normalises with the running
  // statistics exactly as BatchNorm1d does.
  cfg.require_one_of("normalization_type",
                     {"scalenorm", "layernorm", "rmsnorm", "batchnorm", "syncbatchnorm"},
                     "scalenorm");
  const std::string norm = cfg.str_or("normalization_type", "scalenorm");
  if (norm == "layernorm")
    c.norm = NormKind::layernorm;
  else if (norm == "rmsnorm")
    c.norm = NormKind::rmsnorm;
  else if (norm == "scalenorm")
    c.norm = NormKind::scalenorm;
  else
    c.norm = NormKind::batchnorm;

  // Mega calls its MLP activation `activation`, not `hidden_act`.
  c.activation = plugin::activation_from_name(cfg.str_or("activation", "silu"), "activation");
  const std::string attn = cfg.str_or("attention_activation", "softmax");
  if (attn == "softmax") {
    c.attn = AttnKind::softmax;
  } else if (attn == "laplace") {
    c.attn = AttnKind::laplace;
  } else {
    // element_attention applies ACT2FN[attention_activation] to the scores ("relu2" in Mega).
    c.attn = AttnKind::unary;
    c.attn_unary =
        plugin::activation_from_name(attn, "attention_activation", {"softmax", "laplace"});
  }

  cfg.require_one_of("relative_positional_bias", {"rotary", "simple"}, "rotary");
  c.rel_pos = cfg.str_or("relative_positional_bias", "rotary") == "simple" ? RelPosKind::simple
                                                                           : RelPosKind::rotary;
  if (c.rel_pos == RelPosKind::rotary && (c.hidden_size % 2 != 0 || c.shared_size % 2 != 0))
    fail(PLINTH_ERR_FORMAT, "config.json: rotary relative bias needs even hidden_size and "
                            "shared_representation_size");

  c.add_token_type_embeddings = cfg.bool_or("add_token_type_embeddings", false);
  c.is_decoder = cfg.bool_or("is_decoder", false);
  c.add_lm_hidden_dense_layer = cfg.bool_or("add_lm_hidden_dense_layer", true);
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", true);
  // MegaGatedCrossAttention needs encoder_hidden_states, which no head here receives.
  cfg.require_bool("add_cross_attention", false, false);
  cfg.require_bool("is_encoder_decoder", false, false);
  return c;
}

} // namespace plinth::mega
