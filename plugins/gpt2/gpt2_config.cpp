#include "gpt2_config.hpp"

#include <string>

#include "blocks.hpp"
#include "error.hpp"

namespace plinth::gpt2 {

using plugin::fail;

namespace {

// GPT2Config stores its sizes under the GPT names; attribute_map lets a config written with
// the generic names set the same fields. The GPT spelling wins when both are present.
int64_t size_option(const plugin::Config &cfg, const char *gpt_name, const char *generic_name,
                    int64_t fallback) {
  if (cfg.has(gpt_name)) return cfg.i64(gpt_name);
  return cfg.i64_or(generic_name, fallback);
}

// ACT2FN names for activation_function. Names whose formulas coincide in float32 share an
// op: gelu_python / gelu_accurate are the erf and tanh forms the backend already has.
void read_activation(const plugin::Config &cfg, Gpt2Config &c) {
  const std::string name = cfg.str_or("activation_function", "gelu_new");
  if (name == "linear") {
    c.activation_identity = true;
    return;
  }
  if (name == "gelu_python") {
    c.activation = PLINTH_UNARY_GELU;
    return;
  }
  if (name == "gelu_accurate") {
    c.activation = PLINTH_UNARY_GELU_TANH;
    return;
  }
  c.activation = plugin::activation_from_name(name, "activation_function",
                                              {"linear", "gelu_python", "gelu_accurate"});
}

} // namespace

Gpt2Config Gpt2Config::read(const plugin::Config &cfg) {
  Gpt2Config c;
  c.vocab_size = cfg.i64_or("vocab_size", c.vocab_size);
  c.hidden_size = size_option(cfg, "n_embd", "hidden_size", c.hidden_size);
  c.num_layers = size_option(cfg, "n_layer", "num_hidden_layers", c.num_layers);
  c.num_heads = size_option(cfg, "n_head", "num_attention_heads", c.num_heads);
  c.max_positions = size_option(cfg, "n_positions", "max_position_embeddings", c.max_positions);
  c.inner_size = cfg.i64_or("n_inner", 4 * c.hidden_size);
  c.layer_norm_eps = cfg.f64_or("layer_norm_epsilon", c.layer_norm_eps);
  read_activation(cfg, c);
  c.scale_attn_weights = cfg.bool_or("scale_attn_weights", true);
  c.scale_attn_by_inverse_layer_idx = cfg.bool_or("scale_attn_by_inverse_layer_idx", false);
  // reorder_and_upcast_attn computes q.k in float32 with the scale folded into the product
  // (baddbmm alpha): in this float32 runtime that is the same attention, so either value is
  // accepted. Read here so that a wrongly typed value is still reported.
  (void)cfg.bool_or("reorder_and_upcast_attn", false);
  // add_cross_attention adds cross-attention sub-layers that GPT2Block only runs when
  // encoder_hidden_states are passed; this runtime passes none, so the decoder-only forward
  // is unchanged and the extra weights are left unused.
  (void)cfg.bool_or("add_cross_attention", false);
  c.pad_token_id = cfg.opt_i64("pad_token_id");
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", true);
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", 2);

  if (c.num_heads <= 0 || c.hidden_size <= 0 || c.hidden_size % c.num_heads != 0)
    fail(PLINTH_ERR_FORMAT, "config.json: n_embd (" + std::to_string(c.hidden_size) +
                                ") must be a positive multiple of n_head (" +
                                std::to_string(c.num_heads) + ")");
  if (c.num_layers < 0 || c.inner_size <= 0 || c.max_positions <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: n_layer, n_inner and n_positions must be positive");
  c.head_dim = c.hidden_size / c.num_heads;
  return c;
}

} // namespace plinth::gpt2
