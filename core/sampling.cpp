#include "sampling.hpp"

#include <algorithm>
#include <cmath>

namespace plinth {

int32_t argmax(const float *v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return static_cast<int32_t>(best);
}

Sampler::Sampler(const SamplingParams &p) : p_(p), rng_(p.seed) {}

int32_t Sampler::sample(const float *logits, int64_t n) {
  if (p_.temperature <= 0.0f || n <= 1) return argmax(logits, n);
  scratch_.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    scratch_[static_cast<size_t>(i)] = {logits[i] / p_.temperature, static_cast<int32_t>(i)};
  auto by_logit = [](const auto &a, const auto &b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  size_t keep = scratch_.size();
  if (p_.top_k > 0 && static_cast<size_t>(p_.top_k) < keep) {
    keep = static_cast<size_t>(p_.top_k);
    std::partial_sort(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(keep),
                      scratch_.end(), by_logit);
  } else {
    std::sort(scratch_.begin(), scratch_.end(), by_logit);
  }
  // softmax over the kept candidates
  const float mx = scratch_[0].first;
  double total = 0;
  std::vector<double> prob(keep);
  for (size_t i = 0; i < keep; ++i) total += prob[i] = std::exp(double(scratch_[i].first - mx));
  for (auto &p : prob) p /= total;
  if (p_.top_p < 1.0f) {
    // Smallest prefix whose mass reaches top_p (always at least one token).
    double cum = 0;
    size_t cut = keep;
    for (size_t i = 0; i < keep; ++i) {
      cum += prob[i];
      if (cum >= p_.top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
    double s = 0;
    for (size_t i = 0; i < keep; ++i) s += prob[i];
    for (size_t i = 0; i < keep; ++i) prob[i] /= s;
  }
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double r = u(rng_), cum = 0;
  for (size_t i = 0; i < keep; ++i) {
    cum += prob[i];
    if (r < cum) return scratch_[i].second;
  }
  return scratch_[keep - 1].second;
}

} // namespace plinth
