// Element conversions between the dtypes copy() supports (f32, f16, bf16, i32).
#include "backend.hpp"
#include "half.hpp"
#include "kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace plinth::cpu {
namespace {

bool convertible(int32_t d) {
  return d == PLINTH_DTYPE_F32 || d == PLINTH_DTYPE_F16 || d == PLINTH_DTYPE_BF16 ||
         d == PLINTH_DTYPE_I32;
}

// float -> int32 like torch's .to(torch.int32): truncation toward zero. Out-of-range and nan
// are undefined there; we saturate (nan -> 0) to stay well defined.
int32_t float_to_i32(float v) {
  if (std::isnan(v)) return 0;
  if (v >= 2147483647.0f) return std::numeric_limits<int32_t>::max();
  if (v <= -2147483648.0f) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(v);
}

void to_f32(const void *src, int32_t dtype, float *dst, int64_t n) {
  const Kernels &k = kernels();
  switch (dtype) {
  case PLINTH_DTYPE_F32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); break;
  case PLINTH_DTYPE_F16: k.f16_to_f32(static_cast<const uint16_t *>(src), dst, n); break;
  case PLINTH_DTYPE_BF16: k.bf16_to_f32(static_cast<const uint16_t *>(src), dst, n); break;
  case PLINTH_DTYPE_I32: {
    const auto *s = static_cast<const int32_t *>(src);
    for (int64_t i = 0; i < n; ++i)
      dst[i] = static_cast<float>(s[i]);
    break;
  }
  default: fail(std::string("cannot convert from ") + dtype_name(dtype));
  }
}

void from_f32(const float *src, void *dst, int32_t dtype, int64_t n) {
  const Kernels &k = kernels();
  switch (dtype) {
  case PLINTH_DTYPE_F32: std::memcpy(dst, src, static_cast<size_t>(n) * 4); break;
  case PLINTH_DTYPE_F16: k.f32_to_f16(src, static_cast<uint16_t *>(dst), n); break;
  case PLINTH_DTYPE_BF16: k.f32_to_bf16(src, static_cast<uint16_t *>(dst), n); break;
  case PLINTH_DTYPE_I32: {
    auto *d = static_cast<int32_t *>(dst);
    for (int64_t i = 0; i < n; ++i)
      d[i] = float_to_i32(src[i]);
    break;
  }
  default: fail(std::string("cannot convert to ") + dtype_name(dtype));
  }
}

} // namespace

void weights_to_f32(const void *src, int32_t dtype, float *dst, int64_t n) {
  to_f32(src, dtype, dst, n);
}

void convert_elements(const void *src, int32_t src_dtype, void *dst, int32_t dst_dtype, int64_t n) {
  if (src_dtype == dst_dtype) {
    std::memmove(dst, src, static_cast<size_t>(n) * dtype_size(src_dtype));
    return;
  }
  if (!convertible(src_dtype) || !convertible(dst_dtype))
    fail(std::string("conversion ") + dtype_name(src_dtype) + " -> " + dtype_name(dst_dtype) +
         " is not supported (f32, f16, bf16, i32)");
  if (src_dtype == PLINTH_DTYPE_F32) {
    from_f32(static_cast<const float *>(src), dst, dst_dtype, n);
    return;
  }
  if (dst_dtype == PLINTH_DTYPE_F32) {
    to_f32(src, src_dtype, static_cast<float *>(dst), n);
    return;
  }
  // Neither side is f32: go through a small f32 buffer (every other dtype pair is exact
  // through f32 except i32 beyond 2^24, which cannot be represented in a half anyway).
  constexpr int64_t kBlock = 4096;
  std::vector<float> tmp(static_cast<size_t>(std::min<int64_t>(n, kBlock)));
  const auto *s = static_cast<const char *>(src);
  auto *d = static_cast<char *>(dst);
  const size_t ss = dtype_size(src_dtype), ds = dtype_size(dst_dtype);
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = std::min(kBlock, n - i);
    to_f32(s + i * ss, src_dtype, tmp.data(), m);
    from_f32(tmp.data(), d + i * ds, dst_dtype, m);
  }
}

} // namespace plinth::cpu
