#include "quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

#include "dtype.hpp"
#include "error.hpp"

namespace plinth {

namespace {
constexpr int kBlock = PLINTH_QBLOCK;
constexpr size_t kQ8Bytes = 2 + kBlock;
constexpr size_t kQ4Bytes = 2 + kBlock / 2;

// std::lround for the values a block produces (|v| <= 127.5, or NaN), without the call into
// libm: truncate, then step away from zero when the dropped fraction is at least a half
// (v - trunc(v) is exact). Gives lround's bytes, NaN included (both convert to INT_MIN).
inline int32_t round_half_away(float v) {
  // NaN (from NaN or infinite weights): converting it is undefined in C++, so spell out the
  // INT_MIN that x86's conversion (and lround) produce.
  if (!(v == v)) return INT32_MIN;
  int32_t i = static_cast<int32_t>(v);
  const float frac = v - static_cast<float>(i);
  if (frac >= 0.5f)
    ++i;
  else if (frac <= -0.5f)
    --i;
  return i;
}

void quantize_block_q8(const float *x, uint8_t *out) {
  float amax = 0;
  for (int i = 0; i < kBlock; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float d = amax / 127.0f;
  const float id = d != 0 ? 1.0f / d : 0.0f;
  const uint16_t dh = f32_to_f16(d);
  std::memcpy(out, &dh, 2);
  auto *q = reinterpret_cast<int8_t *>(out + 2);
  for (int i = 0; i < kBlock; ++i) q[i] = static_cast<int8_t>(round_half_away(x[i] * id));
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

namespace {

// Rows converted per step: a few KiB to a few hundred KiB of f32 scratch, in L2.
constexpr int64_t kRowsPerStep = 16;
// Below this many elements one thread does it all (thread start-up would dominate).
constexpr int64_t kMinElementsPerThread = int64_t{1} << 18;

// Converts a row of n src_dtype values at p to f32, reading byte-wise (the mapping need not
// be aligned). Same values as convert_elements gives.
void row_to_f32(const uint8_t *p, int32_t src_dtype, int64_t n, float *out) {
  switch (src_dtype) {
  case PLINTH_DTYPE_F32: std::memcpy(out, p, static_cast<size_t>(n) * 4); return;
  case PLINTH_DTYPE_F16:
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      // Normal values inline (rebias the exponent); zero, subnormals, inf and NaN through
      // f16_to_f32.
      const uint32_t em = h & 0x7fffu;
      if (em >= 0x0400u && em < 0x7c00u) {
        const uint32_t u = (static_cast<uint32_t>(h & 0x8000u) << 16) | ((em << 13) + 0x38000000u);
        std::memcpy(&out[i], &u, 4);
      } else {
        out[i] = f16_to_f32(h);
      }
    }
    return;
  case PLINTH_DTYPE_BF16:
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      out[i] = bf16_to_f32(h);
    }
    return;
  case PLINTH_DTYPE_F64:
    for (int64_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      out[i] = static_cast<float>(d);
    }
    return;
  default:
    throw Error(PLINTH_ERR_UNSUPPORTED,
                std::string("cannot quantize a matrix stored as ") + dtype_name(src_dtype));
  }
}

} // namespace

void quantize_matrix(const void *src, int32_t src_dtype, int64_t rows, int64_t n, int32_t dtype,
                     void *dst, int threads) {
  const size_t rb = row_bytes(dtype, n);
  if (!is_quantized(dtype) || rb == 0)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                "cannot quantize rows of " + std::to_string(n) + " values to " + dtype_name(dtype));
  if (src_dtype != PLINTH_DTYPE_F32 && src_dtype != PLINTH_DTYPE_F16 &&
      src_dtype != PLINTH_DTYPE_BF16 && src_dtype != PLINTH_DTYPE_F64)
    throw Error(PLINTH_ERR_UNSUPPORTED,
                std::string("cannot quantize a matrix stored as ") + dtype_name(src_dtype));
  if (rows <= 0) return;
  const size_t src_row = static_cast<size_t>(n) * dtype_size(src_dtype);
  // Rows [r0, r1) on the calling thread, through its own scratch.
  auto part = [&](int64_t r0, int64_t r1) {
    std::vector<float> f(static_cast<size_t>(std::min(kRowsPerStep, r1 - r0) * n));
    for (int64_t r = r0; r < r1; r += kRowsPerStep) {
      const int64_t rc = std::min(kRowsPerStep, r1 - r);
      for (int64_t i = 0; i < rc; ++i)
        row_to_f32(static_cast<const uint8_t *>(src) + static_cast<size_t>(r + i) * src_row,
                   src_dtype, n, f.data() + i * n);
      quantize_rows(f.data(), rc, n, dtype,
                    static_cast<uint8_t *>(dst) + static_cast<size_t>(r) * rb);
    }
  };
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int64_t by_size = std::max<int64_t>(1, rows * n / kMinElementsPerThread);
  const int t = static_cast<int>(std::min<int64_t>({threads, by_size, rows}));
  if (t <= 1) {
    part(0, rows);
    return;
  }
  // Contiguous row ranges, one per thread; the calling thread takes the first.
  std::vector<std::exception_ptr> errors(static_cast<size_t>(t));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(t - 1));
  auto range = [&](int i) {
    try {
      part(rows * i / t, rows * (i + 1) / t);
    } catch (...) {
      errors[static_cast<size_t>(i)] = std::current_exception();
    }
  };
  int started = 1;
  try {
    for (; started < t; ++started)
      pool.emplace_back(range, started);
  } catch (const std::system_error &) {
    // No more threads to be had: the calling thread does the ranges left over.
  }
  for (int i = started; i < t; ++i)
    range(i);
  range(0);
  for (auto &th : pool)
    th.join();
  for (auto &e : errors)
    if (e) std::rethrow_exception(e);
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
