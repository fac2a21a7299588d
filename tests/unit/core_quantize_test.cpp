// Q8_0 / Q4_0 block quantization: layout sizes and round-trip error bounds.
#include <cmath>
#include <iterator>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "dtype.hpp"
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

// Q8_0 rounds half away from zero (std::lround), ties included.
TEST(Quantize, Q8RoundsHalfAwayFromZero) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f; // amax 127: scale 1, so the values below are quantized as they are
  const float v[] = {2.5f,    -2.5f,      0.5f,         -0.5f, 126.5f,
                     -126.5f, 3.4999998f, -0.49999997f, 1.5f,  7.0f};
  for (size_t i = 0; i < std::size(v); ++i)
    x[i + 1] = v[i];
  std::vector<uint8_t> q(plinth::row_bytes(PLINTH_DTYPE_Q8_0, 32));
  plinth::quantize_rows(x.data(), 1, 32, PLINTH_DTYPE_Q8_0, q.data());
  for (int i = 0; i < 32; ++i)
    EXPECT_EQ(static_cast<int8_t>(q[2 + i]), static_cast<int8_t>(std::lround(x[i]))) << x[i];
}

// quantize_matrix reads any float dtype at any alignment, on several threads, and gives the
// bytes of converting to f32 first and quantizing that.
TEST(Quantize, MatrixFromStoredDtypesMatchesRowsOfF32) {
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0, 0.05f);
  // Big enough (~1M values) that three threads each get a share.
  const int64_t rows = 131, n = 7168;
  std::vector<float> x(rows * n);
  for (auto &v : x)
    v = nd(rng);
  x[5] = 0.0f;
  x[6] = 3e-6f;   // f16 subnormal
  x[7] = -1e-9f;  // f16 zero
  x[100] = 40.0f; // one large block
  for (int32_t sd : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16, PLINTH_DTYPE_F64}) {
    const size_t es = plinth::dtype_size(sd);
    // One byte in, so the stored values are misaligned as they may be in a mapping.
    std::vector<uint8_t> stored(1 + x.size() * es);
    plinth::convert_elements(x.data(), PLINTH_DTYPE_F32, stored.data() + 1, sd, x.size());
    std::vector<float> f(x.size());
    plinth::convert_elements(stored.data() + 1, sd, f.data(), PLINTH_DTYPE_F32, f.size());
    for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
      std::vector<uint8_t> want(rows * plinth::row_bytes(dt, n));
      plinth::quantize_rows(f.data(), rows, n, dt, want.data());
      for (int threads : {1, 3}) {
        std::vector<uint8_t> got(want.size(), 0xcd);
        plinth::quantize_matrix(stored.data() + 1, sd, rows, n, dt, got.data(), threads);
        EXPECT_EQ(got, want) << plinth::dtype_name(sd) << " -> " << plinth::dtype_name(dt) << ", "
                             << threads << " threads";
      }
    }
  }
  std::vector<uint8_t> q(plinth::row_bytes(PLINTH_DTYPE_Q8_0, n));
  std::vector<int32_t> ints(n);
  EXPECT_THROW(
      plinth::quantize_matrix(ints.data(), PLINTH_DTYPE_I32, 1, n, PLINTH_DTYPE_Q8_0, q.data()),
      plinth::Error);
}
