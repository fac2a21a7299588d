// Incremental decoding over a KV cache for MegatronBertForCausalLM with is_decoder, as
// transformers' generate() runs it.
#pragma once

#include "decode_session.hpp"
#include "megatron_bert_model.hpp"

namespace plinth::megatron_bert {

class MegatronBertSession {
public:
  MegatronBertSession(const MegatronBertModel &model, int32_t batch, int32_t max_tokens);

  void step(const plinth_step_io &io);

private:
  const MegatronBertModel &model_;
  Tensor types_; // zeros [batch, max_tokens]: the token types; before kv_, which may record it
  plugin::KvSession kv_;
};

} // namespace plinth::megatron_bert
