#include "generation.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "error.hpp"

namespace plinth {

GenerateResult generate(Model &model, const int32_t *prompt, int32_t batch, int32_t n_prompt,
                        const int32_t *mask, const GenerateParams &params, float *step_logits) {
  if (!prompt || batch <= 0 || n_prompt <= 0)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "generation needs a non-empty prompt");
  if (params.max_new_tokens < 0)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "max_new_tokens must not be negative");
  check_limit(params.max_new_tokens, model.limits().new_tokens, "new_tokens", "max_new_tokens");
  check_limit(batch, model.limits().batch, "batch", "generation batch");
  if (params.max_new_tokens > INT32_MAX - n_prompt)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                "prompt length " + std::to_string(n_prompt) + " + max_new_tokens " +
                    std::to_string(params.max_new_tokens) + " exceeds the int32 token range");
  const int32_t total = n_prompt + params.max_new_tokens;
  GenerateResult r;
  r.width = n_prompt;
  r.ids.assign(prompt, prompt + static_cast<size_t>(batch) * n_prompt);
  if (params.max_new_tokens == 0) return r;

  Session session(model, batch, total);
  const int64_t vocab = session.vocab();
  const auto eos = model.checkpoint().eos_token_ids();
  const int32_t pad = model.checkpoint().pad_token_id().value_or(eos.empty() ? 0 : eos[0]);
  Sampler sampler(params.sampling);

  // The growing attention mask [batch, total], filled column by column.
  std::vector<int32_t> full_mask(static_cast<size_t>(batch) * total, 1);
  if (mask)
    for (int32_t b = 0; b < batch; ++b)
      std::memcpy(&full_mask[static_cast<size_t>(b) * total],
                  mask + static_cast<size_t>(b) * n_prompt, sizeof(int32_t) * n_prompt);
  auto mask_for = [&](int32_t cols) {
    std::vector<int32_t> m(static_cast<size_t>(batch) * cols);
    for (int32_t b = 0; b < batch; ++b)
      std::memcpy(&m[static_cast<size_t>(b) * cols], &full_mask[static_cast<size_t>(b) * total],
                  sizeof(int32_t) * cols);
    return m;
  };

  std::vector<float> logits(static_cast<size_t>(batch) * vocab);
  std::vector<int32_t> next(static_cast<size_t>(batch));
  std::vector<bool> done(static_cast<size_t>(batch), false);
  std::vector<std::vector<int32_t>> out_rows(static_cast<size_t>(batch));

  session.step(prompt, n_prompt, mask ? mask_for(n_prompt).data() : nullptr, logits.data());
  for (int32_t step = 0; step < params.max_new_tokens; ++step) {
    if (step_logits)
      for (int32_t b = 0; b < batch; ++b)
        std::memcpy(step_logits + (static_cast<size_t>(b) * params.max_new_tokens + step) * vocab,
                    &logits[static_cast<size_t>(b) * vocab], sizeof(float) * vocab);
    bool stop = false;
    for (int32_t b = 0; b < batch; ++b) {
      int32_t tok = done[b] ? pad : sampler.sample(&logits[static_cast<size_t>(b) * vocab], vocab);
      next[b] = tok;
      out_rows[b].push_back(tok);
      if (!done[b]) {
        if (params.on_token && !params.on_token(b, tok)) stop = true;
        if (params.stop_at_eos && std::find(eos.begin(), eos.end(), tok) != eos.end())
          done[b] = true;
      }
    }
    ++r.new_tokens;
    if (stop) {
      r.cancelled = true;
      break;
    }
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    if (step + 1 == params.max_new_tokens) break;
    const int32_t cols = n_prompt + step + 1;
    session.step(next.data(), 1, mask ? mask_for(cols).data() : nullptr, logits.data());
  }
  r.width = n_prompt + r.new_tokens;
  std::vector<int32_t> ids(static_cast<size_t>(batch) * r.width);
  for (int32_t b = 0; b < batch; ++b) {
    std::memcpy(&ids[static_cast<size_t>(b) * r.width], prompt + static_cast<size_t>(b) * n_prompt,
                sizeof(int32_t) * n_prompt);
    std::memcpy(&ids[static_cast<size_t>(b) * r.width + n_prompt], out_rows[b].data(),
                sizeof(int32_t) * r.new_tokens);
  }
  r.ids = std::move(ids);
  return r;
}

} // namespace plinth
