// Incremental decoding over a KV cache, as transformers' generate() runs Helium.
#pragma once

#include "decode_session.hpp"
#include "helium_model.hpp"

namespace plinth::helium {

class HeliumSession {
public:
  HeliumSession(const HeliumModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const HeliumModel &model_;
  plugin::KvSession kv_;
};

} // namespace plinth::helium
