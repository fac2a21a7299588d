// Incremental decoding over a KV cache, as transformers' generate() runs GPT-2.
#pragma once

#include <vector>

#include "gpt2_model.hpp"

namespace plinth::gpt2 {

class Gpt2Session {
public:
  Gpt2Session(const Gpt2Model &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const Gpt2Model &model_;
  int64_t batch_;
  int64_t max_tokens_;
  int64_t past_ = 0;
  std::vector<plugin::KvCache> caches_;
  std::vector<int32_t> mask_; // [batch, max_tokens]: every slot's attention mask so far
  Tensor mask_t_;             // the same on the backend, the attention op's key_mask
};

} // namespace plinth::gpt2
