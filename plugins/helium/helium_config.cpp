#include "helium_config.hpp"

#include "blocks.hpp"
#include "error.hpp"
#include "rope.hpp"

namespace plinth::helium {

using plugin::fail;

HeliumConfig HeliumConfig::read(const plugin::Config &cfg) {
  HeliumConfig c;
  c.vocab_size = cfg.i64_or("vocab_size", c.vocab_size);
  c.hidden_size = cfg.i64_or("hidden_size", c.hidden_size);
  c.intermediate_size = cfg.i64_or("intermediate_size", c.intermediate_size);
  c.num_layers = cfg.i64_or("num_hidden_layers", c.num_layers);
  c.num_heads = cfg.i64_or("num_attention_heads", c.num_heads);
  // HeliumConfig's default is 20 key/value heads whatever num_attention_heads says; a null
  // (older files) means one per attention head.
  c.num_kv_heads = cfg.has("num_key_value_heads") ? cfg.i64("num_key_value_heads")
                   : cfg.type("num_key_value_heads") == PLINTH_CONFIG_NULL ? c.num_heads
                                                                           : c.num_kv_heads;
  // HeliumAttention reads head_dim with getattr(config, "head_dim", hidden / heads): the
  // class default (128) applies when the key is absent, hidden / heads when it is null.
  if (cfg.has("head_dim"))
    c.head_dim = cfg.i64("head_dim");
  else if (cfg.type("head_dim") == PLINTH_CONFIG_NULL && c.num_heads > 0)
    c.head_dim = c.hidden_size / c.num_heads;
  c.max_positions = cfg.i64_or("max_position_embeddings", c.max_positions);
  c.rms_norm_eps = cfg.f64_or("rms_norm_eps", c.rms_norm_eps);
  c.hidden_act = plugin::activation_from_name(cfg.str_or("hidden_act", "silu"));
  c.attention_bias = cfg.bool_or("attention_bias", false);
  c.mlp_bias = cfg.bool_or("mlp_bias", false);
  // HeliumConfig defaults pad_token_id to 3; an explicit null means none.
  if (cfg.type("pad_token_id") == PLINTH_CONFIG_MISSING)
    c.pad_token_id = 3;
  else
    c.pad_token_id = cfg.opt_i64("pad_token_id");
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", false);
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);
  if (c.num_heads <= 0 || c.head_dim <= 0 || c.num_layers < 0 || c.num_kv_heads <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: invalid attention geometry");
  if (c.num_heads % c.num_kv_heads != 0)
    fail(PLINTH_ERR_FORMAT, "config.json: num_attention_heads must be a multiple of "
                            "num_key_value_heads");
  // The attention rotates the whole head (partial rotation is rejected); HeliumConfig's own
  // rope_theta default applies when the file names none.
  c.rope = plugin::read_rope(cfg, c.head_dim, {"default", "linear", "llama3"}, false, 100000.0);
  return c;
}

} // namespace plinth::helium
