// The Mistral decoder (MistralModel) and its heads, built from backend ops.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "blocks.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"
#include "mistral_config.hpp"
#include "ops.hpp"
#include "rms_decoder.hpp"

namespace plinth::mistral {

using plugin::Tensor;

enum class Head { base, causal_lm, seq_cls, tok_cls, qa };

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means causal_lm.
inline constexpr plugin::HeadTable kHeads{
    "mistral",
    Head::causal_lm,
    {
        {Head::base, "base", {"MistralModel"}},
        {Head::causal_lm, "causal_lm", {"MistralForCausalLM"}},
        {Head::seq_cls, "seq_cls", {"MistralForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"MistralForTokenClassification"}},
        {Head::qa, "qa", {"MistralForQuestionAnswering"}},
    }};

class MistralModel {
public:
  explicit MistralModel(const plinth_model_env &env);

  const MistralConfig &config() const { return cfg_; }
  const plugin::Ops &ops() const { return ops_; }
  Head head() const { return head_; }
  bool can_generate() const { return head_ == Head::causal_lm; }

  void forward(const plugin::ForwardIO &io) const;

  // The trunk: token embeddings, then every layer. `on_hidden(i, h)` sees the embeddings
  // (i = 0) and each layer's output but the last (i = 1 .. L-1); the caller applies the final
  // norm. With caches, new keys/values go to slot `past` of each layer's cache.
  using HiddenFn = std::function<void(int64_t, const Tensor &)>;
  Tensor trunk(const Tensor &ids, const Tensor &positions, const Tensor &key_mask,
               const std::vector<plugin::KvCache> *caches, int64_t past,
               const HiddenFn &on_hidden) const;
  Tensor final_norm(const Tensor &h) const;
  Tensor lm_logits(const Tensor &h) const { return ops_.linear(h, lm_head_); }

private:
  plugin::Ops ops_;
  MistralConfig cfg_;
  Head head_;
  Tensor embed_;
  Tensor norm_;
  Tensor lm_head_;
  plugin::Linear score_; // seq_cls / tok_cls "score", qa "qa_outputs"
  plugin::RopeOptions rope_;
  std::vector<plugin::RmsDecoderLayer> layers_;
};

} // namespace plinth::mistral
