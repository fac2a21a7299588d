// MobileBERT's task heads and the forward entry: input checking, the trunk, then the head.
#include <algorithm>

#include "error.hpp"
#include "mobilebert_model.hpp"

namespace plinth::mobilebert {

using plugin::fail;
using plugin::Weights;

namespace {

bool has_pooler(Head h) {
  return h == Head::base || h == Head::pretraining || h == Head::nsp || h == Head::seq_cls ||
         h == Head::multiple_choice;
}

const char *head_name(Head h) {
  switch (h) {
  case Head::base: return "base";
  case Head::masked_lm: return "masked_lm";
  case Head::pretraining: return "pretraining";
  case Head::nsp: return "nsp";
  case Head::seq_cls: return "seq_cls";
  case Head::tok_cls: return "tok_cls";
  case Head::qa: return "qa";
  case Head::multiple_choice: return "multiple_choice";
  }
  return "?";
}

} // namespace

void MobileBertModel::load_heads(const Weights &w, const std::string &p) {
  const int64_t H = cfg_.hidden_size;
  const int64_t E = cfg_.embedding_size;
  const int64_t V = cfg_.vocab_size;
  // Without classifier_activation the pooler has no weights and passes the first token on.
  if (has_pooler(head_) && cfg_.classifier_activation)
    pooler_ = load_linear(w, p + "pooler.dense", H, H);

  if (head_ == Head::masked_lm || head_ == Head::pretraining) {
    lm_transform_ = load_linear(w, "cls.predictions.transform.dense", H, H);
    // The transform's norm is a real LayerNorm whatever normalization_type says.
    lm_norm_.weight = w.get("cls.predictions.transform.LayerNorm.weight");
    lm_norm_.bias = w.get("cls.predictions.transform.LayerNorm.bias");
    lm_norm_.eps = static_cast<float>(cfg_.layer_norm_eps);
    // MobileBertLMPredictionHead scores against cat([decoder.weight^T, dense.weight], 0), a
    // [hidden, vocab] matrix: the (tied) [vocab, embedding_size] decoder covers the first
    // embedding_size features and the stored [hidden - embedding_size, vocab] `dense` block the
    // rest. The transposed concatenation is built once here as a [vocab, hidden] linear weight.
    const std::string dec_name = "cls.predictions.decoder.weight";
    Tensor decoder = !cfg_.tie_word_embeddings && w.has(dec_name)
                         ? w.get(dec_name, PLINTH_DTYPE_F32)
                         : w.get(p + "embeddings.word_embeddings.weight", PLINTH_DTYPE_F32);
    if (decoder.dim(0) != V || decoder.dim(1) != E)
      fail(PLINTH_ERR_FORMAT, "mobilebert: the MLM decoder is not [vocab_size, embedding_size]");
    lm_weight_ = ops_.empty({V, H});
    ops_.set_slice_(lm_weight_, 1, 0, decoder);
    if (H > E) {
      Tensor dense = w.get("cls.predictions.dense.weight", PLINTH_DTYPE_F32);
      if (dense.ndim() != 2 || dense.dim(0) != H - E || dense.dim(1) != V)
        fail(PLINTH_ERR_FORMAT, "mobilebert: 'cls.predictions.dense.weight' has shape " +
                                    plugin::shape_string(dense.shape()) + ", expected [" +
                                    std::to_string(H - E) + ", " + std::to_string(V) + "]");
      ops_.set_slice_(lm_weight_, 1, E, ops_.permute(dense, {1, 0}));
    }
    lm_bias_ = w.first_of({"cls.predictions.bias", "cls.predictions.decoder.bias"});
  }

  switch (head_) {
  case Head::pretraining:
  case Head::nsp: seq_relationship_ = load_linear(w, "cls.seq_relationship", H, 2); break;
  case Head::seq_cls:
  case Head::tok_cls: classifier_ = load_linear(w, "classifier", H, cfg_.num_labels); break;
  case Head::multiple_choice: classifier_ = load_linear(w, "classifier", H, 1); break;
  case Head::qa:
    // MobileBertForQuestionAnswering splits its num_labels outputs into start and end logits,
    // which only works for two.
    qa_outputs_ = load_linear(w, "qa_outputs", H, 2);
    break;
  case Head::base:
  case Head::masked_lm: break;
  }
}

Tensor MobileBertModel::mlm_logits(const Tensor &h) const {
  Tensor x = lm_transform_(ops_, h);
  ops_.unary_(cfg_.hidden_act, x);
  x = lm_norm_(ops_, x);
  return ops_.linear(x, lm_weight_, lm_bias_);
}

void MobileBertModel::run_head(const plugin::ForwardIO &io, const EncoderInputs &in,
                               const Tensor &h) const {
  switch (head_) {
  case Head::base:
    io.emit("last_hidden_state", h);
    io.emit("pooler_output", pool(h));
    break;
  case Head::masked_lm: io.emit("logits", mlm_logits(h)); break;
  case Head::pretraining:
    io.emit("prediction_logits", mlm_logits(h));
    io.emit("seq_relationship_logits", seq_relationship_(ops_, pool(h)));
    break;
  case Head::nsp: io.emit("logits", seq_relationship_(ops_, pool(h))); break;
  case Head::seq_cls: io.emit("logits", classifier_(ops_, pool(h))); break;
  case Head::tok_cls: io.emit("logits", classifier_(ops_, h)); break;
  case Head::qa: {
    Tensor logits = qa_outputs_(ops_, h); // [B, T, 2]
    const plugin::Shape bt = {in.rows, in.T};
    io.emit("start_logits", ops_.view(ops_.slice(logits, 2, 0, 1), bt));
    io.emit("end_logits", ops_.view(ops_.slice(logits, 2, 1, 1), bt));
    break;
  }
  case Head::multiple_choice: {
    // One score per (prompt, choice) row, regrouped as [batch, choices].
    Tensor scores = classifier_(ops_, pool(h));
    io.emit("logits", ops_.view(scores, {in.batch, in.choices}));
    break;
  }
  }
}

void MobileBertModel::forward(const plugin::ForwardIO &io) const {
  plugin::IntInput ids = io.require_ints("input_ids");
  // Multiple choice takes [batch, choices, T] and runs every choice as its own row.
  const bool mc = head_ == Head::multiple_choice;
  const size_t rank = mc ? 3 : 2;
  if (ids.shape.size() != rank)
    fail(PLINTH_ERR_INVALID_ARGUMENT, std::string("mobilebert: input_ids must be ") +
                                          (mc ? "[batch, choices, seq]" : "[batch, seq]") +
                                          " for the " + head_name(head_) + " head");
  EncoderInputs in;
  in.batch = ids.shape[0];
  in.choices = mc ? ids.shape[1] : 1;
  in.rows = in.batch * in.choices;
  in.T = ids.shape.back();
  if (in.rows <= 0 || in.T <= 0)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "mobilebert: input_ids is empty");
  if (in.T > cfg_.max_positions)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "mobilebert: " + std::to_string(in.T) +
                                          " tokens exceed max_position_embeddings (" +
                                          std::to_string(cfg_.max_positions) + ")");
  in.ids = std::move(ids.data);
  for (int32_t id : in.ids)
    if (id < 0 || id >= cfg_.vocab_size)
      fail(PLINTH_ERR_INVALID_ARGUMENT,
           "mobilebert: token id " + std::to_string(id) + " is outside the vocabulary");

  const size_t n = in.ids.size();
  in.mask.assign(n, 1);
  if (auto m = io.ints("attention_mask")) {
    if (m->shape != ids.shape)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mobilebert: attention_mask must match input_ids");
    in.mask = std::move(m->data);
  }
  in.token_types.assign(n, 0);
  if (auto tt = io.ints("token_type_ids")) {
    if (tt->shape != ids.shape)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mobilebert: token_type_ids must match input_ids");
    in.token_types = std::move(tt->data);
    for (int32_t t : in.token_types)
      if (t < 0 || t >= cfg_.type_vocab_size)
        fail(PLINTH_ERR_INVALID_ARGUMENT,
             "mobilebert: token type " + std::to_string(t) + " is outside type_vocab_size");
  }

  Tensor h = encode(io, in);
  run_head(io, in, h);
}

} // namespace plinth::mobilebert
