// CPU backend: f16 / bf16 conversions are exact round-to-nearest-even, in both the portable
// path and the F16C/AVX2 path, checked against the compiler's _Float16 conversions.
#include "../../backends/cpu/half.hpp"
#include "../../backends/cpu/kernels.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace plinth::cpu;

std::vector<float> tricky_floats() {
  std::vector<float> v{0.0f,      -0.0f,     65504.0f, 65519.99f, 65520.0f,
                       -65520.0f, 1e-8f,     2.98e-8f, 2.99e-8f,  5.96e-8f,
                       6.1e-5f,   6.097e-5f, INFINITY, -INFINITY, NAN};
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 200000; ++i) {
    // Random bit patterns restricted to the f16 range and around it, plus exact halfway
    // points between adjacent halves (low 13 bits = 0x1000).
    uint32_t b = bits(rng);
    const uint32_t exp = 100 + (b % 50);
    b = (b & 0x807fffffu) | (exp << 23);
    v.push_back(std::bit_cast<float>(b));
    v.push_back(std::bit_cast<float>((b & ~0x1fffu) | 0x1000u));
  }
  return v;
}

TEST(CpuHalf, HalfToFloatIsExactForAllValues) {
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i)
    all[i] = static_cast<uint16_t>(i);
  std::vector<float> simd(65536);
  if (avx2_kernels()) avx2_kernels()->f16_to_f32(all.data(), simd.data(), 65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    const float want = static_cast<float>(std::bit_cast<_Float16>(all[i]));
    const float got = half_to_float(all[i]);
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << i;
      continue;
    }
    ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want)) << i;
    if (avx2_kernels()) {
      ASSERT_EQ(std::bit_cast<uint32_t>(simd[i]), std::bit_cast<uint32_t>(want)) << i;
    }
  }
}

TEST(CpuHalf, FloatToHalfRoundsToNearestEven) {
  const std::vector<float> v = tricky_floats();
  std::vector<uint16_t> simd(v.size());
  if (avx2_kernels())
    avx2_kernels()->f32_to_f16(v.data(), simd.data(), static_cast<int64_t>(v.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    const uint16_t want = std::bit_cast<uint16_t>(static_cast<_Float16>(v[i]));
    if (std::isnan(v[i])) {
      EXPECT_TRUE(std::isnan(half_to_float(float_to_half(v[i]))));
      continue;
    }
    ASSERT_EQ(float_to_half(v[i]), want) << v[i];
    if (avx2_kernels()) {
      ASSERT_EQ(simd[i], want) << v[i];
    }
  }
}

TEST(CpuHalf, FloatToBf16RoundsToNearestEven) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 200000; ++i) {
    uint32_t b = bits(rng);
    if (i % 2) b = (b & ~0xffffu) | 0x8000u; // exact halfway
    const float f = std::bit_cast<float>(b);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(f))));
      continue;
    }
    const uint16_t r = float_to_bf16(f);
    if (std::isinf(bf16_to_float(r))) { // overflow: only past the largest finite bf16
      ASSERT_GE(std::fabs(f), 0x1.ffp127f) << std::hex << b;
      continue;
    }
    const double err = std::fabs(double(bf16_to_float(r)) - f);
    // No neighbour is closer; on a tie the even one wins.
    for (int d : {-1, 1}) {
      const uint16_t n = static_cast<uint16_t>(r + d);
      const float nf = bf16_to_float(n);
      if (std::isnan(nf) || (std::bit_cast<uint32_t>(nf) ^ b) >> 31)
        continue; // crossed into nan or the other sign
      const double nerr = std::fabs(double(nf) - f);
      ASSERT_TRUE(err < nerr || (err == nerr && (r & 1) == 0)) << std::hex << b;
    }
  }
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(float_to_bf16(INFINITY), 0x7f80);
  std::vector<uint16_t> h{0x3f80, 0xc000, 0x7f80};
  std::vector<float> out(3);
  kernels().bf16_to_f32(h.data(), out.data(), 3);
  EXPECT_EQ(out, (std::vector<float>{1.0f, -2.0f, INFINITY}));
}

TEST(CpuHalf, DotAndAxpyAgreeAcrossKernelSets) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int n : {0, 1, 7, 8, 31, 32, 33, 100, 1000}) {
    std::vector<float> a(n), b(n), y1(n), y2(n);
    for (int i = 0; i < n; ++i) {
      a[i] = dist(rng);
      b[i] = dist(rng);
      y1[i] = y2[i] = dist(rng);
    }
    double want = 0;
    for (int i = 0; i < n; ++i)
      want += double(a[i]) * b[i];
    EXPECT_NEAR(scalar_kernels().dot(a.data(), b.data(), n), want, 1e-5 * (1 + n / 100.0));
    EXPECT_NEAR(kernels().dot(a.data(), b.data(), n), want, 1e-5 * (1 + n / 100.0));
    scalar_kernels().axpy(0.5f, a.data(), y1.data(), n);
    kernels().axpy(0.5f, a.data(), y2.data(), n);
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(y1[i], y2[i], 1e-6);
  }
}

} // namespace
