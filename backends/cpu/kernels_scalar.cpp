// Portable conversions and float kernels, and the table of the portable kernel set.
#include "half.hpp"
#include "kernel_choice.hpp"
#include "kernels_impl.hpp"

namespace plinth::cpu {
namespace {

void f16_to_f32(const uint16_t *src, float *dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = half_to_float(src[i]);
}
void f32_to_f16(const float *src, uint16_t *dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = float_to_half(src[i]);
}
void bf16_to_f32(const uint16_t *src, float *dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = bf16_to_float(src[i]);
}
void f32_to_bf16(const float *src, uint16_t *dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    dst[i] = float_to_bf16(src[i]);
}

float dot(const float *a, const float *b, int64_t n) {
  // Eight independent partial sums: lets the compiler vectorise without -ffast-math and
  // keeps rounding error close to a pairwise sum.
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += a[i + j] * b[i + j];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i)
    s += a[i] * b[i];
  return s;
}

void axpy(float a, const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] += a * x[i];
}

} // namespace

const Kernels &scalar_kernels() {
  static const Kernels k{"generic",
                         f16_to_f32,
                         f32_to_f16,
                         bf16_to_f32,
                         f32_to_bf16,
                         dot,
                         axpy,
                         generic::gemv_f32,
                         generic::gemv_f16,
                         generic::gemv_bf16,
                         generic::quantize_acts,
                         generic::gemv_q8_0,
                         generic::gemv_q4_0,
                         generic::q8_0_to_f32,
                         generic::q4_0_to_f32};
  return k;
}

const Kernels &kernels() {
  static const Kernels *selected = [] {
    const KernelCap cap = kernel_cap();
    const Kernels *k = nullptr;
    if (cap == KernelCap::avx512) k = avx512_kernels();
    if (!k && cap != KernelCap::generic) k = avx2_kernels();
    return k ? k : &scalar_kernels();
  }();
  return *selected;
}

} // namespace plinth::cpu
