// Element types: sizes, names (as safetensors spells them and as users type them) and the
// float conversions the loader needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "plinth_types.h"

namespace plinth {

size_t dtype_size(int32_t dtype);
const char *dtype_name(int32_t dtype); // "f32", "bf16", ...
// safetensors header spelling: "F32", "BF16", "I64", ...
std::optional<int32_t> dtype_from_safetensors(std::string_view s);
// user spelling: "f32"/"float32", "bf16"/"bfloat16", "f16"/"float16"
std::optional<int32_t> dtype_from_user(std::string_view s);

inline float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t f32_to_bf16(float f) { // round to nearest even, NaN kept quiet
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

// Converts n elements between float dtypes (f32/f16/bf16/f64) and integer dtypes to/from f32
// and i32. Throws plinth::Error on an unsupported pair.
void convert_elements(const void *src, int32_t src_dtype, void *dst, int32_t dst_dtype,
                      size_t n);

} // namespace plinth
