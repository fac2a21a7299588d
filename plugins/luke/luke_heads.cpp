// The task heads on top of LukeModel (LukeFor* in transformers). Dropout is inactive at
// inference and is left out.
#include "error.hpp"
#include "luke_model.hpp"

namespace plinth::luke {

using plugin::fail;

namespace {

void need_entities(const LukeBatch &b, int64_t n, const char *head) {
  if (b.E < n)
    fail(PLINTH_ERR_INVALID_ARGUMENT, std::string("luke: ") + head + " needs at least " +
                                          std::to_string(n) + " entities per row (got " +
                                          std::to_string(b.E) + ")");
}

} // namespace

void LukeModel::run_head(const plugin::ForwardIO &io, const LukeBatch &b,
                         const Encoded &enc) const {
  const int64_t R = b.rows;
  const int64_t hid = cfg_.hidden_size;
  // The hidden state of entity `i` in every row: [R, hidden].
  auto entity_at = [&](int64_t i) {
    return ops_.view(ops_.slice(enc.entities, 1, i, 1), {R, hid});
  };

  switch (head_) {
  case Head::base:
    io.emit("last_hidden_state", enc.words);
    if (enc.entities) io.emit("entity_last_hidden_state", enc.entities);
    if (pooler_.weight) io.emit("pooler_output", pool(enc.words));
    break;
  case Head::masked_lm: {
    // LukeLMHead (RoBERTa's): dense, exact gelu whatever hidden_act says, layer norm, decoder.
    Tensor x = lm_dense_(ops_, enc.words);
    ops_.unary_(PLINTH_UNARY_GELU, x);
    x = layer_norm(x, lm_norm_);
    io.emit("logits", ops_.linear(x, lm_decoder_, lm_bias_));
    if (enc.entities) {
      // EntityPredictionHead: dense to entity_emb_size, hidden_act, layer norm, decoder.
      Tensor y = ent_dense_(ops_, enc.entities);
      ops_.unary_(cfg_.hidden_act, y);
      y = layer_norm(y, ent_norm_);
      io.emit("entity_logits", ops_.linear(y, ent_decoder_, ent_bias_));
    }
    break;
  }
  case Head::entity_cls:
    // The first entity's final state.
    need_entities(b, 1, "entity classification");
    io.emit("logits", classifier_(ops_, entity_at(0)));
    break;
  case Head::entity_pair_cls: {
    // The first two entities' final states side by side.
    need_entities(b, 2, "entity pair classification");
    Tensor f = ops_.empty({R, 2 * hid});
    ops_.set_slice_(f, 1, 0, entity_at(0));
    ops_.set_slice_(f, 1, hid, entity_at(1));
    io.emit("logits", classifier_(ops_, f));
    break;
  }
  case Head::entity_span_cls: {
    // [word state at the span start | word state at the span end | entity state] per entity.
    need_entities(b, 1, "entity span classification");
    const int64_t T = b.T;
    const int64_t E = b.E;
    std::vector<int32_t> start(b.span_start.size()), end(b.span_end.size());
    for (int64_t r = 0; r < R; ++r)
      for (int64_t e = 0; e < E; ++e) {
        const size_t i = static_cast<size_t>(r * E + e);
        start[i] = static_cast<int32_t>(r * T + b.span_start[i]);
        end[i] = static_cast<int32_t>(r * T + b.span_end[i]);
      }
    Tensor flat = ops_.view(enc.words, {R * T, hid});
    Tensor f = ops_.empty({R, E, 3 * hid});
    ops_.set_slice_(f, 2, 0, ops_.get_rows(flat, ops_.from_host({R, E}, start)));
    ops_.set_slice_(f, 2, hid, ops_.get_rows(flat, ops_.from_host({R, E}, end)));
    ops_.set_slice_(f, 2, 2 * hid, enc.entities);
    io.emit("logits", classifier_(ops_, f));
    break;
  }
  case Head::seq_cls: io.emit("logits", classifier_(ops_, pool(enc.words))); break;
  case Head::tok_cls: io.emit("logits", classifier_(ops_, enc.words)); break;
  case Head::qa: {
    // qa_outputs gives [R, T, 2]; transformers splits it into start and end (any other
    // num_labels fails to unpack there).
    if (classifier_.out_features() != 2)
      fail(PLINTH_ERR_UNSUPPORTED, "luke: question answering needs num_labels = 2");
    Tensor logits = classifier_(ops_, enc.words);
    io.emit("start_logits", ops_.view(ops_.slice(logits, 2, 0, 1), {R, b.T}));
    io.emit("end_logits", ops_.view(ops_.slice(logits, 2, 1, 1), {R, b.T}));
    break;
  }
  case Head::multiple_choice: {
    // One score per (batch, choice) row from the pooled state, reshaped to [B, C].
    Tensor logits = classifier_(ops_, pool(enc.words));
    io.emit("logits", ops_.view(logits, b.lead));
    break;
  }
  }
}

} // namespace plinth::luke
