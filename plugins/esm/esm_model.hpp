// The ESM encoder (EsmModel) and its heads, built from backend ops.
#pragma once

#include <string>
#include <vector>

#include "blocks.hpp"
#include "esm_config.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"
#include "ops.hpp"

namespace plinth::esm {

using plugin::Linear;
using plugin::Tensor;

enum class Head { base, masked_lm, seq_cls, tok_cls, contacts };

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means masked_lm.
inline constexpr plugin::HeadTable kHeads{
    "esm",
    Head::masked_lm,
    {
        {Head::base, "base", {"EsmModel"}},
        {Head::masked_lm, "masked_lm", {"EsmForMaskedLM"}},
        {Head::seq_cls, "seq_cls", {"EsmForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"EsmForTokenClassification"}},
        {Head::contacts,
         "contacts",
         {"EsmForMaskedLM.predict_contacts", "EsmModel.predict_contacts"}},
    }};

using plugin::LayerNorm;

struct EsmLayer {
  LayerNorm attn_norm; // attention.LayerNorm (pre-LN before self-attention)
  Linear query, key, value, attn_out;
  LayerNorm ffn_norm; // LayerNorm before the feed-forward block
  Linear intermediate, output;
  Tensor inv_freq; // stored rotary inverse frequencies, if the checkpoint has them
};

// What the encoder hands back for the heads.
struct EncoderResult {
  Tensor hidden;   // [B, T, H] after emb_layer_norm_after
  Tensor attn_all; // [B, L * heads, T, T] stacked attention probabilities, when asked for
};

class EsmModel {
public:
  explicit EsmModel(const plinth_model_env &env);

  const EsmConfig &config() const { return cfg_; }
  void forward(const plugin::ForwardIO &io) const;

private:
  Tensor embed(const plugin::IntInput &ids, const std::vector<int32_t> &mask,
               bool mask_given) const;
  EncoderResult encode(const plugin::ForwardIO &io, const plugin::IntInput &ids,
                       const std::vector<int32_t> &mask, bool mask_given,
                       bool want_attentions) const;
  Tensor layer_norm(const Tensor &x, const LayerNorm &ln) const;
  // EsmContactPredictionHead over the stacked attentions (esm_contacts.cpp).
  Tensor contacts(const plugin::IntInput &ids, const std::vector<int32_t> &mask,
                  const Tensor &attn_all) const;

  plugin::Ops ops_;
  EsmConfig cfg_;
  Head head_;
  Tensor word_embeddings_;
  Tensor position_embeddings_; // ESM-1b
  LayerNorm emb_norm_before_;
  LayerNorm emb_norm_after_;
  std::vector<EsmLayer> layers_;
  Tensor rope_inv_freq_; // computed when the checkpoint stores none
  // heads
  Linear pooler_;               // base (when the checkpoint has one)
  Linear lm_dense_;             // masked_lm
  LayerNorm lm_norm_;           //
  Tensor lm_decoder_, lm_bias_; //
  Linear cls_dense_, cls_out_;  // seq_cls (cls_out_ alone for tok_cls)
  Linear contact_regression_;   // contacts
};

} // namespace plinth::esm
