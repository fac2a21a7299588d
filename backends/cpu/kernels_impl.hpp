// The kernel functions each kernel set is assembled from, declared for the table builders in
// kernels_scalar.cpp, kernels_avx2.cpp and
// kernels_avx512.cpp. Not for op files: they go through kernels().
#pragma once

#include "kernels.hpp"

#include <type_traits>

namespace plinth::cpu {

// The vector GEMV kernels are templates over the number of activation rows M (1 ..
// kGemvMaxActs): calls f(std::integral_constant<int, M>{}) for the M given (more than
// kGemvMaxActs runs as kGemvMaxActs, as the callers never pass).
template <class F> void for_act_rows(int64_t M, F &&f) {
  static_assert(kGemvMaxActs == 4, "one case per supported M");
  switch (M) {
  case 1: f(std::integral_constant<int, 1>{}); break;
  case 2: f(std::integral_constant<int, 2>{}); break;
  case 3: f(std::integral_constant<int, 3>{}); break;
  default: f(std::integral_constant<int, 4>{}); break;
  }
}

// The GEMV entry points every kernel set provides, declared once for all of them.
#define PLINTH_CPU_GEMV_KERNELS()                                                                  \
  void gemv_f32(const float *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y,    \
                int64_t ldy);                                                                      \
  void gemv_f16(const uint16_t *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y, \
                int64_t ldy);                                                                      \
  void gemv_bf16(const uint16_t *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M,          \
                 float *y, int64_t ldy);                                                           \
  void quantize_acts(const float *x, int64_t K, int64_t m, const QActs &acts);                     \
  void gemv_q8_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,   \
                 int64_t ldy);                                                                     \
  void gemv_q4_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,   \
                 int64_t ldy);
// Block dequantization (the AVX-512 set reuses the AVX2 ones).
#define PLINTH_CPU_DEQUANT_KERNELS()                                                               \
  void q8_0_to_f32(const uint8_t *src, float *dst, int64_t n);                                     \
  void q4_0_to_f32(const uint8_t *src, float *dst, int64_t n);

namespace generic {
PLINTH_CPU_GEMV_KERNELS()
PLINTH_CPU_DEQUANT_KERNELS()
} // namespace generic

#if defined(__x86_64__) || defined(__i386__)
namespace avx2 {
PLINTH_CPU_GEMV_KERNELS()
// quantize_acts without the reordered copy (acts.qp untouched).
void quantize_act_blocks(const float *x, int64_t K, int64_t m, const QActs &acts);
PLINTH_CPU_DEQUANT_KERNELS()
} // namespace avx2

namespace avx512 {
PLINTH_CPU_GEMV_KERNELS()
} // namespace avx512
#endif

} // namespace plinth::cpu
