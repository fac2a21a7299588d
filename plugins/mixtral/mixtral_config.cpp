#include "mixtral_config.hpp"

#include "blocks.hpp"
#include "error.hpp"
#include "rope.hpp"

namespace plinth::mixtral {

using plugin::fail;

MixtralConfig MixtralConfig::read(const plugin::Config &cfg) {
  MixtralConfig c;
  c.vocab_size = cfg.i64_or("vocab_size", c.vocab_size);
  c.hidden_size = cfg.i64_or("hidden_size", c.hidden_size);
  c.intermediate_size = cfg.i64_or("intermediate_size", c.intermediate_size);
  c.num_layers = cfg.i64_or("num_hidden_layers", c.num_layers);
  c.num_heads = cfg.i64_or("num_attention_heads", c.num_heads);
  // Absent: the class default (8); null: one key/value head per attention head.
  c.num_kv_heads = cfg.has("num_key_value_heads") ? cfg.i64("num_key_value_heads")
                   : cfg.type("num_key_value_heads") == PLINTH_CONFIG_NULL ? c.num_heads
                                                                           : c.num_kv_heads;
  // MixtralAttention: getattr(config, "head_dim", None) or hidden_size // heads.
  const int64_t head_dim = cfg.i64_or("head_dim", 0);
  c.head_dim = head_dim > 0 ? head_dim : (c.num_heads > 0 ? c.hidden_size / c.num_heads : 0);
  c.max_positions = cfg.i64_or("max_position_embeddings", c.max_positions);
  c.rms_norm_eps = cfg.f64_or("rms_norm_eps", c.rms_norm_eps);
  if (auto w = cfg.opt_i64("sliding_window")) {
    // A window of zero keys would mask every key; transformers has no meaning for it either.
    if (*w <= 0)
      fail(PLINTH_ERR_UNSUPPORTED, "config.json: sliding_window = " + std::to_string(*w) +
                                       " is not supported (use a positive size or null)");
    c.sliding_window = static_cast<int32_t>(*w);
  }
  c.hidden_act = plugin::activation_from_name(cfg.str_or("hidden_act", "silu"));
  c.pad_token_id = cfg.opt_i64("pad_token_id");
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", false);
  // "num_experts" is MixtralConfig's attribute alias of num_local_experts.
  c.num_experts = cfg.i64_or("num_local_experts", cfg.i64_or("num_experts", c.num_experts));
  c.experts_per_token = cfg.i64_or("num_experts_per_tok", c.experts_per_token);
  // router_jitter_noise only perturbs the router input while training; output_router_logits
  // only decides whether the outputs include router_logits (emitted here when asked for).
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);
  if (c.num_heads <= 0 || c.head_dim <= 0 || c.num_layers < 0 || c.num_kv_heads <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: invalid attention geometry");
  if (c.num_experts <= 0 || c.experts_per_token <= 0 || c.experts_per_token > c.num_experts)
    fail(PLINTH_ERR_FORMAT,
         "config.json: num_experts_per_tok (" + std::to_string(c.experts_per_token) +
             ") must be in [1, num_local_experts = " + std::to_string(c.num_experts) + "]");
  // The attention rotates the whole head (partial rotation is rejected); MixtralConfig's own
  // rope_theta default applies when the file names none.
  c.rope = plugin::read_rope(cfg, c.head_dim, {"default", "linear", "llama3"}, false, 1000000.0);
  return c;
}

} // namespace plinth::mixtral
