// Incremental decoding over a KV cache, as transformers' generate() runs Mixtral.
#pragma once

#include "decode_session.hpp"
#include "mixtral_model.hpp"

namespace plinth::mixtral {

class MixtralSession {
public:
  MixtralSession(const MixtralModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const MixtralModel &model_;
  plugin::KvSession kv_;
};

} // namespace plinth::mixtral
