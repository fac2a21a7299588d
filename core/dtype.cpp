#include "dtype.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "error.hpp"

namespace plinth {

size_t dtype_size(int32_t dtype) {
  switch (dtype) {
  case PLINTH_DTYPE_F32: return 4;
  case PLINTH_DTYPE_F16: return 2;
  case PLINTH_DTYPE_BF16: return 2;
  case PLINTH_DTYPE_I32: return 4;
  case PLINTH_DTYPE_I64: return 8;
  case PLINTH_DTYPE_U8: return 1;
  case PLINTH_DTYPE_I8: return 1;
  case PLINTH_DTYPE_F64: return 8;
  case PLINTH_DTYPE_BOOL: return 1;
  case PLINTH_DTYPE_I16: return 2;
  default: return 0;
  }
}

const char *dtype_name(int32_t dtype) {
  switch (dtype) {
  case PLINTH_DTYPE_F32: return "f32";
  case PLINTH_DTYPE_F16: return "f16";
  case PLINTH_DTYPE_BF16: return "bf16";
  case PLINTH_DTYPE_I32: return "i32";
  case PLINTH_DTYPE_I64: return "i64";
  case PLINTH_DTYPE_U8: return "u8";
  case PLINTH_DTYPE_I8: return "i8";
  case PLINTH_DTYPE_F64: return "f64";
  case PLINTH_DTYPE_BOOL: return "bool";
  case PLINTH_DTYPE_I16: return "i16";
  case PLINTH_DTYPE_Q8_0: return "q8_0";
  case PLINTH_DTYPE_Q4_0: return "q4_0";
  default: return "unknown";
  }
}

std::optional<int32_t> dtype_from_safetensors(std::string_view s) {
  if (s == "F32") return PLINTH_DTYPE_F32;
  if (s == "F16") return PLINTH_DTYPE_F16;
  if (s == "BF16") return PLINTH_DTYPE_BF16;
  if (s == "I32") return PLINTH_DTYPE_I32;
  if (s == "I64") return PLINTH_DTYPE_I64;
  if (s == "U8") return PLINTH_DTYPE_U8;
  if (s == "I8") return PLINTH_DTYPE_I8;
  if (s == "F64") return PLINTH_DTYPE_F64;
  if (s == "BOOL") return PLINTH_DTYPE_BOOL;
  if (s == "I16") return PLINTH_DTYPE_I16;
  return std::nullopt;
}

std::optional<int32_t> dtype_from_user(std::string_view s) {
  if (s == "f32" || s == "float32" || s == "fp32") return PLINTH_DTYPE_F32;
  if (s == "f16" || s == "float16" || s == "fp16") return PLINTH_DTYPE_F16;
  if (s == "bf16" || s == "bfloat16") return PLINTH_DTYPE_BF16;
  if (s == "q8" || s == "q8_0") return PLINTH_DTYPE_Q8_0;
  if (s == "q4" || s == "q4_0") return PLINTH_DTYPE_Q4_0;
  return std::nullopt;
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else { // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      u = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;  // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u; // overflow to inf (after rounding)
  if (abs < 0x38800000u) {                       // subnormal or zero in f16
    if (abs < 0x33000000u) return sign;
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 113 - static_cast<int>(abs >> 23) + 13; // 126 - exp + 13 - ...
    uint32_t v = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (v & 1u))) ++v;
    return sign | static_cast<uint16_t>(v);
  }
  uint32_t v = ((abs >> 23) - 112) << 10 | ((abs >> 13) & 0x3ffu);
  const uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;
  return sign | static_cast<uint16_t>(v);
}

namespace {
// Element i of a buffer that may sit at any byte offset (safetensors data sections do not
// align their tensors): read and written with memcpy, never through a misaligned pointer.
template <class T> T at(const void *p, size_t i) {
  T v;
  std::memcpy(&v, static_cast<const char *>(p) + i * sizeof(T), sizeof(T));
  return v;
}
template <class T> void put(void *p, size_t i, T v) {
  std::memcpy(static_cast<char *>(p) + i * sizeof(T), &v, sizeof(T));
}

double load_as_double(const void *src, int32_t dtype, size_t i) {
  switch (dtype) {
  case PLINTH_DTYPE_F32: return at<float>(src, i);
  case PLINTH_DTYPE_F16: return f16_to_f32(at<uint16_t>(src, i));
  case PLINTH_DTYPE_BF16: return bf16_to_f32(at<uint16_t>(src, i));
  case PLINTH_DTYPE_F64: return at<double>(src, i);
  case PLINTH_DTYPE_I32: return at<int32_t>(src, i);
  case PLINTH_DTYPE_I64: return static_cast<double>(at<int64_t>(src, i));
  case PLINTH_DTYPE_I16: return at<int16_t>(src, i);
  case PLINTH_DTYPE_I8: return at<int8_t>(src, i);
  case PLINTH_DTYPE_U8:
  case PLINTH_DTYPE_BOOL: return at<uint8_t>(src, i);
  default:
    throw Error(PLINTH_ERR_UNSUPPORTED,
                "cannot convert from dtype " + std::string(dtype_name(dtype)));
  }
}
} // namespace

void convert_elements(const void *src, int32_t src_dtype, void *dst, int32_t dst_dtype, size_t n) {
  if (src_dtype == dst_dtype) {
    std::memcpy(dst, src, n * dtype_size(src_dtype));
    return;
  }
  if (src_dtype == PLINTH_DTYPE_I64 && dst_dtype == PLINTH_DTYPE_I32) {
    for (size_t i = 0; i < n; ++i) {
      const int64_t v = at<int64_t>(src, i);
      if (v > INT32_MAX || v < INT32_MIN)
        throw Error(PLINTH_ERR_INVALID_ARGUMENT, "element " + std::to_string(i) + " = " +
                                                     std::to_string(v) + " does not fit in int32");
      put(dst, i, static_cast<int32_t>(v));
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    const double v = load_as_double(src, src_dtype, i);
    switch (dst_dtype) {
    case PLINTH_DTYPE_F32: put(dst, i, static_cast<float>(v)); break;
    case PLINTH_DTYPE_F16: put(dst, i, f32_to_f16(static_cast<float>(v))); break;
    case PLINTH_DTYPE_BF16: put(dst, i, f32_to_bf16(static_cast<float>(v))); break;
    case PLINTH_DTYPE_F64: put(dst, i, v); break;
    case PLINTH_DTYPE_I32: put(dst, i, static_cast<int32_t>(v)); break;
    case PLINTH_DTYPE_I64: put(dst, i, static_cast<int64_t>(v)); break;
    default:
      throw Error(PLINTH_ERR_UNSUPPORTED,
                  "cannot convert to dtype " + std::string(dtype_name(dst_dtype)));
    }
  }
}

} // namespace plinth
