// The MEGA encoder/decoder (MegaModel) and its heads, built from backend ops. Activations are
// kept batch-first [B, T, H]; transformers' Mega runs sequence-first, which changes nothing.
#pragma once

#include <string>
#include <vector>

#include "blocks.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"
#include "mega_attention.hpp"
#include "mega_config.hpp"
#include "mega_ema.hpp"
#include "ops.hpp"

namespace plinth::mega {

using plugin::Linear;

enum class Head { base, masked_lm, causal_lm, seq_cls, tok_cls, qa, multiple_choice };

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means base.
inline constexpr plugin::HeadTable kHeads{
    "mega",
    Head::base,
    {
        {Head::base, "base", {"MegaModel"}},
        {Head::masked_lm, "masked_lm", {"MegaForMaskedLM"}},
        {Head::causal_lm, "causal_lm", {"MegaForCausalLM"}},
        {Head::seq_cls, "seq_cls", {"MegaForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"MegaForTokenClassification"}},
        {Head::qa, "qa", {"MegaForQuestionAnswering"}},
        {Head::multiple_choice, "multiple_choice", {"MegaForMultipleChoice"}},
    }};

// MegaSequenceNorm with its quirks: scalenorm is scalar * x / rms(x); "rmsnorm" (MegaRMSNorm)
// computes the rms but returns x * weight unnormalised; batchnorm uses the running statistics.
class MegaNorm {
public:
  void load(const Ops &ops, const plugin::Weights &w, const std::string &prefix,
            const MegaConfig &cfg);
  Tensor operator()(const Ops &ops, const Tensor &x) const;

private:
  NormKind kind_ = NormKind::scalenorm;
  Tensor weight_, bias_; // layernorm / rmsnorm weight; batchnorm folded scale and shift
  Tensor scalar_;        // scalenorm [1]
};

// What MegaMovingAverageGatedAttention derives from the EMA output before attending.
struct Projected {
  Tensor value;         // [B, T, I] activation(v_proj(x))
  Tensor query, key;    // [B, T, Z]
  Tensor residual_gate; // [B, T, H] sigmoid
  Tensor attn_gate;     // [B, T, I] silu
  Tensor intermediate;  // [B, T, H]
};

// One MegaBlock: moving-average gated attention, then the optional normalized FFN.
struct MegaLayer {
  MegaNorm norm;
  Ema ema;
  Linear v_proj, mx_proj, h_proj;
  Tensor q_weight, q_bias, k_weight, k_bias; // rows of qk_weight / qk_bias
  MegaAttention attention;
  bool has_nffn = false;
  MegaNorm ffn_norm;
  Linear fc1, fc2;
};

class MegaModel {
public:
  explicit MegaModel(const plinth_model_env &env);

  const MegaConfig &config() const { return cfg_; }
  const Ops &ops() const { return ops_; }
  Head head() const { return head_; }
  bool can_generate() const { return head_ == Head::causal_lm; }
  const std::vector<MegaLayer> &layers() const { return layers_; }

  void forward(const plugin::ForwardIO &io) const;

  // Pieces shared with incremental decoding (mega_session.cpp).
  Tensor embed(const Tensor &ids, const Tensor &token_types) const;
  // The layer's input to the EMA and projections (normalised first when normalize_before_mega).
  Tensor mega_input(const MegaLayer &l, const Tensor &h) const;
  Projected project(const MegaLayer &l, const Tensor &x, const Tensor &ema_out) const;
  // Gated residual, post-norm and NFFN: the layer's output from its input h and the attention
  // result attn [B, T, I].
  Tensor finish(const MegaLayer &l, const Tensor &h, const Projected &p, const Tensor &attn) const;
  Tensor lm_logits(const Tensor &h) const;

private:
  Tensor encode(const plugin::ForwardIO &io, const plugin::IntInput &ids,
                const std::vector<int32_t> &mask, bool mask_given,
                const plugin::IntInput *token_types) const;
  Tensor attend_full(const MegaLayer &l, const Projected &p, const std::vector<int32_t> &mask,
                     bool mask_given) const;

  Ops ops_;
  MegaConfig cfg_;
  Head head_;
  Tensor word_embeddings_;
  Tensor token_type_embeddings_;
  std::vector<MegaLayer> layers_;
  // heads
  Linear pooler_;              // base / multiple_choice
  Linear lm_dense_;            // masked_lm / causal_lm with add_lm_hidden_dense_layer
  Tensor lm_weight_, lm_bias_; // mlm_head / lm_head (tied to the embeddings by default)
  Linear cls_dense_, cls_out_; // seq_cls (cls_out_ alone: tok_cls, multiple_choice)
  Linear qa_outputs_;          // qa
};

} // namespace plinth::mega
