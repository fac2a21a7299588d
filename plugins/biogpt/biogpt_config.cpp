#include "biogpt_config.hpp"

#include <cmath>
#include <string>

#include "blocks.hpp"
#include "error.hpp"

namespace plinth::biogpt {

using plugin::fail;

BioGptConfig BioGptConfig::read(const plugin::Config &cfg) {
  BioGptConfig c;
  c.vocab_size = cfg.i64_or("vocab_size", c.vocab_size);
  c.hidden_size = cfg.i64_or("hidden_size", c.hidden_size);
  c.intermediate_size = cfg.i64_or("intermediate_size", c.intermediate_size);
  c.num_layers = cfg.i64_or("num_hidden_layers", c.num_layers);
  c.num_heads = cfg.i64_or("num_attention_heads", c.num_heads);
  c.max_positions = cfg.i64_or("max_position_embeddings", c.max_positions);
  c.hidden_act = plugin::activation_from_name(cfg.str_or("hidden_act", "gelu"));
  // math.sqrt(hidden_size) in double, applied to float32 embeddings.
  c.embed_scale = cfg.bool_or("scale_embedding", true)
                      ? static_cast<float>(std::sqrt(static_cast<double>(c.hidden_size)))
                      : 1.0f;
  c.pad_token_id = cfg.opt_i64("pad_token_id");
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", true);
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);
  // Read for its type only (see kLayerNormEps).
  (void)cfg.f64_or("layer_norm_eps", 1e-12);

  if (c.num_heads <= 0 || c.hidden_size <= 0 || c.hidden_size % c.num_heads != 0)
    fail(PLINTH_ERR_FORMAT, "config.json: hidden_size (" + std::to_string(c.hidden_size) +
                                ") must be a positive multiple of num_attention_heads (" +
                                std::to_string(c.num_heads) + ")");
  if (c.num_layers < 0 || c.intermediate_size <= 0 || c.max_positions <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: num_hidden_layers, intermediate_size and "
                            "max_position_embeddings must be positive");
  c.head_dim = c.hidden_size / c.num_heads;
  return c;
}

} // namespace plinth::biogpt
