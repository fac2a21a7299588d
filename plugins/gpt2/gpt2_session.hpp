// Incremental decoding over a KV cache, as transformers' generate() runs GPT-2.
#pragma once

#include "decode_session.hpp"
#include "gpt2_model.hpp"

namespace plinth::gpt2 {

class Gpt2Session {
public:
  Gpt2Session(const Gpt2Model &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const Gpt2Model &model_;
  plugin::KvSession kv_;
};

} // namespace plinth::gpt2
