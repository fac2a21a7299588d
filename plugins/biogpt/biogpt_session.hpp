// Incremental decoding over a KV cache, as transformers' generate() runs BioGPT.
#pragma once

#include <vector>

#include "biogpt_model.hpp"

namespace plinth::biogpt {

class BioGptSession {
public:
  BioGptSession(const BioGptModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const BioGptModel &model_;
  int64_t batch_;
  int64_t max_tokens_;
  int64_t past_ = 0;
  std::vector<plugin::KvCache> caches_;
  std::vector<int32_t> mask_; // [batch, max_tokens]: every slot's attention mask so far
  Tensor mask_t_;             // the same on the backend, the attention op's key_mask
};

} // namespace plinth::biogpt
