#include "decode_session.hpp"

#include "error.hpp"

namespace plinth::plugin {

StepMask::StepMask(std::string family, int32_t batch, int32_t max_tokens)
    : family_(std::move(family)), batch_(batch), max_tokens_(max_tokens) {
  if (batch <= 0 || max_tokens <= 0)
    fail(PLINTH_ERR_INVALID_ARGUMENT, family_ + ": session needs batch > 0 and max_tokens > 0");
  mask_.assign(static_cast<size_t>(batch_ * max_tokens_), 0);
}

int64_t StepMask::begin(const plinth_step_io &io) {
  const int64_t n = io.n_tokens;
  if (n <= 0 || io.input_ids == nullptr || io.logits == nullptr)
    fail(PLINTH_ERR_INVALID_ARGUMENT, family_ + ": step needs n_tokens > 0, input_ids and logits");
  if (past_ + n > max_tokens_)
    fail(PLINTH_ERR_INVALID_ARGUMENT, family_ + ": session is full (" + std::to_string(past_) +
                                          " + " + std::to_string(n) + " tokens > max_tokens " +
                                          std::to_string(max_tokens_) + ")");
  const int64_t total = past_ + n;
  for (int64_t b = 0; b < batch_; ++b)
    for (int64_t j = 0; j < total; ++j) {
      int32_t &slot = mask_[static_cast<size_t>(b * max_tokens_ + j)];
      if (io.attention_mask != nullptr)
        slot = io.attention_mask[b * total + j] != 0 ? 1 : 0;
      else if (j >= past_)
        slot = 1;
    }
  return n;
}

std::vector<int32_t> StepMask::positions(int64_t n) const {
  const int64_t total = past_ + n;
  std::vector<int32_t> pos(static_cast<size_t>(batch_ * n));
  for (int64_t b = 0; b < batch_; ++b) {
    int32_t running = 0;
    for (int64_t j = 0; j < total; ++j) {
      const int32_t m = mask_at(b, j);
      running += m;
      if (j >= past_) pos[static_cast<size_t>(b * n + (j - past_))] = m != 0 ? running - 1 : 1;
    }
  }
  return pos;
}

KvSession::KvSession(const Ops &ops, std::string family, int32_t batch, int32_t max_tokens,
                     const std::vector<int64_t> &kv_heads, int64_t head_dim, int64_t vocab_size)
    : StepMask(std::move(family), batch, max_tokens), ops_(ops), vocab_size_(vocab_size) {
  for (int64_t h : kv_heads) {
    KvCache kv;
    // Zeroed so that never-written slots hold finite values: they get zero weight, and
    // 0 * garbage could still be NaN.
    kv.k = ops.zeros({this->batch(), this->max_tokens(), h, head_dim});
    kv.v = ops.zeros({this->batch(), this->max_tokens(), h, head_dim});
    caches_.push_back(std::move(kv));
  }
  mask_t_ = ops.from_host({this->batch(), this->max_tokens()}, mask());
}

void KvSession::step(const plinth_step_io &io, const TrunkFn &trunk, const LogitsFn &lm_logits) {
  DecodeStep s;
  s.n = begin(io);
  ops_.write(mask_t_, mask().data(), mask().size() * sizeof(int32_t));
  s.positions = positions(s.n);
  s.ids.assign(io.input_ids, io.input_ids + batch() * s.n);
  s.ids_t = ops_.from_host({batch(), s.n}, s.ids);
  s.caches = &caches_;
  s.key_mask = mask_t_;
  s.past = past();
  Tensor h = trunk(s);
  advance(s.n);

  // Only each row's last position is needed (left padding keeps it at n - 1).
  Tensor logits = lm_logits(ops_.slice(h, 1, s.n - 1, 1));
  ops_.read(logits, io.logits, static_cast<size_t>(batch() * vocab_size_) * sizeof(float));
}

} // namespace plinth::plugin
