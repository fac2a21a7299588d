// Inner loops that benefit from SIMD, chosen once at start-up by what the CPU supports: an
// AVX-512 set (kernels_avx512*.cpp: the AVX2 set with 512-bit decoding products), an
// AVX2+FMA+F16C set (kernels_avx2*.cpp) — both compiled with target attributes so the project
// needs no -march flag — or the portable scalar set (kernels_scalar*.cpp).
// PLINTH_CPU_KERNELS=avx512|avx2|generic picks a set below the best one (for comparisons and
// for testing the narrower sets on a wide CPU); a set the CPU lacks falls back to the next.
#pragma once

#include "quant_blocks.hpp"

#include <cstdint>

namespace plinth::cpu {

// Matrix-vector products for decoding: y[m * ldy + r] = sum_k x[m * K + k] * w[r, k] for
// r < rows and m < M, with M <= kGemvMaxActs. Each weight row is read once for all M
// activation rows, so the cost is the weight stream.
constexpr int64_t kGemvMaxActs = 4;
template <class W, class X>
using GemvFn = void (*)(const W *w, int64_t rows, int64_t K, const X &x, int64_t M, float *y,
                        int64_t ldy);
// Float weights take the activations as a plain row pointer; quantized ones take QActs.
struct F32Acts {
  const float *x;
};

struct Kernels {
  const char *isa; // for describe(): "AVX-512", "AVX2+FMA" or "generic"
  void (*f16_to_f32)(const uint16_t *src, float *dst, int64_t n);
  void (*f32_to_f16)(const float *src, uint16_t *dst, int64_t n);
  void (*bf16_to_f32)(const uint16_t *src, float *dst, int64_t n);
  void (*f32_to_bf16)(const float *src, uint16_t *dst, int64_t n);
  float (*dot)(const float *a, const float *b, int64_t n);
  // y[i] += a * x[i]
  void (*axpy)(float a, const float *x, float *y, int64_t n);

  GemvFn<float, F32Acts> gemv_f32;
  GemvFn<uint16_t, F32Acts> gemv_f16;
  GemvFn<uint16_t, F32Acts> gemv_bf16;
  // Quantizes row m of M rows of K floats (K % 32 == 0) into acts.
  void (*quantize_acts)(const float *x, int64_t K, int64_t m, const QActs &acts);
  GemvFn<uint8_t, QActs> gemv_q8_0;
  GemvFn<uint8_t, QActs> gemv_q4_0;
  // n elements (a multiple of 32) of Q8_0 / Q4_0 blocks to f32.
  void (*q8_0_to_f32)(const uint8_t *src, float *dst, int64_t n);
  void (*q4_0_to_f32)(const uint8_t *src, float *dst, int64_t n);
};

const Kernels &kernels();
const Kernels &scalar_kernels();
// nullptr when this CPU lacks AVX2, FMA or F16C.
const Kernels *avx2_kernels();
// nullptr when this CPU lacks those or AVX-512 F/BW/VL/DQ/VNNI/VBMI.
const Kernels *avx512_kernels();

} // namespace plinth::cpu
