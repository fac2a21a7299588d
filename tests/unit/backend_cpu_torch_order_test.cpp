// The torch-order arithmetic (backends/cpu/torch_order.hpp): the vector paths give the same bits
// as the plain sequence of roundings written out here, and exp stays within an ulp of libm.
#include "../../backends/cpu/torch_order.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace {

using plinth::cpu::score_chains;
using plinth::cpu::torch_expf;
using plinth::cpu::torch_softmax_row;
using plinth::cpu::transpose_keys;

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

TEST(TorchOrder, ExpIsWithinAnUlpOfLibmAndHandlesRangeEnds) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-87.0f, 88.0f);
  for (int i = 0; i < 100000; ++i) {
    const float x = dist(rng);
    const float want = static_cast<float>(std::exp(static_cast<double>(x)));
    EXPECT_LE(std::fabs(torch_expf(x) - want), std::fabs(want) * 2.4e-7f) << x;
  }
  EXPECT_EQ(torch_expf(0.0f), 1.0f);
  EXPECT_EQ(torch_expf(-104.5f), 0.0f);
  EXPECT_EQ(torch_expf(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_TRUE(std::isinf(torch_expf(100.5f)));
  EXPECT_TRUE(std::isnan(torch_expf(std::nanf(""))));
}

// torch's softmax written out: exp of x - max, 16 lanes summed in order and folded, 1/sum.
std::vector<float> reference_softmax(const std::vector<float> &x) {
  float mx = -std::numeric_limits<float>::infinity();
  for (float v : x)
    mx = std::max(mx, v);
  std::vector<float> e(x.size());
  float lanes[16] = {};
  for (size_t j = 0; j < x.size(); ++j) {
    e[j] = torch_expf(x[j] - mx);
    lanes[j % 16] = lanes[j % 16] + e[j];
  }
  for (int w = 8; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l)
      lanes[l] = lanes[l] + lanes[l + w];
  const float inv = 1.0f / lanes[0];
  for (float &v : e)
    v = v * inv;
  return e;
}

TEST(TorchOrder, SoftmaxRowMatchesTheWrittenOutOrderBitForBit) {
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  for (int n : {1, 3, 15, 16, 17, 31, 32, 33, 100, 257}) {
    std::vector<float> x(static_cast<size_t>(n));
    for (float &v : x)
      v = dist(rng);
    if (n > 2) x[1] = -std::numeric_limits<float>::infinity(); // a masked key
    const std::vector<float> want = reference_softmax(x);
    float mx = -std::numeric_limits<float>::infinity();
    for (float v : x)
      mx = std::max(mx, v);
    std::vector<float> got = x;
    torch_softmax_row(got.data(), n, mx);
    for (int j = 0; j < n; ++j) {
      EXPECT_EQ(bits(got[j]), bits(want[j])) << "n=" << n << " j=" << j;
    }
    if (n > 2) {
      EXPECT_EQ(got[1], 0.0f);
    }
  }
}

TEST(TorchOrder, ScoresAreOneFmaChainPerKey) {
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 30.0f);
  const int64_t D = 24, stride = 3 * D; // keys of one head inside [T, 3 heads, D]
  for (int64_t n : {1, 7, 8, 9, 40, 77}) {
    std::vector<float> k(static_cast<size_t>(n * stride)), q(static_cast<size_t>(D));
    for (float &v : k)
      v = dist(rng);
    for (float &v : q)
      v = dist(rng);
    const int64_t ld = (n + 7) / 8 * 8;
    std::vector<float> kt(static_cast<size_t>(D * ld), -1.0f), s(static_cast<size_t>(ld));
    transpose_keys(k.data() + D, stride, n, D, kt.data(), ld);
    for (int64_t j = n; j < ld; ++j) {
      EXPECT_EQ(kt[static_cast<size_t>(j)], 0.0f); // padding
    }
    const int64_t j0 = n > 3 ? 3 : 0;
    score_chains(q.data(), kt.data(), ld, D, j0, n, 0.125f, s.data());
    for (int64_t j = j0; j < n; ++j) {
      float a = 0.0f;
      for (int64_t d = 0; d < D; ++d)
        a = std::fma(q[d], k[j * stride + D + d], a);
      EXPECT_EQ(bits(s[static_cast<size_t>(j)]), bits(a * 0.125f)) << "n=" << n << " j=" << j;
    }
  }
}

} // namespace
