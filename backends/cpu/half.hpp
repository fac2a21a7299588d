// Portable IEEE half and bfloat16 conversions with round-to-nearest-even, used where F16C is
// absent and for single values.
#pragma once

#include <bit>
#include <cstdint>

namespace plinth::cpu {

inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;
  if (em >= 0x7c00u) // inf / nan: keep the payload
    return std::bit_cast<float>(sign | 0x7f800000u | ((em & 0x3ffu) << 13));
  if (em >= 0x0400u) // normal: rebias the exponent from 15 to 127
    return std::bit_cast<float>(sign | ((em << 13) + 0x38000000u));
  // zero or subnormal: em * 2^-24 is exact in float
  const float v = static_cast<float>(em) * 0x1p-24f;
  return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(v));
}

inline uint16_t float_to_half(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u) // inf stays inf; nan stays a quiet nan
    return sign | (x > 0x7f800000u ? static_cast<uint16_t>(0x7e00u | ((x >> 13) & 0x3ffu))
                                   : static_cast<uint16_t>(0x7c00u));
  if (x >= 0x477ff000u) // >= 65520 rounds to infinity
    return sign | 0x7c00u;
  if (x < 0x38800000u) {
    // Below the smallest normal half: adding 0.5 puts the 2^-24 unit in the float's last
    // mantissa bit, so the FPU performs the round-to-nearest-even for us.
    const float t = std::bit_cast<float>(x) + 0.5f;
    return sign | static_cast<uint16_t>(std::bit_cast<uint32_t>(t) - 0x3f000000u);
  }
  const uint32_t odd = (x >> 13) & 1u;
  x += 0xc8000fffu + odd; // rebias 127 -> 15 (-0x38000000) plus the rounding bias
  return sign | static_cast<uint16_t>(x >> 13);
}

inline float bf16_to_float(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

inline uint16_t float_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u); // quiet nan
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

} // namespace plinth::cpu
