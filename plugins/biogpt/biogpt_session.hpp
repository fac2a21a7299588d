// Incremental decoding over a KV cache, as transformers' generate() runs BioGPT.
#pragma once

#include "biogpt_model.hpp"
#include "decode_session.hpp"

namespace plinth::biogpt {

class BioGptSession {
public:
  BioGptSession(const BioGptModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const BioGptModel &model_;
  plugin::KvSession kv_;
};

} // namespace plinth::biogpt
