// The Megatron-BERT encoder (MegatronBertModel: pre-LayerNorm blocks and a final `ln`) and its
// task heads, built from backend ops. The same trunk serves the forward pass and, for decoder
// configs, incremental decoding over a KV cache (common's DecoderSession).
#pragma once

#include <string>
#include <vector>

#include "blocks.hpp"
#include "decode_session.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"
#include "megatron_bert_config.hpp"
#include "ops.hpp"

namespace plinth::megatron_bert {

using plugin::Linear;
using plugin::Tensor;

enum class Head {
  base,
  causal_lm,
  masked_lm,
  pretraining,
  nsp,
  seq_cls,
  tok_cls,
  qa,
  multiple_choice
};

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means base.
inline constexpr plugin::HeadTable kHeads{
    "megatron-bert",
    Head::base,
    {
        {Head::base, "base", {"MegatronBertModel"}},
        {Head::causal_lm, "causal_lm", {"MegatronBertForCausalLM"}},
        {Head::masked_lm, "masked_lm", {"MegatronBertForMaskedLM"}},
        {Head::pretraining, "pretraining", {"MegatronBertForPreTraining"}},
        {Head::nsp, "nsp", {"MegatronBertForNextSentencePrediction"}},
        {Head::seq_cls, "seq_cls", {"MegatronBertForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"MegatronBertForTokenClassification"}},
        {Head::qa, "qa", {"MegatronBertForQuestionAnswering"}},
        {Head::multiple_choice, "multiple_choice", {"MegatronBertForMultipleChoice"}},
    }};

using plugin::LayerNorm;

struct MegatronBertLayer {
  LayerNorm attn_norm; // attention.ln, before self-attention
  Linear query, key, value, attn_out;
  LayerNorm ffn_norm; // ln, before the feed-forward block
  Linear intermediate, output;
  int64_t n_heads = 0; // fewer than num_attention_heads when the checkpoint was pruned
};

class MegatronBertModel {
public:
  explicit MegatronBertModel(const plinth_model_env &env);

  const MegatronBertConfig &config() const { return cfg_; }
  const plugin::Ops &ops() const { return ops_; }
  const std::vector<MegatronBertLayer> &layers() const { return layers_; }
  Head head() const { return head_; }
  // The causal LM head produces next-token logits. transformers generates with a KV cache only
  // for is_decoder configs; otherwise it recomputes the whole sequence at every step (which
  // the caller does with full forward passes when session_create reports UNSUPPORTED).
  bool can_generate() const { return head_ == Head::causal_lm; }
  bool has_sessions() const { return can_generate() && cfg_.is_decoder; }

  void forward(const plugin::ForwardIO &io) const;

  // word + token type + absolute position embeddings (no norm: Megatron moved it into the
  // layers). ids, token_types, positions: [B, T] i32 on the backend; no token_types: all 0.
  Tensor embed(const Tensor &ids, const Tensor &token_types, const Tensor &positions) const;
  // Every layer over h [B, T, hidden], without the final norm. key_mask [B, Tk] i32. With
  // caches, the new keys/values go to slot `past` and queries see the first past + T slots.
  // io (optional) receives hidden_states.<i> / attentions.<i> for i < L when it wants them.
  Tensor layers_forward(Tensor h, const Tensor &key_mask,
                        const std::vector<plugin::KvCache> *caches, int64_t past,
                        const plugin::ForwardIO *io) const;
  Tensor final_norm(const Tensor &h) const { return layer_norm(h, final_norm_); }
  // MegatronBertLMPredictionHead: dense, activation, LayerNorm, decoder (+ bias).
  Tensor lm_logits(const Tensor &sequence) const;

  // What plugin::DecoderSession needs. generate() passes no token_type_ids: they are zeros.
  plugin::KvGeometry kv_geometry() const;
  Tensor decode_trunk(const plugin::DecodeStep &s) const {
    return layers_forward(embed(s.ids_t, Tensor{}, s.positions_t), s.key_mask, s.caches, s.past,
                          nullptr);
  }
  void check_step(const plugin::DecodeStep &s) const;

private:
  Tensor layer_norm(const Tensor &x, const LayerNorm &ln) const;
  Tensor pool(const Tensor &sequence) const;
  void load_heads(const plugin::Weights &w, const std::string &prefix);

  plugin::Ops ops_;
  MegatronBertConfig cfg_;
  Head head_;
  Tensor word_embeddings_, position_embeddings_, token_type_embeddings_;
  Tensor type0_embedding_; // [hidden] f32: row 0 of the token type table
  std::vector<MegatronBertLayer> layers_;
  LayerNorm final_norm_; // encoder.ln
  Linear pooler_;        // when the checkpoint has one
  // cls.predictions (masked_lm, causal_lm, pretraining)
  Linear lm_transform_;
  LayerNorm lm_norm_;
  Tensor lm_decoder_, lm_bias_;
  Linear seq_relationship_; // cls.seq_relationship (nsp, pretraining)
  Linear classifier_;       // seq_cls, tok_cls, multiple_choice "classifier"; qa "qa_outputs"
};

} // namespace plinth::megatron_bert
