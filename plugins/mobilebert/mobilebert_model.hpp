// The MobileBERT encoder (MobileBertModel) and its task heads, built from backend ops.
#pragma once

#include <string>
#include <vector>

#include "blocks.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"
#include "mobilebert_config.hpp"
#include "ops.hpp"

namespace plinth::mobilebert {

using plugin::Linear;
using plugin::Tensor;

enum class Head { base, masked_lm, pretraining, nsp, seq_cls, tok_cls, qa, multiple_choice };

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means base.
inline constexpr plugin::HeadTable kHeads{
    "mobilebert",
    Head::base,
    {
        {Head::base, "base", {"MobileBertModel"}},
        {Head::masked_lm, "masked_lm", {"MobileBertForMaskedLM"}},
        {Head::pretraining, "pretraining", {"MobileBertForPreTraining"}},
        {Head::nsp, "nsp", {"MobileBertForNextSentencePrediction"}},
        {Head::seq_cls, "seq_cls", {"MobileBertForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"MobileBertForTokenClassification"}},
        {Head::qa, "qa", {"MobileBertForQuestionAnswering"}},
        {Head::multiple_choice, "multiple_choice", {"MobileBertForMultipleChoice"}},
    }};

// Loads `name` as a Linear and checks that it maps `in` features to `out`, so that a config that
// does not match the checkpoint fails at load time naming the tensor.
Linear load_linear(const plugin::Weights &w, const std::string &name, int64_t in, int64_t out);

// NORM2FN: either nn.LayerNorm or MobileBERT's NoNorm (x * weight + bias, no statistics).
struct Norm {
  Tensor weight, bias;
  bool no_norm = false;
  float eps = 1e-12f;

  Tensor operator()(const plugin::Ops &ops, const Tensor &x) const;
};

// BottleneckLayer: dense projection to intra_bottleneck_size followed by a norm.
struct Projection {
  Linear dense;
  Norm norm;
};

// FFNLayer: dense -> act -> dense, residual, norm (the num_feedforward_networks - 1 extras).
struct FeedForward {
  Linear intermediate, output;
  Norm norm;
};

struct MobileBertLayer {
  Projection bottleneck_input;     // bottleneck.input (use_bottleneck)
  Projection bottleneck_attention; // bottleneck.attention (shared query/key input)
  Linear query, key, value, attn_out;
  Norm attn_norm;
  std::vector<FeedForward> ffn;
  Linear intermediate, output;
  Norm output_norm;
  Projection output_bottleneck; // output.bottleneck back to hidden_size (use_bottleneck)
};

// Integer inputs flattened to [rows, T] (multiple choice folds the choices into the rows).
struct EncoderInputs {
  int64_t batch = 0;
  int64_t choices = 1;
  int64_t rows = 0; // batch * choices
  int64_t T = 0;
  std::vector<int32_t> ids;
  std::vector<int32_t> token_types;
  std::vector<int32_t> mask;
};

class MobileBertModel {
public:
  explicit MobileBertModel(const plinth_model_env &env);

  const MobileBertConfig &config() const { return cfg_; }
  void forward(const plugin::ForwardIO &io) const;

private:
  // mobilebert_model.cpp: the trunk
  void load_trunk(const plugin::Weights &w, const std::string &p);
  Tensor embed(const EncoderInputs &in) const;
  Tensor encode(const plugin::ForwardIO &io, const EncoderInputs &in) const;
  Tensor layer_forward(const plugin::ForwardIO &io, const MobileBertLayer &l, const Tensor &h,
                       const Tensor &mask, int64_t index) const;
  Tensor pool(const Tensor &h) const;

  // mobilebert_heads.cpp: the task heads
  void load_heads(const plugin::Weights &w, const std::string &p);
  Tensor mlm_logits(const Tensor &h) const;
  void run_head(const plugin::ForwardIO &io, const EncoderInputs &in, const Tensor &h) const;

  plugin::Ops ops_;
  MobileBertConfig cfg_;
  Head head_;
  // embeddings
  Tensor word_embeddings_, position_embeddings_, token_type_embeddings_;
  Linear embedding_transformation_; // when trigram_input or embedding_size != hidden_size
  Norm embedding_norm_;
  std::vector<MobileBertLayer> layers_;
  Linear pooler_; // with classifier_activation
  // heads
  Linear lm_transform_;
  Norm lm_norm_;
  Tensor lm_weight_; // [vocab, hidden]: cat(decoder.weight^T, dense.weight)^T, built at load
  Tensor lm_bias_;
  Linear seq_relationship_; // nsp, pretraining
  Linear classifier_;       // seq_cls, tok_cls, multiple_choice
  Linear qa_outputs_;
};

} // namespace plinth::mobilebert
