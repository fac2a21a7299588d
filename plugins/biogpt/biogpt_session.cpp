#include "biogpt_session.hpp"

#include "error.hpp"

namespace plinth::biogpt {

using plugin::fail;

BioGptSession::BioGptSession(const BioGptModel &model, int32_t batch, int32_t max_tokens)
    : model_(model), batch_(batch), max_tokens_(max_tokens) {
  if (batch <= 0 || max_tokens <= 0)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: session needs batch > 0 and max_tokens > 0");
  const BioGptConfig &c = model.config();
  const plugin::Ops &ops = model.ops();
  for (int64_t i = 0; i < c.num_layers; ++i) {
    plugin::KvCache kv;
    // Zeroed so that never-written slots hold finite values: they get zero weight, and
    // 0 * garbage could still be NaN.
    kv.k = ops.zeros({batch_, max_tokens_, c.num_heads, c.head_dim});
    kv.v = ops.zeros({batch_, max_tokens_, c.num_heads, c.head_dim});
    caches_.push_back(std::move(kv));
  }
  mask_.assign(static_cast<size_t>(batch_ * max_tokens_), 0);
  mask_t_ = ops.from_host({batch_, max_tokens_}, mask_);
}

void BioGptSession::step(const plinth_step_io &io) {
  const int64_t n = io.n_tokens;
  if (n <= 0 || io.input_ids == nullptr || io.logits == nullptr)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: step needs n_tokens > 0, input_ids and logits");
  if (past_ + n > max_tokens_)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: session is full (" + std::to_string(past_) + " + " +
                                          std::to_string(n) + " tokens > max_tokens " +
                                          std::to_string(max_tokens_) + ")");
  const int64_t total = past_ + n;
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

  // generate() passes position_ids = cumsum(mask) - 1 with masked slots set to 1 (the
  // embedding adds the offset of 2), so a left-padded row counts its positions from its first
  // real token; the step feeds the last n of them.
  std::vector<int32_t> pos(static_cast<size_t>(batch_ * n));
  for (int64_t b = 0; b < batch_; ++b) {
    int32_t running = 0;
    for (int64_t j = 0; j < total; ++j) {
      const int32_t m = mask_[static_cast<size_t>(b * max_tokens_ + j)];
      running += m;
      if (j >= past_) pos[static_cast<size_t>(b * n + (j - past_))] = m != 0 ? running - 1 : 1;
    }
  }

  std::vector<int32_t> ids(io.input_ids, io.input_ids + batch_ * n);
  Tensor ids_t = ops.from_host({batch_, n}, ids);
  Tensor h = model_.trunk(ids_t, pos, mask_t_, &caches_, past_, nullptr);
  past_ = total;

  // Only each row's last position is needed (left padding keeps it at n - 1).
  Tensor last = ops.slice(h, 1, n - 1, 1);
  Tensor logits = model_.lm_logits(model_.final_norm(last));
  ops.read(logits, io.logits,
           static_cast<size_t>(batch_ * model_.config().vocab_size) * sizeof(float));
}

} // namespace plinth::biogpt
