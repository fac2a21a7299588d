// The Mixtral decoder (MixtralModel) and its heads, built from backend ops: Mistral's
// attention (grouped-query, rotate-half RoPE, optional sliding window) with the MLP replaced
// by a sparse mixture of experts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "blocks.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"
#include "mixtral_config.hpp"
#include "mixtral_moe.hpp"
#include "ops.hpp"

namespace plinth::mixtral {

using plugin::Tensor;

enum class Head { base, causal_lm, seq_cls, tok_cls, qa };

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means causal_lm.
inline constexpr plugin::HeadTable kHeads{
    "mixtral",
    Head::causal_lm,
    {
        {Head::base, "base", {"MixtralModel"}},
        {Head::causal_lm, "causal_lm", {"MixtralForCausalLM"}},
        {Head::seq_cls, "seq_cls", {"MixtralForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"MixtralForTokenClassification"}},
        {Head::qa, "qa", {"MixtralForQuestionAnswering"}},
    }};

struct MixtralLayer {
  Tensor input_norm;
  Tensor post_attention_norm;
  plugin::RotaryAttention attn;
  SparseMoe moe;
};

class MixtralModel {
public:
  explicit MixtralModel(const plinth_model_env &env);

  const MixtralConfig &config() const { return cfg_; }
  const plugin::Ops &ops() const { return ops_; }
  bool can_generate() const { return head_ == Head::causal_lm; }

  void forward(const plugin::ForwardIO &io) const;

  // Embeddings, then every layer. `on_hidden(i, h)` sees the embeddings (i = 0) and each
  // layer's output but the last; the caller applies the final norm. `want_router(i)` asks
  // for layer i's router logits, handed to `on_router(i, logits)`. With caches, new
  // keys/values go to slot `past` of each layer's cache.
  using HiddenFn = std::function<void(int64_t, const Tensor &)>;
  using WantFn = std::function<bool(int64_t)>;
  Tensor trunk(const Tensor &ids, const Tensor &positions, const Tensor &key_mask,
               const std::vector<plugin::KvCache> *caches, int64_t past, const HiddenFn &on_hidden,
               const WantFn &want_router = {}, const HiddenFn &on_router = {}) const;
  Tensor final_norm(const Tensor &h) const;
  Tensor lm_logits(const Tensor &h) const { return ops_.linear(h, lm_head_); }

private:
  plugin::Ops ops_;
  MixtralConfig cfg_;
  Head head_;
  Tensor embed_;
  Tensor norm_;
  Tensor lm_head_;
  plugin::Linear score_; // seq_cls / tok_cls "score", qa "qa_outputs"
  plugin::RopeOptions rope_;
  std::vector<MixtralLayer> layers_;
};

} // namespace plinth::mixtral
