#include "mega_session.hpp"

#include <algorithm>

#include "error.hpp"

namespace plinth::mega {

using plugin::fail;

MegaSession::MegaSession(const MegaModel &model, int32_t batch, int32_t max_tokens)
    : model_(model), steps_("mega", batch, max_tokens), batch_(batch), max_tokens_(max_tokens) {
  const MegaConfig &c = model.config();
  // Without is_decoder MegaModel attends both ways, and a bidirectional EMA reads ahead:
  // neither can be computed a token at a time.
  if (!c.is_decoder)
    fail(PLINTH_ERR_UNSUPPORTED,
         "mega: incremental decoding needs is_decoder = true (the model attends bidirectionally)");
  if (c.bidirectional)
    fail(PLINTH_ERR_UNSUPPORTED,
         "mega: incremental decoding needs bidirectional = false (a bidirectional EMA reads "
         "future tokens)");
  const Ops &ops = model.ops();
  for (size_t i = 0; i < model.layers().size(); ++i) {
    LayerCache lc;
    // Zeroed so that never-written slots hold finite values.
    lc.keys = ops.zeros({batch_, max_tokens_, c.shared_size});
    lc.values = ops.zeros({batch_, max_tokens_, c.intermediate_size});
    if (c.truncation)
      lc.ema_input = ops.zeros({batch_, max_tokens_, c.hidden_size});
    else
      lc.ema_state = ops.zeros({batch_, c.hidden_size, c.ema_size});
    caches_.push_back(std::move(lc));
  }
}

Tensor MegaSession::run_piece(const std::vector<int32_t> &ids, int64_t p0, int64_t n) {
  const MegaConfig &c = model_.config();
  const Ops &ops = model_.ops();
  const int64_t B = batch_;
  const int64_t total = p0 + n;
  // Keys visible to this piece start at its chunk's first slot.
  const int64_t start = c.use_chunking ? (p0 / c.chunk_size) * c.chunk_size : 0;
  const int64_t Lk = total - start;

  std::vector<float> new_mask(static_cast<size_t>(B * n));
  std::vector<int32_t> key_mask(static_cast<size_t>(B * Lk));
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t t = 0; t < n; ++t)
      new_mask[static_cast<size_t>(b * n + t)] = static_cast<float>(steps_.mask_at(b, p0 + t));
    for (int64_t j = 0; j < Lk; ++j)
      key_mask[static_cast<size_t>(b * Lk + j)] = steps_.mask_at(b, start + j);
  }
  Tensor ema_mask = ops.from_host({B, n, 1}, new_mask);

  Tensor h = model_.embed(ops.from_host({B, n}, ids), {});
  for (size_t i = 0; i < model_.layers().size(); ++i) {
    const MegaLayer &l = model_.layers()[i];
    LayerCache &lc = caches_[i];
    Tensor x = model_.mega_input(l, h);
    Tensor ema = c.truncation ? l.ema.step_window(ops, x, ema_mask, lc.ema_input, p0)
                              : l.ema.step_recurrent(ops, x, ema_mask, lc.ema_state);
    Projected p = model_.project(l, x, ema);
    ops.set_slice_(lc.keys, 1, p0, p.key);
    ops.set_slice_(lc.values, 1, p0, p.value);
    Tensor k = ops.slice(lc.keys, 1, start, Lk);
    Tensor v = ops.slice(lc.values, 1, start, Lk);
    Tensor attn = l.attention(ops, p.query, k, v, p0 - start, key_mask, true);
    h = model_.finish(l, h, p, attn);
  }
  return h;
}

void MegaSession::step(const plinth_step_io &io) {
  const int64_t n = steps_.begin(io);
  const MegaConfig &c = model_.config();
  const int64_t past = steps_.past();
  const int64_t total = past + n;

  Tensor h;
  for (int64_t p0 = past; p0 < total;) {
    int64_t len = total - p0;
    if (c.use_chunking) len = std::min(len, c.chunk_size - p0 % c.chunk_size);
    std::vector<int32_t> ids(static_cast<size_t>(batch_ * len));
    for (int64_t b = 0; b < batch_; ++b)
      std::copy(io.input_ids + b * n + (p0 - past), io.input_ids + b * n + (p0 - past) + len,
                ids.begin() + b * len);
    h = run_piece(ids, p0, len);
    p0 += len;
  }
  steps_.advance(n);

  const Ops &ops = model_.ops();
  Tensor last = ops.slice(h, 1, h.dim(1) - 1, 1);
  Tensor logits = model_.lm_logits(last);
  ops.read(logits, io.logits, static_cast<size_t>(logits.numel()) * sizeof(float));
}

} // namespace plinth::mega
