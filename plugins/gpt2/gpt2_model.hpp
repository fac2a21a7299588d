// The GPT-2 decoder (GPT2Model) and its heads, built from backend ops.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "decode_session.hpp"
#include "forward_io.hpp"
#include "gpt2_config.hpp"
#include "gpt2_layers.hpp"
#include "head_table.hpp"

namespace plinth::gpt2 {

enum class Head { base, causal_lm, seq_cls, tok_cls, qa };

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means causal_lm.
inline constexpr plugin::HeadTable kHeads{
    "gpt2",
    Head::causal_lm,
    {
        {Head::base, "base", {"GPT2Model"}},
        // The double-heads model is the LM model plus a multiple-choice summary head over the same
        // trunk; it is served as its language-model part.
        {Head::causal_lm, "causal_lm", {"GPT2LMHeadModel", "GPT2DoubleHeadsModel"}},
        {Head::seq_cls, "seq_cls", {"GPT2ForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"GPT2ForTokenClassification"}},
        {Head::qa, "qa", {"GPT2ForQuestionAnswering"}},
    }};

struct Gpt2Block {
  LayerNorm ln_1;
  plugin::CausalAttention attn;
  LayerNorm ln_2;
  Gpt2Mlp mlp;
};

class Gpt2Model {
public:
  explicit Gpt2Model(const plinth_model_env &env);

  const Gpt2Config &config() const { return cfg_; }
  const plugin::Ops &ops() const { return ops_; }
  bool can_generate() const { return head_ == Head::causal_lm; }

  void forward(const plugin::ForwardIO &io) const;

  // Token (+ token type) and position embeddings, then every block. `on_hidden(i, h)` sees
  // the embeddings (i = 0) and each block's output but the last (i = 1 .. L-1); the caller
  // applies ln_f. positions [B, T] i32 on the backend must lie inside the position table
  // (check_positions() on their host copy first). With caches, new keys/values go to slot
  // `past`.
  using HiddenFn = std::function<void(int64_t, const Tensor &)>;
  void check_positions(const std::vector<int32_t> &pos) const;
  Tensor trunk(const Tensor &ids, const Tensor &positions, const Tensor &token_types,
               const Tensor &key_mask, const std::vector<plugin::KvCache> *caches, int64_t past,
               const HiddenFn &on_hidden) const;
  Tensor final_norm(const Tensor &h) const;
  Tensor lm_logits(const Tensor &h) const { return ops_.linear(h, lm_head_); }

  // What plugin::DecoderSession needs.
  plugin::KvGeometry kv_geometry() const {
    return {"gpt2", std::vector<int64_t>(static_cast<size_t>(cfg_.num_layers), cfg_.num_heads),
            cfg_.head_dim, cfg_.vocab_size, 0};
  }
  void check_step(const plugin::DecodeStep &s) const { check_positions(s.positions); }
  Tensor decode_trunk(const plugin::DecodeStep &s) const {
    return trunk(s.ids_t, s.positions_t, Tensor{}, s.key_mask, s.caches, s.past, nullptr);
  }

private:
  plugin::Ops ops_;
  Gpt2Config cfg_;
  Head head_;
  Tensor wte_;
  Tensor wpe_;
  LayerNorm ln_f_;
  Tensor lm_head_;
  Linear score_; // seq_cls "score", tok_cls "classifier", qa "qa_outputs"
  std::vector<Gpt2Block> blocks_;
};

} // namespace plinth::gpt2
