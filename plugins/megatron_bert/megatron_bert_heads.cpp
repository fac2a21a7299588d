// The task heads of Megatron-BERT (BERT's heads over the Megatron trunk) and the forward
// pass that feeds them.
#include <optional>

#include "error.hpp"
#include "megatron_bert_model.hpp"
#include "span_logits.hpp"

namespace plinth::megatron_bert {

using plugin::fail;
using plugin::IntInput;
using plugin::Weights;

void MegatronBertModel::load_heads(const Weights &w, const std::string &prefix) {
  const bool needs_pooler = head_ == Head::pretraining || head_ == Head::nsp ||
                            head_ == Head::seq_cls || head_ == Head::multiple_choice;
  if (needs_pooler && !pooler_.weight)
    fail(PLINTH_ERR_NOT_FOUND,
         "megatron-bert: this head pools the first token, but the checkpoint has no " + prefix +
             "pooler.dense.weight");

  const bool lm =
      head_ == Head::causal_lm || head_ == Head::masked_lm || head_ == Head::pretraining;
  if (lm) {
    const std::string c = "cls.predictions.";
    lm_transform_ = Linear::load(w, c + "transform.dense");
    lm_norm_ = LayerNorm::load(w, c + "transform.LayerNorm");
    // The decoder is tied to the word embeddings (and then stored once) unless the config
    // unties it; its bias is the separate cls.predictions.bias parameter.
    lm_decoder_ = !cfg_.tie_word_embeddings && w.has(c + "decoder.weight")
                      ? w.get(c + "decoder.weight")
                      : word_embeddings_;
    lm_bias_ = w.first_of({c + "bias", c + "decoder.bias"});
    if (lm_decoder_.dim(0) != cfg_.vocab_size || lm_bias_.numel() != cfg_.vocab_size)
      fail(PLINTH_ERR_FORMAT, "megatron-bert: the LM decoder does not have vocab_size rows");
  }
  if (head_ == Head::pretraining || head_ == Head::nsp)
    seq_relationship_ = Linear::load(w, "cls.seq_relationship");
  switch (head_) {
  case Head::seq_cls:
  case Head::tok_cls:
  case Head::multiple_choice: classifier_ = Linear::load(w, "classifier"); break;
  case Head::qa:
    classifier_ = Linear::load(w, "qa_outputs");
    // start/end = logits.split(1, dim=-1): exactly two outputs.
    if (classifier_.out_features() != 2)
      fail(PLINTH_ERR_FORMAT, "megatron-bert qa: qa_outputs must have 2 outputs (num_labels = 2)");
    break;
  default: break;
  }
  if (head_ == Head::multiple_choice && classifier_.out_features() != 1)
    fail(PLINTH_ERR_FORMAT, "megatron-bert multiple_choice: classifier must have 1 output");
}

namespace {

// An optional input of the same shape as input_ids.
std::optional<IntInput> same_shape_input(const plugin::ForwardIO &io, const std::string &name,
                                         const IntInput &ids) {
  auto in = io.ints(name);
  if (in && in->shape != ids.shape)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "megatron-bert: " + name + " must have input_ids' shape " +
                                          plugin::shape_string(ids.shape));
  return in;
}

void check_range(const std::vector<int32_t> &values, int64_t limit, const std::string &name,
                 const char *option) {
  for (int32_t v : values)
    if (v < 0 || v >= limit)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "megatron-bert: " + name + " holds " + std::to_string(v) +
                                            ", outside [0, " + option + " = " +
                                            std::to_string(limit) + ")");
}

} // namespace

void MegatronBertModel::forward(const plugin::ForwardIO &io) const {
  IntInput ids = io.require_ints("input_ids");
  // Multiple choice takes [batch, choices, seq] and runs the trunk over batch * choices rows.
  const size_t rank = head_ == Head::multiple_choice ? 3 : 2;
  if (ids.shape.size() != rank)
    fail(PLINTH_ERR_INVALID_ARGUMENT, rank == 3 ? "megatron-bert: input_ids must be [batch, "
                                                  "choices, seq] for multiple_choice"
                                                : "megatron-bert: input_ids must be [batch, seq]");
  const int64_t T = ids.shape.back();
  const int64_t N = plugin::shape_numel(ids.shape) / (T > 0 ? T : 1);
  if (T <= 0 || N <= 0) fail(PLINTH_ERR_INVALID_ARGUMENT, "megatron-bert: empty input_ids");
  const size_t n = static_cast<size_t>(N * T);

  std::vector<int32_t> mask(n, 1);
  if (auto m = same_shape_input(io, "attention_mask", ids)) mask = std::move(m->data);
  std::vector<int32_t> types(n, 0);
  if (auto t = same_shape_input(io, "token_type_ids", ids)) types = std::move(t->data);
  // Absolute positions 0..T-1 in every row, padding or not, unless given.
  std::vector<int32_t> pos(n);
  if (auto pi = same_shape_input(io, "position_ids", ids)) {
    pos = std::move(pi->data);
  } else {
    if (T > cfg_.max_positions)
      fail(PLINTH_ERR_INVALID_ARGUMENT,
           "megatron-bert: " + std::to_string(T) +
               " tokens exceed max_position_embeddings = " + std::to_string(cfg_.max_positions));
    for (size_t i = 0; i < n; ++i)
      pos[i] = static_cast<int32_t>(static_cast<int64_t>(i) % T);
  }
  check_range(ids.data, cfg_.vocab_size, "input_ids", "vocab_size");
  check_range(types, cfg_.type_vocab_size, "token_type_ids", "type_vocab_size");
  check_range(pos, cfg_.max_positions, "position_ids", "max_position_embeddings");

  Tensor h = embed(ops_.from_host({N, T}, ids.data), ops_.from_host({N, T}, types),
                   ops_.from_host({N, T}, pos));
  h = layers_forward(h, ops_.from_host({N, T}, mask), nullptr, 0, &io);
  // The encoder's final ln: its output is both the last hidden state and hidden_states.<L>.
  const Tensor seq = final_norm(h);
  const std::string last = "hidden_states." + std::to_string(cfg_.num_layers);
  if (io.want(last)) io.emit(last, seq);

  switch (head_) {
  case Head::base:
    io.emit("last_hidden_state", seq);
    if (pooler_.weight) io.emit("pooler_output", pool(seq));
    break;
  case Head::causal_lm:
  case Head::masked_lm: io.emit("logits", lm_logits(seq)); break;
  case Head::pretraining:
    io.emit("prediction_logits", lm_logits(seq));
    io.emit("seq_relationship_logits", seq_relationship_(ops_, pool(seq)));
    break;
  case Head::nsp: io.emit("logits", seq_relationship_(ops_, pool(seq))); break;
  case Head::seq_cls: io.emit("logits", classifier_(ops_, pool(seq))); break;
  case Head::tok_cls: io.emit("logits", classifier_(ops_, seq)); break;
  case Head::qa: plugin::emit_span_logits(ops_, io, classifier_(ops_, seq)); break;
  case Head::multiple_choice: {
    Tensor scores = classifier_(ops_, pool(seq)); // [batch * choices, 1]
    io.emit("logits", ops_.view(scores, {ids.shape[0], ids.shape[1]}));
    break;
  }
  }
}

} // namespace plinth::megatron_bert
