#include "mistral_config.hpp"

#include "blocks.hpp"
#include "error.hpp"

namespace plinth::mistral {

using plugin::fail;

MistralConfig MistralConfig::read(const plugin::Config &cfg) {
  MistralConfig c;
  c.vocab_size = cfg.i64("vocab_size");
  c.hidden_size = cfg.i64("hidden_size");
  c.intermediate_size = cfg.i64("intermediate_size");
  c.num_layers = cfg.i64("num_hidden_layers");
  c.num_heads = cfg.i64("num_attention_heads");
  c.num_kv_heads = cfg.i64_or("num_key_value_heads", c.num_heads);
  // head_dim may be absent or null in older configs: hidden_size / heads then.
  c.head_dim = cfg.i64_or("head_dim", c.num_heads > 0 ? c.hidden_size / c.num_heads : 0);
  c.max_positions = cfg.i64_or("max_position_embeddings", 0);
  c.rms_norm_eps = cfg.f64_or("rms_norm_eps", 1e-6);
  c.sliding_window = static_cast<int32_t>(cfg.i64_or("sliding_window", 0));
  c.hidden_act = plugin::activation_from_name(cfg.str_or("hidden_act", "silu"));
  c.pad_token_id = cfg.opt_i64("pad_token_id");
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", false);
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);
  if (c.num_heads <= 0 || c.head_dim <= 0 || c.num_layers < 0)
    fail(PLINTH_ERR_FORMAT, "config.json: invalid attention geometry");
  // MistralAttention applies RoPE over the whole head; a partial rotary factor would not
  // even run in transformers, so it is rejected rather than guessed at.
  c.rope = plugin::read_rope(cfg, c.head_dim, {"default", "linear", "llama3"}, false);
  return c;
}

} // namespace plinth::mistral
