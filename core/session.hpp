// Incremental decoding state: the plugin's session (its KV cache) plus the bookkeeping the
// core checks calls against.
#pragma once

#include <vector>

#include "model.hpp"

namespace plinth {

class Session {
public:
  Session(Model &model, int32_t batch, int32_t max_tokens); // throws plinth::Error
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  // ids [batch, n]; mask [batch, past + n] or nullptr; logits [batch, vocab].
  void step(const int32_t *ids, int32_t n, const int32_t *mask, float *logits);
  int32_t past() const { return past_; }
  int32_t batch() const { return batch_; }
  int32_t max_tokens() const { return max_tokens_; }
  int64_t vocab() const { return model_.info().vocab_size; }
  Model &model() { return model_; }

private:
  Model &model_;
  plinth_arch_session *s_ = nullptr;
  int32_t batch_, max_tokens_, past_ = 0;
};

} // namespace plinth
