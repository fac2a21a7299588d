#include "megatron_bert_session.hpp"

#include "error.hpp"

namespace plinth::megatron_bert {

using plugin::fail;

MegatronBertSession::MegatronBertSession(const MegatronBertModel &model, int32_t batch,
                                         int32_t max_tokens)
    : model_(model), batch_(batch), max_tokens_(max_tokens) {
  if (batch <= 0 || max_tokens <= 0)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "megatron-bert: session needs batch > 0 and max_tokens > 0");
  const plugin::Ops &ops = model.ops();
  const int64_t D = model.config().head_dim;
  for (const MegatronBertLayer &l : model.layers()) {
    plugin::KvCache kv;
    // Zeroed so that never-written slots hold finite values: they get zero weight, and
    // 0 * garbage could still be NaN.
    kv.k = ops.zeros({batch_, max_tokens_, l.n_heads, D});
    kv.v = ops.zeros({batch_, max_tokens_, l.n_heads, D});
    caches_.push_back(std::move(kv));
  }
  mask_.assign(static_cast<size_t>(batch_ * max_tokens_), 0);
  mask_t_ = ops.from_host({batch_, max_tokens_}, mask_);
}

void MegatronBertSession::step(const plinth_step_io &io) {
  const int64_t n = io.n_tokens;
  if (n <= 0 || io.input_ids == nullptr || io.logits == nullptr)
    fail(PLINTH_ERR_INVALID_ARGUMENT,
         "megatron-bert: step needs n_tokens > 0, input_ids and logits");
  if (past_ + n > max_tokens_)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "megatron-bert: session is full (" + std::to_string(past_) +
                                          " + " + std::to_string(n) + " tokens > max_tokens " +
                                          std::to_string(max_tokens_) + ")");
  const int64_t total = past_ + n;
  const MegatronBertConfig &c = model_.config();
  const plugin::Ops &ops = model_.ops();

  // The mask covers every slot so far; NULL means the new tokens are all real.
  for (int64_t b = 0; b < batch_; ++b)
    for (int64_t j = 0; j < total; ++j) {
      int32_t &slot = mask_[static_cast<size_t>(b * max_tokens_ + j)];
      if (io.attention_mask != nullptr)
        slot = io.attention_mask[b * total + j] != 0 ? 1 : 0;
      else if (j >= past_)
        slot = 1;
    }
  ops.write(mask_t_, mask_.data(), mask_.size() * sizeof(int32_t));

  // generate() passes position_ids = cumsum(mask) - 1 with masked slots set to 1 (the model
  // forward accepts position_ids); the step feeds the last n of them. token_type_ids are not
  // passed, so they are zeros.
  std::vector<int32_t> pos(static_cast<size_t>(batch_ * n));
  for (int64_t b = 0; b < batch_; ++b) {
    int32_t running = 0;
    for (int64_t j = 0; j < total; ++j) {
      const int32_t m = mask_[static_cast<size_t>(b * max_tokens_ + j)];
      running += m;
      if (j < past_) continue;
      const int32_t p = m != 0 ? running - 1 : 1;
      if (p >= c.max_positions)
        fail(PLINTH_ERR_INVALID_ARGUMENT,
             "megatron-bert: position " + std::to_string(p) +
                 " exceeds max_position_embeddings = " + std::to_string(c.max_positions));
      pos[static_cast<size_t>(b * n + (j - past_))] = p;
    }
  }
  std::vector<int32_t> ids(io.input_ids, io.input_ids + batch_ * n);
  for (int32_t id : ids)
    if (id < 0 || id >= c.vocab_size)
      fail(PLINTH_ERR_INVALID_ARGUMENT,
           "megatron-bert: token id " + std::to_string(id) + " is outside the vocabulary");
  std::vector<int32_t> types(ids.size(), 0);

  Tensor h = model_.embed(ops.from_host({batch_, n}, ids), ops.from_host({batch_, n}, types),
                          ops.from_host({batch_, n}, pos));
  h = model_.layers_forward(h, mask_t_, &caches_, past_, nullptr);
  past_ = total;

  // Only each row's last position is needed (left padding keeps it at n - 1).
  Tensor last = ops.slice(h, 1, n - 1, 1);
  Tensor logits = model_.lm_logits(model_.final_norm(last));
  ops.read(logits, io.logits, static_cast<size_t>(batch_ * c.vocab_size) * sizeof(float));
}

} // namespace plinth::megatron_bert
