#include "luke_config.hpp"

#include "blocks.hpp"
#include "error.hpp"

namespace plinth::luke {

using plugin::fail;

LukeConfig LukeConfig::read(const plugin::Config &cfg) {
  // Defaults are LukeConfig's constructor defaults (studio-ousia/luke-base).
  LukeConfig c;
  c.vocab_size = cfg.i64_or("vocab_size", 50267);
  c.entity_vocab_size = cfg.i64_or("entity_vocab_size", 500000);
  c.hidden_size = cfg.i64_or("hidden_size", 768);
  c.entity_emb_size = cfg.i64_or("entity_emb_size", 256);
  c.num_layers = cfg.i64_or("num_hidden_layers", 12);
  c.num_heads = cfg.i64_or("num_attention_heads", 12);
  c.intermediate_size = cfg.i64_or("intermediate_size", 3072);
  c.max_positions = cfg.i64_or("max_position_embeddings", 512);
  c.type_vocab_size = cfg.i64_or("type_vocab_size", 2);
  c.layer_norm_eps = cfg.f64_or("layer_norm_eps", 1e-12);
  c.pad_token_id = cfg.i64_or("pad_token_id", 1);
  c.entity_aware_attention = cfg.bool_or("use_entity_aware_attention", true);
  c.hidden_act = plugin::activation_from_name(cfg.str_or("hidden_act", "gelu"));
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);

  if (c.hidden_size <= 0 || c.num_heads <= 0 || c.hidden_size % c.num_heads != 0)
    // transformers lets a config with `embedding_size` through here, but then the attention
    // output width no longer matches hidden_size and no LUKE checkpoint does that.
    fail(PLINTH_ERR_UNSUPPORTED,
         "config.json: hidden_size must be a positive multiple of num_attention_heads");
  c.head_dim = c.hidden_size / c.num_heads;
  if (c.entity_emb_size <= 0) fail(PLINTH_ERR_FORMAT, "config.json: entity_emb_size must be > 0");

  // LukeModel is an encoder only: decoder / cross-attention variants do not exist in its code,
  // and only absolute positions (RoBERTa-style, offset by the padding index) are implemented.
  cfg.require_bool("is_decoder", false, false);
  cfg.require_bool("add_cross_attention", false, false);
  cfg.require_one_of("position_embedding_type", {"absolute"}, "absolute");
  return c;
}

} // namespace plinth::luke
