#include "gpt2_model.hpp"

#include "decoder_inputs.hpp"
#include "span_logits.hpp"

#include <cmath>

#include "error.hpp"
#include "pooling.hpp"

namespace plinth::gpt2 {

using plugin::fail;

Gpt2Model::Gpt2Model(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = Gpt2Config::read(cfg);
  plugin::Weights w(env.host, env.model_host);
  const Loader ld{ops_, w, env};

  // GPT2Model checkpoints keep the trunk at the top level, the task models under
  // "transformer.".
  const std::string p = w.prefix("wte.weight", {"transformer.", ""});
  wte_ = w.get(p + "wte.weight");
  wpe_ = w.get(p + "wpe.weight");
  if (wte_.dim(1) != cfg_.hidden_size || wpe_.dim(1) != cfg_.hidden_size)
    fail(PLINTH_ERR_FORMAT, "gpt2: embedding widths do not match n_embd");
  ln_f_ = LayerNorm::load(w, p + "ln_f");

  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "h." + std::to_string(i) + ".";
    Gpt2Block b;
    b.ln_1 = LayerNorm::load(w, lp + "ln_1");
    b.attn = load_attention(ld, lp + "attn.", cfg_.num_heads, cfg_.head_dim);
    // The scores are divided by sqrt(head_dim) (scale_attn_weights) and by layer_idx + 1
    // (scale_attn_by_inverse_layer_idx); one combined factor here.
    double scale =
        cfg_.scale_attn_weights ? 1.0 / std::sqrt(static_cast<double>(cfg_.head_dim)) : 1.0;
    if (cfg_.scale_attn_by_inverse_layer_idx) scale /= static_cast<double>(i + 1);
    b.attn.scale = static_cast<float>(scale);
    b.ln_2 = LayerNorm::load(w, lp + "ln_2");
    b.mlp = Gpt2Mlp::load(ld, lp + "mlp.");
    b.mlp.act = cfg_.activation;
    b.mlp.identity = cfg_.activation_identity;
    if (b.mlp.fc.out_features() != cfg_.inner_size)
      fail(PLINTH_ERR_FORMAT, "gpt2: '" + lp + "mlp.c_fc.weight' does not match n_inner");
    blocks_.push_back(std::move(b));
  }

  switch (head_) {
  case Head::causal_lm:
    lm_head_ = w.tied_or_own("lm_head.weight", cfg_.tie_word_embeddings, wte_);
    // Sessions hand back vocab_size logits per row: the matrix must produce exactly that.
    if (lm_head_.dim(0) != cfg_.vocab_size || lm_head_.dim(1) != cfg_.hidden_size)
      fail(PLINTH_ERR_FORMAT, "gpt2: the lm_head matrix does not match vocab_size x n_embd");
    break;
  case Head::seq_cls: score_ = Linear::load(w, "score"); break;
  case Head::tok_cls: score_ = Linear::load(w, "classifier"); break;
  case Head::qa: score_ = Linear::load(w, "qa_outputs"); break;
  case Head::base: break;
  }
}

void Gpt2Model::check_positions(const std::vector<int32_t> &pos) const {
  const int64_t rows = wpe_.dim(0);
  for (int32_t p : pos)
    if (p < 0 || p >= rows)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "gpt2: position " + std::to_string(p) +
                                            " is outside the position table (n_positions " +
                                            std::to_string(rows) + ")");
}

Tensor Gpt2Model::trunk(const Tensor &ids, const Tensor &positions, const Tensor &token_types,
                        const Tensor &key_mask, const std::vector<plugin::KvCache> *caches,
                        int64_t past, const HiddenFn &on_hidden) const {
  Tensor h = ops_.get_rows(wte_, ids);
  ops_.add_(h, ops_.get_rows(wpe_, positions));
  // GPT2Model embeds token_type_ids with the token table itself (there is no separate one).
  if (token_types) ops_.add_(h, ops_.get_rows(wte_, token_types));

  const float eps = static_cast<float>(cfg_.layer_norm_eps);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    if (on_hidden) on_hidden(static_cast<int64_t>(i), h);
    const Gpt2Block &b = blocks_[i];
    ops_.add_(h, b.attn(ops_, b.ln_1(ops_, h, eps), key_mask,
                        caches != nullptr ? &(*caches)[i] : nullptr, past));
    ops_.add_(h, b.mlp(ops_, b.ln_2(ops_, h, eps)));
  }
  return h;
}

Tensor Gpt2Model::final_norm(const Tensor &h) const {
  return ln_f_(ops_, h, static_cast<float>(cfg_.layer_norm_eps));
}

void Gpt2Model::forward(const plugin::ForwardIO &io) const {
  const plugin::DecoderInputs in = plugin::read_decoder_inputs(ops_, io, "gpt2");
  const plugin::IntInput &ids = in.ids;
  const int64_t B = in.B, T = in.T;
  Tensor token_types;
  if (auto tt = io.ints("token_type_ids")) {
    if (tt->shape != ids.shape)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "gpt2: token_type_ids must match input_ids");
    token_types = ops_.from_host({B, T}, tt->data);
  }

  auto on_hidden = [&](int64_t i, const Tensor &h) { plugin::emit_hidden_state(io, i, h); };
  check_positions(in.pos);
  Tensor h = final_norm(trunk(in.ids_t, in.pos_t, token_types, in.mask_t, nullptr, 0, on_hidden));
  // transformers' last hidden state is the one after ln_f.
  plugin::emit_hidden_state(io, cfg_.num_layers, h);

  switch (head_) {
  case Head::base: io.emit("last_hidden_state", h); break;
  case Head::causal_lm: io.emit("logits", lm_logits(h)); break;
  case Head::tok_cls: io.emit("logits", score_(ops_, h)); break;
  case Head::qa: plugin::emit_span_logits(ops_, io, score_(ops_, h)); break;
  case Head::seq_cls:
    io.emit("logits",
            score_(ops_, plugin::pool_last_non_pad(ops_, h, ids, cfg_.pad_token_id, "gpt2")));
    break;
  }
}

} // namespace plinth::gpt2
