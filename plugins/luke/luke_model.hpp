// The LUKE encoder (LukeModel: word and entity embeddings, entity-aware self-attention) and
// its task heads (luke_heads.cpp), built from backend ops.
#pragma once

#include <string>
#include <vector>

#include "blocks.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"
#include "luke_config.hpp"
#include "luke_inputs.hpp"
#include "ops.hpp"

namespace plinth::luke {

using plugin::Linear;
using plugin::Tensor;

enum class Head {
  base,
  masked_lm,
  entity_cls,
  entity_pair_cls,
  entity_span_cls,
  seq_cls,
  tok_cls,
  qa,
  multiple_choice
};

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means base.
inline constexpr plugin::HeadTable kHeads{
    "luke",
    Head::base,
    {
        {Head::base, "base", {"LukeModel"}},
        {Head::masked_lm, "masked_lm", {"LukeForMaskedLM"}},
        {Head::entity_cls, "entity_cls", {"LukeForEntityClassification"}},
        {Head::entity_pair_cls, "entity_pair_cls", {"LukeForEntityPairClassification"}},
        {Head::entity_span_cls, "entity_span_cls", {"LukeForEntitySpanClassification"}},
        {Head::seq_cls, "seq_cls", {"LukeForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"LukeForTokenClassification"}},
        {Head::qa, "qa", {"LukeForQuestionAnswering"}},
        {Head::multiple_choice, "multiple_choice", {"LukeForMultipleChoice"}},
    }};

using plugin::LayerNorm;

struct LukeLayer {
  Linear query, key, value;
  Linear w2e_query, e2w_query, e2e_query; // entity-aware attention only
  Linear attn_out;
  LayerNorm attn_norm; // attention.output.LayerNorm (post-LN, BERT style)
  Linear intermediate, output;
  LayerNorm ffn_norm; // output.LayerNorm
};

// What the encoder hands to the heads.
struct Encoded {
  Tensor words;    // [rows, T, hidden]
  Tensor entities; // [rows, E, hidden]; empty without entity inputs
};

class LukeModel {
public:
  explicit LukeModel(const plinth_model_env &env);

  const LukeConfig &config() const { return cfg_; }
  void forward(const plugin::ForwardIO &io) const;

private:
  Tensor layer_norm(const Tensor &x, const LayerNorm &ln) const;
  Tensor embed_words(const LukeBatch &b) const;
  Tensor embed_entities(const LukeBatch &b) const;
  Tensor self_attention(const plugin::ForwardIO &io, int64_t index, const LukeLayer &l,
                        const Tensor &h, const Tensor &key_mask, int64_t T) const;
  Encoded encode(const plugin::ForwardIO &io, const LukeBatch &b) const;
  Tensor pool(const Tensor &words) const;
  // The head on top of the encoder (luke_heads.cpp).
  void run_head(const plugin::ForwardIO &io, const LukeBatch &b, const Encoded &enc) const;

  plugin::Ops ops_;
  LukeConfig cfg_;
  Head head_;
  // word embeddings (LukeEmbeddings)
  Tensor word_embeddings_, position_embeddings_, token_type_embeddings_;
  LayerNorm emb_norm_;
  // entity embeddings (LukeEntityEmbeddings)
  Tensor entity_embeddings_;
  Linear entity_dense_; // entity_emb_size -> hidden_size, when they differ
  Tensor entity_position_embeddings_, entity_token_type_embeddings_;
  LayerNorm entity_norm_;
  std::vector<LukeLayer> layers_;
  Linear pooler_; // when the checkpoint has one
  // heads
  Linear lm_dense_;               // masked_lm: LukeLMHead
  LayerNorm lm_norm_;             //
  Tensor lm_decoder_, lm_bias_;   //
  Linear ent_dense_;              // masked_lm: EntityPredictionHead
  LayerNorm ent_norm_;            //
  Tensor ent_decoder_, ent_bias_; //
  Linear classifier_;             // classification heads; qa_outputs for qa
};

} // namespace plinth::luke
