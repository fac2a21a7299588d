// Incremental decoding over a KV cache for MegatronBertForCausalLM with is_decoder, as
// transformers' generate() runs it.
#pragma once

#include <vector>

#include "megatron_bert_model.hpp"

namespace plinth::megatron_bert {

class MegatronBertSession {
public:
  MegatronBertSession(const MegatronBertModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const MegatronBertModel &model_;
  int64_t batch_;
  int64_t max_tokens_;
  int64_t past_ = 0;
  std::vector<plugin::KvCache> caches_;
  std::vector<int32_t> mask_; // [batch, max_tokens]: every slot's attention mask so far
  Tensor mask_t_;             // the same on the backend, the attention op's key_mask
};

} // namespace plinth::megatron_bert
