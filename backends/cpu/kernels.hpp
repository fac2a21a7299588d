// Inner loops that benefit from SIMD, chosen once at start-up by what the CPU supports:
// an AVX2+FMA+F16C set (kernels_avx2.cpp, compiled with target attributes so the project
// needs no -march flag) or the portable scalar set (kernels_scalar.cpp). Quantised weight
// kernels would join this table.
#pragma once

#include <cstdint>

namespace plinth::cpu {

struct Kernels {
  const char *isa; // for describe(): "AVX2+FMA" or "generic"
  void (*f16_to_f32)(const uint16_t *src, float *dst, int64_t n);
  void (*f32_to_f16)(const float *src, uint16_t *dst, int64_t n);
  void (*bf16_to_f32)(const uint16_t *src, float *dst, int64_t n);
  void (*f32_to_bf16)(const float *src, uint16_t *dst, int64_t n);
  float (*dot)(const float *a, const float *b, int64_t n);
  // y[i] += a * x[i]
  void (*axpy)(float a, const float *x, float *y, int64_t n);
};

const Kernels &kernels();
const Kernels &scalar_kernels();
// nullptr when this CPU lacks AVX2, FMA or F16C.
const Kernels *avx2_kernels();

} // namespace plinth::cpu
