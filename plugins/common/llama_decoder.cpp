#include "llama_decoder.hpp"

#include <cmath>

#include "decoder_inputs.hpp"
#include "error.hpp"
#include "pooling.hpp"
#include "span_logits.hpp"

namespace plinth::plugin {

LlamaConfig LlamaConfig::read(const Config &cfg, const LlamaConfig &defaults) {
  LlamaConfig c = defaults;
  c.vocab_size = cfg.i64_or("vocab_size", c.vocab_size);
  c.hidden_size = cfg.i64_or("hidden_size", c.hidden_size);
  c.intermediate_size = cfg.i64_or("intermediate_size", c.intermediate_size);
  c.num_layers = cfg.i64_or("num_hidden_layers", c.num_layers);
  c.num_heads = cfg.i64_or("num_attention_heads", c.num_heads);
  c.num_kv_heads = cfg.has("num_key_value_heads") ? cfg.i64("num_key_value_heads")
                   : cfg.type("num_key_value_heads") == PLINTH_CONFIG_NULL ? c.num_heads
                                                                           : c.num_kv_heads;
  // The attentions read head_dim as `getattr(config, "head_dim", None) or hidden // heads`
  // (Helium: with its class default 128 when the key is absent).
  const int64_t derived = c.num_heads > 0 ? c.hidden_size / c.num_heads : 0;
  if (cfg.has("head_dim")) {
    const int64_t d = cfg.i64("head_dim");
    c.head_dim = d > 0 ? d : derived;
  } else if (cfg.type("head_dim") == PLINTH_CONFIG_NULL || c.head_dim <= 0) {
    c.head_dim = derived;
  }
  c.max_positions = cfg.i64_or("max_position_embeddings", c.max_positions);
  c.rms_norm_eps = cfg.f64_or("rms_norm_eps", c.rms_norm_eps);
  if (c.reads_sliding_window) {
    if (cfg.type("sliding_window") == PLINTH_CONFIG_NULL) c.sliding_window = 0;
    if (auto w = cfg.opt_i64("sliding_window")) {
      // A window of zero keys would mask every key; transformers has no meaning for it either.
      if (*w <= 0 || *w > INT32_MAX)
        fail(PLINTH_ERR_UNSUPPORTED, "config.json: sliding_window = " + std::to_string(*w) +
                                         " is not supported (use a positive size or null)");
      c.sliding_window = static_cast<int32_t>(*w);
    }
  }
  c.hidden_act = activation_from_name(cfg.str_or("hidden_act", "silu"));
  if (cfg.type("pad_token_id") != PLINTH_CONFIG_MISSING)
    c.pad_token_id = cfg.opt_i64("pad_token_id");
  c.tie_word_embeddings = cfg.bool_or("tie_word_embeddings", c.tie_word_embeddings);
  if (cfg.has("id2label"))
    c.num_labels = cfg.length("id2label");
  else
    c.num_labels = cfg.i64_or("num_labels", c.num_labels);
  if (c.num_heads <= 0 || c.head_dim <= 0 || c.num_layers < 0 || c.num_kv_heads <= 0)
    fail(PLINTH_ERR_FORMAT, "config.json: invalid attention geometry");
  // The attentions rotate the whole head: a partial rotary factor would not even run in
  // transformers, so it is rejected rather than guessed at.
  c.rope = read_rope(cfg, c.head_dim, {"default", "linear", "llama3"}, false, c.rope_theta);
  return c;
}

void LlamaConfig::validate() const {
  if (num_heads % num_kv_heads != 0)
    fail(PLINTH_ERR_FORMAT, "config.json: num_attention_heads must be a multiple of "
                            "num_key_value_heads");
  if (num_experts < 0 ||
      (num_experts > 0 && (experts_per_token <= 0 || experts_per_token > num_experts)))
    fail(PLINTH_ERR_FORMAT,
         "config.json: num_experts_per_tok (" + std::to_string(experts_per_token) +
             ") must be in [1, num_local_experts = " + std::to_string(num_experts) + "]");
}

namespace {

// transformers builds each projection with or without a bias from the config flags and
// ignores checkpoint tensors the module does not have; a missing bias it needs is an error.
Linear load_linear(const Weights &w, const std::string &name, bool bias) {
  Linear l;
  l.weight = w.get(name + ".weight");
  if (bias) l.bias = w.get(name + ".bias");
  return l;
}

} // namespace

LlamaDecoder::LlamaDecoder(const plinth_model_env &env, std::string label, LlamaConfig cfg,
                           DecoderHead head)
    : ops_(env.ops, env.backend), label_(std::move(label)), cfg_(std::move(cfg)), head_(head) {
  cfg_.validate();
  Weights w(env.host, env.model_host);
  // The bare model's checkpoints store the trunk at the top level, the heads' under "model."
  // (some older Mistral exports used "transformer.").
  const std::string p = w.prefix("embed_tokens.weight", {"model.", "", "transformer."});
  embed_ = w.get(p + "embed_tokens.weight");
  norm_ = w.get(p + "norm.weight");
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(cfg_.head_dim)));
  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "layers." + std::to_string(i) + ".";
    LlamaLayer layer;
    layer.input_norm = w.get(lp + "input_layernorm.weight");
    layer.post_attention_norm = w.get(lp + "post_attention_layernorm.weight");
    // Loaded through the common block for its shape checks, then the projections are set the
    // way the family's attention builds them.
    layer.attn = RotaryAttention::load(w, lp + "self_attn.", cfg_.num_heads, cfg_.num_kv_heads,
                                       cfg_.head_dim);
    layer.attn.q = load_linear(w, lp + "self_attn.q_proj", cfg_.attention_bias);
    layer.attn.k = load_linear(w, lp + "self_attn.k_proj", cfg_.attention_bias);
    layer.attn.v = load_linear(w, lp + "self_attn.v_proj", cfg_.attention_bias);
    layer.attn.o = load_linear(w, lp + "self_attn.o_proj", false);
    layer.attn.scale = scale;
    layer.attn.window = cfg_.sliding_window;
    if (cfg_.num_experts > 0) {
      layer.moe = SparseMoe::load(ops_, w, lp, cfg_.num_experts, cfg_.experts_per_token,
                                  cfg_.hidden_size, cfg_.intermediate_size, cfg_.hidden_act);
    } else {
      layer.mlp.gate = load_linear(w, lp + "mlp.gate_proj", cfg_.mlp_bias);
      layer.mlp.up = load_linear(w, lp + "mlp.up_proj", cfg_.mlp_bias);
      layer.mlp.down = load_linear(w, lp + "mlp.down_proj", cfg_.mlp_bias);
      layer.mlp.act = cfg_.hidden_act;
    }
    layers_.push_back(std::move(layer));
  }
  rope_ = rope_options(ops_, cfg_.rope);
  rope_.neox = cfg_.rotate_half;

  switch (head_) {
  case DecoderHead::causal_lm:
    lm_head_ = w.tied_or_own("lm_head.weight", cfg_.tie_word_embeddings, embed_);
    break;
  case DecoderHead::seq_cls:
  case DecoderHead::tok_cls: score_ = Linear::load(w, "score"); break;
  case DecoderHead::qa: score_ = Linear::load(w, "qa_outputs"); break;
  case DecoderHead::base: break;
  }
}

Tensor LlamaDecoder::trunk(const Tensor &ids, const Tensor &positions, const Tensor &key_mask,
                           const std::vector<KvCache> *caches, int64_t past,
                           const HiddenFn &on_hidden, const WantFn &want_router,
                           const HiddenFn &on_router) const {
  Tensor h = ops_.get_rows(embed_, ids);
  const float eps = static_cast<float>(cfg_.rms_norm_eps);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto li = static_cast<int64_t>(i);
    if (on_hidden) on_hidden(li, h);
    const LlamaLayer &layer = layers_[i];
    Tensor x = ops_.rms_norm(h, layer.input_norm, eps);
    ops_.add_(h, layer.attn(ops_, x, positions, rope_, key_mask,
                            caches != nullptr ? &(*caches)[i] : nullptr, past));
    x = ops_.rms_norm(h, layer.post_attention_norm, eps);
    if (cfg_.num_experts > 0) {
      Tensor logits;
      const bool router = on_router && want_router && want_router(li);
      ops_.add_(h, layer.moe(ops_, x, router ? &logits : nullptr));
      if (router) on_router(li, logits);
    } else {
      ops_.add_(h, layer.mlp(ops_, x));
    }
  }
  return h;
}

Tensor LlamaDecoder::final_norm(const Tensor &h) const {
  return ops_.rms_norm(h, norm_, static_cast<float>(cfg_.rms_norm_eps));
}

KvGeometry LlamaDecoder::kv_geometry() const {
  return {label_, std::vector<int64_t>(static_cast<size_t>(cfg_.num_layers), cfg_.num_kv_heads),
          cfg_.head_dim, cfg_.vocab_size, 0};
}

void LlamaDecoder::forward(const ForwardIO &io) const {
  const DecoderInputs in = read_decoder_inputs(ops_, io, label_);

  auto on_hidden = [&](int64_t i, const Tensor &h) { emit_hidden_state(io, i, h); };
  // Router logits are per token row: [B * T, num_experts], padding rows included.
  auto want_router = [&](int64_t i) { return io.want("router_logits." + std::to_string(i)); };
  auto on_router = [&](int64_t i, const Tensor &logits) {
    io.emit("router_logits." + std::to_string(i), logits);
  };
  Tensor h = final_norm(
      trunk(in.ids_t, in.pos_t, in.mask_t, nullptr, 0, on_hidden, want_router, on_router));
  // transformers' last hidden state is the one after the final norm.
  emit_hidden_state(io, cfg_.num_layers, h);

  switch (head_) {
  case DecoderHead::base: io.emit("last_hidden_state", h); break;
  case DecoderHead::causal_lm: io.emit("logits", lm_logits(h)); break;
  case DecoderHead::tok_cls: io.emit("logits", score_(ops_, h)); break;
  case DecoderHead::qa: emit_span_logits(ops_, io, score_(ops_, h)); break;
  case DecoderHead::seq_cls:
    io.emit("logits", score_(ops_, pool_last_non_pad(ops_, h, in.ids, cfg_.pad_token_id, label_)));
    break;
  }
}

} // namespace plinth::plugin
