#include "biogpt_model.hpp"

#include "decoder_inputs.hpp"

#include <cmath>

#include "error.hpp"
#include "pooling.hpp"

namespace plinth::biogpt {

using plugin::fail;

BioGptModel::BioGptModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = BioGptConfig::read(cfg);
  plugin::Weights w(env.host, env.model_host);

  // BioGptModel checkpoints keep the trunk at the top level, the task models under "biogpt.".
  const std::string p = w.prefix("embed_tokens.weight", {"biogpt.", ""});
  embed_tokens_ = w.get(p + "embed_tokens.weight");
  embed_positions_ = w.get(p + "embed_positions.weight");
  if (embed_tokens_.dim(1) != cfg_.hidden_size || embed_positions_.dim(1) != cfg_.hidden_size)
    fail(PLINTH_ERR_FORMAT, "biogpt: embedding widths do not match hidden_size");
  final_norm_ = LayerNorm::load(w, p + "layer_norm");

  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(cfg_.head_dim)));
  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "layers." + std::to_string(i) + ".";
    BioGptLayer l;
    l.attn_norm = LayerNorm::load(w, lp + "self_attn_layer_norm");
    l.attn = load_attention(w, lp + "self_attn.", cfg_.num_heads, cfg_.head_dim);
    l.attn.scale = scale;
    l.ffn_norm = LayerNorm::load(w, lp + "final_layer_norm");
    l.mlp = BioGptMlp::load(w, lp, cfg_.hidden_act);
    if (l.mlp.fc1.out_features() != cfg_.intermediate_size)
      fail(PLINTH_ERR_FORMAT, "biogpt: '" + lp + "fc1.weight' does not match intermediate_size");
    layers_.push_back(std::move(l));
  }

  switch (head_) {
  case Head::causal_lm:
    // Tied to embed_tokens: the unscaled table.
    lm_head_ = w.tied_or_own("output_projection.weight", cfg_.tie_word_embeddings, embed_tokens_);
    // Sessions hand back vocab_size logits per row: the matrix must produce exactly that.
    if (lm_head_.dim(0) != cfg_.vocab_size || lm_head_.dim(1) != cfg_.hidden_size)
      fail(PLINTH_ERR_FORMAT, "biogpt: output_projection does not match vocab_size x hidden_size");
    break;
  case Head::seq_cls: score_ = Linear::load(w, "score"); break;
  case Head::tok_cls: score_ = Linear::load(w, "classifier"); break;
  case Head::base: break;
  }
}

void BioGptModel::check_positions(const std::vector<int32_t> &pos) const {
  const int64_t rows = embed_positions_.dim(0);
  for (int32_t p : pos) {
    const int64_t r = static_cast<int64_t>(p) + BioGptConfig::kPositionOffset;
    if (r < 0 || r >= rows)
      fail(PLINTH_ERR_INVALID_ARGUMENT,
           "biogpt: position " + std::to_string(p) +
               " is outside the position table (max_position_embeddings " +
               std::to_string(rows - BioGptConfig::kPositionOffset) + ")");
  }
}

Tensor BioGptModel::trunk(const Tensor &ids, const Tensor &table_rows, const Tensor &key_mask,
                          const std::vector<plugin::KvCache> *caches, int64_t past,
                          const HiddenFn &on_hidden) const {
  Tensor h = ops_.get_rows(embed_tokens_, ids);
  if (cfg_.embed_scale != 1.0f) ops_.affine_(h, cfg_.embed_scale, 0.0f);
  ops_.add_(h, ops_.get_rows(embed_positions_, table_rows));

  const float eps = BioGptConfig::kLayerNormEps;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (on_hidden) on_hidden(static_cast<int64_t>(i), h);
    const BioGptLayer &l = layers_[i];
    ops_.add_(h, l.attn(ops_, l.attn_norm(ops_, h, eps), key_mask,
                        caches != nullptr ? &(*caches)[i] : nullptr, past));
    ops_.add_(h, l.mlp(ops_, l.ffn_norm(ops_, h, eps)));
  }
  return h;
}

Tensor BioGptModel::final_norm(const Tensor &h) const {
  return final_norm_(ops_, h, BioGptConfig::kLayerNormEps);
}

void BioGptModel::forward(const plugin::ForwardIO &io) const {
  const plugin::DecoderInputs in = plugin::read_decoder_inputs(ops_, io, "biogpt");
  const plugin::IntInput &ids = in.ids;
  const int64_t B = in.B, T = in.T;
  auto on_hidden = [&](int64_t i, const Tensor &h) { plugin::emit_hidden_state(io, i, h); };
  check_positions(in.pos);
  std::vector<int32_t> table_rows(in.pos);
  for (int32_t &r : table_rows)
    r += BioGptConfig::kPositionOffset;
  Tensor h = final_norm(
      trunk(in.ids_t, ops_.from_host({B, T}, table_rows), in.mask_t, nullptr, 0, on_hidden));
  // transformers' last hidden state is the one after the final layer norm.
  plugin::emit_hidden_state(io, cfg_.num_layers, h);

  switch (head_) {
  case Head::base: io.emit("last_hidden_state", h); break;
  case Head::causal_lm: io.emit("logits", lm_logits(h)); break;
  case Head::tok_cls: io.emit("logits", score_(ops_, h)); break;
  case Head::seq_cls: {
    // BioGptForSequenceClassification pools at index (number of non-pad tokens) - 1, which
    // is the last real token of a right-padded row; -1 (a row of pads, or no pad id at all)
    // indexes the last position, as Python's negative indexing does.
    std::vector<int64_t> last(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) {
      int64_t idx = -1;
      if (cfg_.pad_token_id) {
        for (int64_t t = 0; t < T; ++t)
          if (ids.at(b, t) != *cfg_.pad_token_id) ++idx;
      }
      last[static_cast<size_t>(b)] = idx < 0 ? idx + T : idx;
    }
    io.emit("logits", score_(ops_, plugin::gather_tokens(ops_, h, last)));
    break;
  }
  }
}

} // namespace plinth::biogpt
