#include "esm_config.hpp"

#include "error.hpp"

namespace plinth::esm {

using plugin::fail;

EsmConfig EsmConfig::read(const plugin::Config &cfg) {
  EsmConfig c;
  c.vocab_size = cfg.i64("vocab_size");
  c.hidden_size = cfg.i64("hidden_size");
  c.intermediate_size = cfg.i64("intermediate_size");
  c.num_layers = cfg.i64("num_hidden_layers");
  c.num_heads = cfg.i64("num_attention_heads");
  if (c.num_heads <= 0 || c.hidden_size % c.num_heads != 0)
    fail(PLINTH_ERR_FORMAT, "config.json: hidden_size must be a multiple of num_attention_heads");
  c.head_dim = c.hidden_size / c.num_heads;
  c.max_positions = cfg.i64_or("max_position_embeddings", 0);
  c.layer_norm_eps = cfg.f64_or("layer_norm_eps", 1e-12);
  c.token_dropout = cfg.bool_or("token_dropout", false);
  c.emb_layer_norm_before = cfg.bool_or("emb_layer_norm_before", false);
  c.mask_token_id = cfg.opt_i64("mask_token_id");
  c.pad_token_id = cfg.i64_or("pad_token_id", 1);
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);

  // relative_key(_query) distance embeddings exist in EsmSelfAttention but no ESM checkpoint
  // uses them; they are rejected rather than silently ignored.
  cfg.require_one_of("position_embedding_type", {"rotary", "absolute"}, "absolute");
  c.rotary = cfg.str_or("position_embedding_type", "absolute") == "rotary";
  cfg.require_bool("is_decoder", false, false);
  cfg.require_bool("add_cross_attention", false, false);
  // ESMFold (is_folding_model) adds a structure module this plugin does not implement.
  cfg.require_bool("is_folding_model", false, false);
  return c;
}

} // namespace plinth::esm
