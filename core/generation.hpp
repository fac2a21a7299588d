// The generation loop: prefill the prompt, then one token per step until every row has hit
// an end-of-sequence id or the token limit. Matches transformers' generate(): finished rows
// keep decoding a pad id, and a left-padded batch keeps its mask growing by one column per step.
#pragma once

#include <functional>
#include <vector>

#include "sampling.hpp"
#include "session.hpp"

namespace plinth {

struct GenerateParams {
  int32_t max_new_tokens = 64;
  SamplingParams sampling;
  bool stop_at_eos = true;
  // Called once per new token of each unfinished row; return false to stop everything.
  std::function<bool(int32_t row, int32_t token)> on_token;
};

struct GenerateResult {
  std::vector<int32_t> ids; // [batch, width] row-major: prompt then new tokens
  int32_t width = 0;
  int32_t new_tokens = 0;
  bool cancelled = false;
};

// prompt [batch, n_prompt]; mask [batch, n_prompt] or nullptr (all ones);
// step_logits (optional) [batch, max_new_tokens, vocab].
GenerateResult generate(Model &model, const int32_t *prompt, int32_t batch, int32_t n_prompt,
                        const int32_t *mask, const GenerateParams &params, float *step_logits);

} // namespace plinth
