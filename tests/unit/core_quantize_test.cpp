// Q8_0 / Q4_0 block quantization: layout sizes and round-trip error bounds.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "error.hpp"
#include "quantize.hpp"

TEST(Quantize, RowBytes) {
  EXPECT_EQ(plinth::row_bytes(PLINTH_DTYPE_Q8_0, 64), 68u);
  EXPECT_EQ(plinth::row_bytes(PLINTH_DTYPE_Q4_0, 64), 36u);
  EXPECT_EQ(plinth::row_bytes(PLINTH_DTYPE_Q4_0, 33), 0u);
  EXPECT_EQ(plinth::row_bytes(PLINTH_DTYPE_F32, 5), 20u);
}

TEST(Quantize, RoundTripErrorWithinHalfStep) {
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0, 1);
  const int64_t rows = 3, n = 96;
  std::vector<float> x(rows * n);
  for (auto &v : x) v = nd(rng);
  for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
    std::vector<uint8_t> q(rows * plinth::row_bytes(dt, n));
    plinth::quantize_rows(x.data(), rows, n, dt, q.data());
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<float> y(n);
      plinth::dequantize_row(q.data() + r * plinth::row_bytes(dt, n), n, dt, y.data());
      for (int64_t b = 0; b < n / 32; ++b) {
        float amax = 0;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[r * n + b * 32 + i]));
        const float step = dt == PLINTH_DTYPE_Q8_0 ? amax / 127 : amax / 8;
        for (int i = 0; i < 32; ++i) {
          const int64_t k = b * 32 + i;
          // Q8: half a step. Q4 maps the largest magnitude to -8, so a value of the other sign
          // near +amax clamps at +7: up to one step. Plus the f16 rounding of the scale.
          const float bound = (dt == PLINTH_DTYPE_Q8_0 ? 0.5f : 1.0f) * step + amax * 2e-3f;
          EXPECT_LE(std::fabs(y[k] - x[r * n + k]), bound) << dt << " " << k;
        }
      }
    }
  }
}

TEST(Quantize, RejectsRowsNotMultipleOfBlock) {
  std::vector<float> x(40);
  std::vector<uint8_t> q(100);
  EXPECT_THROW(plinth::quantize_rows(x.data(), 1, 40, PLINTH_DTYPE_Q8_0, q.data()), plinth::Error);
}
