#include "megatron_bert_config.hpp"

#include "blocks.hpp"
#include "error.hpp"

namespace plinth::megatron_bert {

using plugin::fail;

MegatronBertConfig MegatronBertConfig::read(const plugin::Config &cfg) {
  MegatronBertConfig c;
  // Absent keys take MegatronBertConfig's defaults, as transformers does.
  c.vocab_size = cfg.i64_or("vocab_size", c.vocab_size);
  c.hidden_size = cfg.i64_or("hidden_size", c.hidden_size);
  c.intermediate_size = cfg.i64_or("intermediate_size", c.intermediate_size);
  c.num_layers = cfg.i64_or("num_hidden_layers", c.num_layers);
  c.num_heads = cfg.i64_or("num_attention_heads", c.num_heads);
  if (c.num_heads <= 0 || c.hidden_size <= 0 || c.hidden_size % c.num_heads != 0)
    fail(PLINTH_ERR_FORMAT, "config.json: hidden_size (" + std::to_string(c.hidden_size) +
                                ") must be a positive multiple of num_attention_heads (" +
                                std::to_string(c.num_heads) + ")");
  c.head_dim = c.hidden_size / c.num_heads;
  if (c.num_layers < 0) fail(PLINTH_ERR_FORMAT, "config.json: num_hidden_layers is negative");
  c.max_positions = cfg.i64_or("max_position_embeddings", c.max_positions);
  c.type_vocab_size = cfg.i64_or("type_vocab_size", c.type_vocab_size);
  c.layer_norm_eps = cfg.f64_or("layer_norm_eps", c.layer_norm_eps);
  c.pad_token_id = cfg.i64_or("pad_token_id", c.pad_token_id);
  c.hidden_act = plugin::activation_from_name(cfg.str_or("hidden_act", "gelu"));
  c.is_decoder = cfg.bool_or("is_decoder", false);
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", true);
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);

  // relative_key(_query) distance embeddings (older MegatronBertSelfAttention) are not
  // implemented; current transformers no longer offers them for this model.
  cfg.require_one_of("position_embedding_type", {"absolute"}, "absolute");
  // add_cross_attention adds cross-attention blocks that run only when encoder_hidden_states
  // are passed; no plinth input carries those, so the option changes nothing here and the
  // cross-attention weights are simply not loaded.
  return c;
}

} // namespace plinth::megatron_bert
