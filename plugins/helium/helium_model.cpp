#include "helium_model.hpp"

#include <cmath>

#include "decoder_inputs.hpp"
#include "error.hpp"
#include "pooling.hpp"

namespace plinth::helium {

using plugin::fail;

namespace {

// transformers builds the projection with or without a bias from the config flag and
// ignores checkpoint tensors the module does not have; a missing bias it needs is an error.
plugin::Linear load_linear(const plugin::Weights &w, const std::string &name, bool bias) {
  plugin::Linear l;
  l.weight = w.get(name + ".weight");
  if (bias) l.bias = w.get(name + ".bias");
  return l;
}

} // namespace

HeliumModel::HeliumModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = HeliumConfig::read(cfg);
  plugin::Weights w(env.host, env.model_host);

  // HeliumModel checkpoints store the trunk at the top level, the heads under "model.".
  const std::string p = w.prefix("embed_tokens.weight", {"model.", ""});
  embed_ = w.get(p + "embed_tokens.weight");
  norm_ = w.get(p + "norm.weight");
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(cfg_.head_dim)));
  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "layers." + std::to_string(i) + ".";
    plugin::RmsDecoderLayer layer;
    layer.input_norm = w.get(lp + "input_layernorm.weight");
    layer.post_attention_norm = w.get(lp + "post_attention_layernorm.weight");
    // Loaded through the common block for its shape checks, then the biases are set the way
    // HeliumAttention builds them: q/k/v follow attention_bias, o_proj never has one.
    layer.attn = plugin::RotaryAttention::load(w, lp + "self_attn.", cfg_.num_heads,
                                               cfg_.num_kv_heads, cfg_.head_dim);
    layer.attn.q = load_linear(w, lp + "self_attn.q_proj", cfg_.attention_bias);
    layer.attn.k = load_linear(w, lp + "self_attn.k_proj", cfg_.attention_bias);
    layer.attn.v = load_linear(w, lp + "self_attn.v_proj", cfg_.attention_bias);
    layer.attn.o = load_linear(w, lp + "self_attn.o_proj", false);
    layer.attn.scale = scale;
    layer.mlp.gate = load_linear(w, lp + "mlp.gate_proj", cfg_.mlp_bias);
    layer.mlp.up = load_linear(w, lp + "mlp.up_proj", cfg_.mlp_bias);
    layer.mlp.down = load_linear(w, lp + "mlp.down_proj", cfg_.mlp_bias);
    layer.mlp.act = cfg_.hidden_act;
    layers_.push_back(std::move(layer));
  }
  rope_ = plugin::rope_options(ops_, cfg_.rope);
  // apply_rotary_pos_emb in modeling_helium interleaves cos/sin (repeat_interleave(2)) and
  // rotates adjacent pairs: the GPT-J layout, not rotate-half.
  rope_.neox = false;

  switch (head_) {
  case Head::causal_lm:
    lm_head_ = w.tied_or_own("lm_head.weight", cfg_.tie_word_embeddings, embed_);
    break;
  case Head::seq_cls:
  case Head::tok_cls: score_ = plugin::Linear::load(w, "score"); break;
  case Head::base: break;
  }
}

Tensor HeliumModel::trunk(const Tensor &ids, const Tensor &positions, const Tensor &key_mask,
                          const std::vector<plugin::KvCache> *caches, int64_t past,
                          const HiddenFn &on_hidden) const {
  return plugin::rms_decoder_trunk(ops_, embed_, layers_, static_cast<float>(cfg_.rms_norm_eps),
                                   rope_, ids, positions, key_mask, caches, past, on_hidden);
}

Tensor HeliumModel::final_norm(const Tensor &h) const {
  return ops_.rms_norm(h, norm_, static_cast<float>(cfg_.rms_norm_eps));
}

void HeliumModel::forward(const plugin::ForwardIO &io) const {
  const plugin::DecoderInputs in = plugin::read_decoder_inputs(ops_, io, "helium");

  auto on_hidden = [&](int64_t i, const Tensor &h) { plugin::emit_hidden_state(io, i, h); };
  Tensor h = final_norm(trunk(in.ids_t, in.pos_t, in.mask_t, nullptr, 0, on_hidden));
  // transformers' last hidden state is the one after the final norm.
  plugin::emit_hidden_state(io, cfg_.num_layers, h);

  switch (head_) {
  case Head::base: io.emit("last_hidden_state", h); break;
  case Head::causal_lm: io.emit("logits", lm_logits(h)); break;
  case Head::tok_cls: io.emit("logits", score_(ops_, h)); break;
  case Head::seq_cls:
    io.emit("logits",
            score_(ops_, plugin::pool_last_non_pad(ops_, h, in.ids, cfg_.pad_token_id, "helium")));
    break;
  }
}

} // namespace plinth::helium
