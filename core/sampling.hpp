// Choosing the next token from logits: greedy, or temperature + top-k + top-p sampling with
// a seeded generator (same seed, same tokens).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace plinth {

struct SamplingParams {
  float temperature = 0.0f; // <= 0: greedy
  int32_t top_k = 0;        // 0: off
  float top_p = 1.0f;       // >= 1: off
  uint64_t seed = 0;
};

class Sampler {
public:
  explicit Sampler(const SamplingParams &p);
  int32_t sample(const float *logits, int64_t n);

private:
  SamplingParams p_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> scratch_;
};

// Index of the largest value (first one on ties, as torch.argmax).
int32_t argmax(const float *v, int64_t n);

} // namespace plinth
