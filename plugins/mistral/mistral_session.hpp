// Incremental decoding over a KV cache, as transformers' generate() runs Mistral.
#pragma once

#include "decode_session.hpp"
#include "mistral_model.hpp"

namespace plinth::mistral {

class MistralSession {
public:
  MistralSession(const MistralModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const MistralModel &model_;
  plugin::KvSession kv_;
};

} // namespace plinth::mistral
