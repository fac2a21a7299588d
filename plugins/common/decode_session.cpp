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
  const int64_t slots = this->batch() * this->max_tokens();
  inputs_ = ops.zeros({2 + 3 * slots}, PLINTH_DTYPE_I32);
  mask_t_ = ops.view(inputs_, {this->batch(), this->max_tokens()}, 2);
  const bool device_slots = ops.has_device_slots();
  Tensor past_dev, end_dev;
  if (device_slots) {
    past_dev = ops.view(inputs_, {1}, 0);
    end_dev = ops.view(inputs_, {1}, 1);
  }
  for (int64_t h : kv_heads) {
    KvCache kv;
    // Zeroed so that never-written slots hold finite values: they get zero weight, and
    // 0 * garbage could still be NaN.
    kv.k = ops.zeros({this->batch(), this->max_tokens(), h, head_dim});
    kv.v = ops.zeros({this->batch(), this->max_tokens(), h, head_dim});
    kv.past_dev = past_dev;
    kv.end_dev = end_dev;
    caches_.push_back(std::move(kv));
  }
  staging_.reserve(static_cast<size_t>(2 + 3 * slots));
  if (device_slots && ops.has_graphs()) graphs_ = Graphs::warm_up;
}

void KvSession::upload(DecodeStep &s) {
  const int64_t n = s.n, bn = batch() * n, slots = batch() * max_tokens();
  staging_.clear();
  staging_.push_back(static_cast<int32_t>(past()));
  staging_.push_back(static_cast<int32_t>(past() + n));
  staging_.insert(staging_.end(), mask().begin(), mask().end());
  staging_.insert(staging_.end(), s.ids.begin(), s.ids.end());
  for (int32_t p : s.positions)
    staging_.push_back(p + position_offset_);
  ops_.write(inputs_, staging_.data(), staging_.size() * sizeof(int32_t));
  s.key_mask = mask_t_;
  s.ids_t = ops_.view(inputs_, {batch(), n}, 2 + slots);
  s.positions_t = ops_.view(inputs_, {batch(), n}, 2 + slots + bn);
}

Tensor KvSession::run(const DecodeStep &s, const TrunkFn &trunk, const LogitsFn &lm_logits) const {
  Tensor h = trunk(s);
  // Only each row's last position is needed (left padding keeps it at n - 1).
  return lm_logits(ops_.slice(h, 1, s.n - 1, 1));
}

void KvSession::record(const DecodeStep &s, const TrunkFn &trunk, const LogitsFn &lm_logits) {
  // Any failure (a backend that declines, an op that cannot be recorded) leaves the session
  // eager; the step itself then runs eagerly and reports real errors as usual.
  try {
    ops_.graph_begin();
  } catch (const PluginError &) {
    graphs_ = Graphs::off;
    return;
  }
  Tensor logits;
  try {
    logits = run(s, trunk, lm_logits);
  } catch (...) { // whatever failed, the context must leave recording
    try {
      ops_.graph_end(); // the partial graph is discarded
    } catch (...) {
    }
    graphs_ = Graphs::off;
    return;
  }
  try {
    graph_ = ops_.graph_end();
    graph_logits_ = logits;
  } catch (const PluginError &) {
    graph_ = Graph();
    graphs_ = Graphs::off;
  }
}

void KvSession::step(const plinth_step_io &io, const TrunkFn &trunk, const LogitsFn &lm_logits,
                     const CheckFn &check) {
  DecodeStep s;
  s.n = begin(io);
  s.positions = positions(s.n);
  s.ids.assign(io.input_ids, io.input_ids + batch() * s.n);
  s.caches = &caches_;
  s.past = past();
  if (check) check(s);
  upload(s);
  const size_t logit_bytes = static_cast<size_t>(batch() * vocab_size_) * sizeof(float);

  if (s.n == 1 && graphs_ == Graphs::ready && !graph_) record(s, trunk, lm_logits);
  if (s.n == 1 && graph_) {
    ops_.graph_launch(graph_);
    advance(s.n);
    ops_.read(graph_logits_, io.logits, logit_bytes);
    return;
  }
  Tensor logits = run(s, trunk, lm_logits);
  // Sessions hand back exactly vocab_size logits per row: an output matrix of another height
  // (config.json's vocab_size below the LM head's rows, say) would misplace every row after
  // the first, silently.
  if (logits.dim(logits.ndim() - 1) != vocab_size_)
    fail(PLINTH_ERR_FORMAT,
         "the output layer gives " + std::to_string(logits.dim(logits.ndim() - 1)) +
             " logits per token but config.json says vocab_size " + std::to_string(vocab_size_));
  advance(s.n);
  if (s.n == 1 && graphs_ == Graphs::warm_up) graphs_ = Graphs::ready;
  ops_.read(logits, io.logits, logit_bytes);
}

} // namespace plinth::plugin
