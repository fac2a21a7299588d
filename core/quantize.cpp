#include "quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dtype.hpp"
#include "error.hpp"

namespace plinth {

namespace {
constexpr int kBlock = PLINTH_QBLOCK;
constexpr size_t kQ8Bytes = 2 + kBlock;
constexpr size_t kQ4Bytes = 2 + kBlock / 2;

void quantize_block_q8(const float *x, uint8_t *out) {
  float amax = 0;
  for (int i = 0; i < kBlock; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const float id = d != 0 ? 1.0f / d : 0.0f;
  const uint16_t dh = f32_to_f16(d);
  std::memcpy(out, &dh, 2);
  auto *q = reinterpret_cast<int8_t *>(out + 2);
  for (int i = 0; i < kBlock; ++i) q[i] = static_cast<int8_t>(std::lround(x[i] * id));
}

void quantize_block_q4(const float *x, uint8_t *out) {
  // Scale from the signed value of largest magnitude so it maps to -8 exactly and the rest
  // of the range [-8, 7] is used (a symmetric scale would waste one level).
  float amax = 0, maxv = 0;
  for (int i = 0; i < kBlock; ++i)
    if (std::fabs(x[i]) > amax) amax = std::fabs(x[i]), maxv = x[i];
  const float d = maxv / -8.0f;
  const float id = d != 0 ? 1.0f / d : 0.0f;
  const uint16_t dh = f32_to_f16(d);
  std::memcpy(out, &dh, 2);
  uint8_t *qs = out + 2;
  for (int j = 0; j < kBlock / 2; ++j) {
    const int a = std::clamp(static_cast<int>(std::floor(x[j] * id + 8.5f)), 0, 15);
    const int b = std::clamp(static_cast<int>(std::floor(x[j + kBlock / 2] * id + 8.5f)), 0, 15);
    qs[j] = static_cast<uint8_t>(a | (b << 4));
  }
}
} // namespace

bool is_quantized(int32_t dtype) { return dtype == PLINTH_DTYPE_Q8_0 || dtype == PLINTH_DTYPE_Q4_0; }

size_t row_bytes(int32_t dtype, int64_t n) {
  if (n < 0) return 0;
  if (dtype == PLINTH_DTYPE_Q8_0) return n % kBlock ? 0 : static_cast<size_t>(n / kBlock) * kQ8Bytes;
  if (dtype == PLINTH_DTYPE_Q4_0) return n % kBlock ? 0 : static_cast<size_t>(n / kBlock) * kQ4Bytes;
  return static_cast<size_t>(n) * dtype_size(dtype);
}

void quantize_rows(const float *src, int64_t rows, int64_t n, int32_t dtype, void *dst) {
  const size_t rb = row_bytes(dtype, n);
  if (!is_quantized(dtype) || rb == 0)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, "cannot quantize rows of " + std::to_string(n) +
                                                 " values to " + dtype_name(dtype));
  const size_t bb = dtype == PLINTH_DTYPE_Q8_0 ? kQ8Bytes : kQ4Bytes;
  for (int64_t r = 0; r < rows; ++r) {
    auto *out = static_cast<uint8_t *>(dst) + static_cast<size_t>(r) * rb;
    for (int64_t b = 0; b < n / kBlock; ++b) {
      const float *x = src + r * n + b * kBlock;
      if (dtype == PLINTH_DTYPE_Q8_0) quantize_block_q8(x, out + static_cast<size_t>(b) * bb);
      else quantize_block_q4(x, out + static_cast<size_t>(b) * bb);
    }
  }
}

void dequantize_row(const void *src, int64_t n, int32_t dtype, float *dst) {
  const auto *p = static_cast<const uint8_t *>(src);
  for (int64_t b = 0; b < n / kBlock; ++b) {
    uint16_t dh;
    if (dtype == PLINTH_DTYPE_Q8_0) {
      const uint8_t *blk = p + static_cast<size_t>(b) * kQ8Bytes;
      std::memcpy(&dh, blk, 2);
      const float d = f16_to_f32(dh);
      const auto *q = reinterpret_cast<const int8_t *>(blk + 2);
      for (int i = 0; i < kBlock; ++i) dst[b * kBlock + i] = d * q[i];
    } else {
      const uint8_t *blk = p + static_cast<size_t>(b) * kQ4Bytes;
      std::memcpy(&dh, blk, 2);
      const float d = f16_to_f32(dh);
      for (int j = 0; j < kBlock / 2; ++j) {
        dst[b * kBlock + j] = d * static_cast<float>((blk[2 + j] & 15) - 8);
        dst[b * kBlock + j + kBlock / 2] = d * static_cast<float>((blk[2 + j] >> 4) - 8);
      }
    }
  }
}

} // namespace plinth
