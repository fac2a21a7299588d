#include "mixtral_model.hpp"

#include <cmath>

#include "decoder_inputs.hpp"
#include "error.hpp"
#include "pooling.hpp"
#include "span_logits.hpp"

namespace plinth::mixtral {

using plugin::fail;

MixtralModel::MixtralModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = MixtralConfig::read(cfg);
  plugin::Weights w(env.host, env.model_host);

  // MixtralModel checkpoints store the trunk at the top level, the heads under "model.".
  const std::string p = w.prefix("embed_tokens.weight", {"model.", ""});
  embed_ = w.get(p + "embed_tokens.weight");
  norm_ = w.get(p + "norm.weight");
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(cfg_.head_dim)));
  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "layers." + std::to_string(i) + ".";
    MixtralLayer layer;
    layer.input_norm = w.get(lp + "input_layernorm.weight");
    layer.post_attention_norm = w.get(lp + "post_attention_layernorm.weight");
    layer.attn = plugin::RotaryAttention::load(w, lp + "self_attn.", cfg_.num_heads,
                                               cfg_.num_kv_heads, cfg_.head_dim);
    layer.attn.scale = scale;
    layer.attn.window = cfg_.sliding_window;
    layer.moe = SparseMoe::load(ops_, w, lp, cfg_.num_experts, cfg_.experts_per_token,
                                cfg_.hidden_size, cfg_.intermediate_size, cfg_.hidden_act);
    layers_.push_back(std::move(layer));
  }
  rope_ = plugin::rope_options(ops_, cfg_.rope);

  switch (head_) {
  case Head::causal_lm:
    lm_head_ = w.tied_or_own("lm_head.weight", cfg_.tie_word_embeddings, embed_);
    break;
  case Head::seq_cls:
  case Head::tok_cls: score_ = plugin::Linear::load(w, "score"); break;
  case Head::qa: score_ = plugin::Linear::load(w, "qa_outputs"); break;
  case Head::base: break;
  }
}

Tensor MixtralModel::trunk(const Tensor &ids, const Tensor &positions, const Tensor &key_mask,
                           const std::vector<plugin::KvCache> *caches, int64_t past,
                           const HiddenFn &on_hidden, const WantFn &want_router,
                           const HiddenFn &on_router) const {
  Tensor h = ops_.get_rows(embed_, ids);
  const float eps = static_cast<float>(cfg_.rms_norm_eps);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto li = static_cast<int64_t>(i);
    if (on_hidden) on_hidden(li, h);
    const MixtralLayer &layer = layers_[i];
    Tensor x = ops_.rms_norm(h, layer.input_norm, eps);
    ops_.add_(h, layer.attn(ops_, x, positions, rope_, key_mask,
                            caches != nullptr ? &(*caches)[i] : nullptr, past));
    x = ops_.rms_norm(h, layer.post_attention_norm, eps);
    Tensor logits;
    const bool router = on_router && want_router && want_router(li);
    ops_.add_(h, layer.moe(ops_, x, router ? &logits : nullptr));
    if (router) on_router(li, logits);
  }
  return h;
}

Tensor MixtralModel::final_norm(const Tensor &h) const {
  return ops_.rms_norm(h, norm_, static_cast<float>(cfg_.rms_norm_eps));
}

void MixtralModel::forward(const plugin::ForwardIO &io) const {
  const plugin::DecoderInputs in = plugin::read_decoder_inputs(ops_, io, "mixtral");

  auto on_hidden = [&](int64_t i, const Tensor &h) { plugin::emit_hidden_state(io, i, h); };
  // Router logits are per token row: [B * T, num_experts], padding rows included.
  auto want_router = [&](int64_t i) { return io.want("router_logits." + std::to_string(i)); };
  auto on_router = [&](int64_t i, const Tensor &logits) {
    io.emit("router_logits." + std::to_string(i), logits);
  };
  Tensor h = final_norm(
      trunk(in.ids_t, in.pos_t, in.mask_t, nullptr, 0, on_hidden, want_router, on_router));
  // transformers' last hidden state is the one after the final norm.
  plugin::emit_hidden_state(io, cfg_.num_layers, h);

  switch (head_) {
  case Head::base: io.emit("last_hidden_state", h); break;
  case Head::causal_lm: io.emit("logits", lm_logits(h)); break;
  case Head::tok_cls: io.emit("logits", score_(ops_, h)); break;
  case Head::qa: plugin::emit_span_logits(ops_, io, score_(ops_, h)); break;
  case Head::seq_cls:
    io.emit("logits",
            score_(ops_, plugin::pool_last_non_pad(ops_, h, in.ids, cfg_.pad_token_id, "mixtral")));
    break;
  }
}

} // namespace plinth::mixtral
