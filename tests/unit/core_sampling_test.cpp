// Sampling: greedy is argmax, a seed makes sampling repeatable, top-k/top-p restrict choices.
#include <set>

#include <gtest/gtest.h>

#include "sampling.hpp"

using plinth::Sampler;
using plinth::SamplingParams;

TEST(Sampling, GreedyIsArgmaxFirstOnTies) {
  float logits[] = {0.1f, 3.0f, 3.0f, -1.0f};
  Sampler s(SamplingParams{});
  EXPECT_EQ(s.sample(logits, 4), 1);
}

TEST(Sampling, SameSeedSameTokens) {
  float logits[] = {1.0f, 1.1f, 0.9f, 1.2f, 0.5f};
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 42;
  Sampler a(p), b(p);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(a.sample(logits, 5), b.sample(logits, 5));
}

TEST(Sampling, TopKRestrictsCandidates) {
  float logits[] = {5.0f, 4.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  SamplingParams p;
  p.temperature = 10.0f; // nearly uniform without top-k
  p.top_k = 2;
  p.seed = 7;
  Sampler s(p);
  std::set<int> seen;
  for (int i = 0; i < 200; ++i) seen.insert(s.sample(logits, 6));
  EXPECT_EQ(seen, (std::set<int>{0, 1}));
}

TEST(Sampling, TopPKeepsSmallestNucleus) {
  float logits[] = {10.0f, 0.0f, 0.0f, 0.0f};
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_p = 0.5f;
  p.seed = 1;
  Sampler s(p);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.sample(logits, 4), 0);
}

TEST(Sampling, HighTemperatureExploresAll) {
  float logits[] = {0.0f, 0.1f, 0.2f};
  SamplingParams p;
  p.temperature = 5.0f;
  p.seed = 3;
  Sampler s(p);
  std::set<int> seen;
  for (int i = 0; i < 300; ++i) seen.insert(s.sample(logits, 3));
  EXPECT_EQ(seen.size(), 3u);
}
