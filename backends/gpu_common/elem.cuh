// Element access for every dtype the kernels read: f16 / bf16 bit conversions (portable, no
// vendor half types, so nvcc and hipcc compile the same code), and dequantization of one
// Q8_0 / Q4_0 element.
#pragma once

#include "common.hpp"
#include "gpu_port.hpp"

namespace plinth::gpu {

__device__ __forceinline__ float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t em = h & 0x7fffu;
  if (em >= 0x7c00u) return __uint_as_float(sign | 0x7f800000u | ((em & 0x3ffu) << 13));
  if (em >= 0x0400u) return __uint_as_float(sign | ((em << 13) + 0x38000000u));
  const float v = static_cast<float>(em) * 5.9604644775390625e-8f; // 2^-24, exact
  return __uint_as_float(sign | __float_as_uint(v));
}

// Round-to-nearest-even, the same bit recipe as the CPU backend's half.hpp.
__device__ __forceinline__ uint16_t float_to_half_bits(float f) {
  uint32_t x = __float_as_uint(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x >= 0x7f800000u)
    return sign | (x > 0x7f800000u ? static_cast<uint16_t>(0x7e00u | ((x >> 13) & 0x3ffu))
                                   : static_cast<uint16_t>(0x7c00u));
  if (x >= 0x477ff000u) return sign | 0x7c00u;
  if (x < 0x38800000u) {
    const float t = __uint_as_float(x) + 0.5f;
    return sign | static_cast<uint16_t>(__float_as_uint(t) - 0x3f000000u);
  }
  const uint32_t odd = (x >> 13) & 1u;
  x += 0xc8000fffu + odd;
  return sign | static_cast<uint16_t>(x >> 13);
}

__device__ __forceinline__ float bf16_bits_to_float(uint16_t h) {
  return __uint_as_float(static_cast<uint32_t>(h) << 16);
}

__device__ __forceinline__ uint16_t float_to_bf16_bits(float f) {
  const uint32_t x = __float_as_uint(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// float -> int32 as torch's .to(int32) truncates; out of range saturates, nan -> 0 (the CPU
// backend's choice, so both agree).
__device__ __forceinline__ int32_t float_to_i32_sat(float v) {
  if (isnan(v)) return 0;
  if (v >= 2147483647.0f) return 2147483647;
  if (v <= -2147483648.0f) return -2147483647 - 1;
  return static_cast<int32_t>(v);
}

// Element i of a dense float-like array (f32, f16, bf16 or i32) as f32.
__device__ __forceinline__ float load_f32(const void *p, int32_t dtype, int64_t i) {
  switch (dtype) {
  case PLINTH_DTYPE_F16: return half_bits_to_float(static_cast<const uint16_t *>(p)[i]);
  case PLINTH_DTYPE_BF16: return bf16_bits_to_float(static_cast<const uint16_t *>(p)[i]);
  case PLINTH_DTYPE_I32: return static_cast<float>(static_cast<const int32_t *>(p)[i]);
  default: return static_cast<const float *>(p)[i];
  }
}

__device__ __forceinline__ void store_from_f32(void *p, int32_t dtype, int64_t i, float v) {
  switch (dtype) {
  case PLINTH_DTYPE_F16: static_cast<uint16_t *>(p)[i] = float_to_half_bits(v); break;
  case PLINTH_DTYPE_BF16: static_cast<uint16_t *>(p)[i] = float_to_bf16_bits(v); break;
  case PLINTH_DTYPE_I32: static_cast<int32_t *>(p)[i] = float_to_i32_sat(v); break;
  default: static_cast<float *>(p)[i] = v; break;
  }
}

// Block scales are stored as 2-byte f16 at a 2-byte aligned address.
__device__ __forceinline__ float q_scale(const uint8_t *block) {
  return half_bits_to_float(*reinterpret_cast<const uint16_t *>(block));
}

// Element j (0..31) of one quantized block.
__device__ __forceinline__ float q8_0_elem(const uint8_t *block, int j) {
  return q_scale(block) * static_cast<float>(static_cast<int8_t>(block[2 + j]));
}
__device__ __forceinline__ float q4_0_elem(const uint8_t *block, int j) {
  const uint8_t byte = block[2 + (j & 15)];
  const int nib = j < 16 ? (byte & 0xf) : (byte >> 4);
  return q_scale(block) * static_cast<float>(nib - 8);
}

// Element k of row `row` of a weight matrix with rows of `row_bytes` bytes, any weight dtype.
// The dtype is a template parameter so the GEMM/GEMV inner loops carry no switch.
template <int DT> struct WeightElem;
template <> struct WeightElem<PLINTH_DTYPE_F32> {
  __device__ static float get(const uint8_t *row, int64_t k) {
    return reinterpret_cast<const float *>(row)[k];
  }
};
template <> struct WeightElem<PLINTH_DTYPE_F16> {
  __device__ static float get(const uint8_t *row, int64_t k) {
    return half_bits_to_float(reinterpret_cast<const uint16_t *>(row)[k]);
  }
};
template <> struct WeightElem<PLINTH_DTYPE_BF16> {
  __device__ static float get(const uint8_t *row, int64_t k) {
    return bf16_bits_to_float(reinterpret_cast<const uint16_t *>(row)[k]);
  }
};
template <> struct WeightElem<PLINTH_DTYPE_Q8_0> {
  __device__ static float get(const uint8_t *row, int64_t k) {
    return q8_0_elem(row + (k / kQBlock) * kQ8BlockBytes, static_cast<int>(k % kQBlock));
  }
};
template <> struct WeightElem<PLINTH_DTYPE_Q4_0> {
  __device__ static float get(const uint8_t *row, int64_t k) {
    return q4_0_elem(row + (k / kQBlock) * kQ4BlockBytes, static_cast<int>(k % kQBlock));
  }
};

// Records the first device-side argument error (see DeviceErrorRecord).
__device__ __forceinline__ void record_error(DeviceErrorRecord *rec, int32_t op, int64_t index,
                                             int64_t value, int64_t limit) {
  if (atomicCAS(&rec->flag, 0, 1) == 0) {
    rec->op = op;
    rec->index = index;
    rec->value = value;
    rec->limit = limit;
  }
}

} // namespace plinth::gpu
