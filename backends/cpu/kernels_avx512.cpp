// The AVX-512 kernel set: the AVX2 set with the decoding products (the loops bound by
// instruction throughput per weight byte) replaced by 512-bit versions. Chosen only when the
// CPU has AVX-512 F/BW/VL/DQ, VNNI and
// VBMI; elsewhere, and in builds for other architectures, the
// AVX2 or portable set runs.
#include "kernels_impl.hpp"

namespace plinth::cpu {

#if defined(__x86_64__) || defined(__i386__)

const Kernels *avx512_kernels() {
  const Kernels *base = avx2_kernels();
  if (!base) return nullptr;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512dq") ||
      !__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("avx512vbmi"))
    return nullptr;
  static const Kernels k = [base] {
    Kernels s = *base;
    s.isa = "AVX-512";
    s.gemv_f32 = avx512::gemv_f32;
    s.gemv_f16 = avx512::gemv_f16;
    s.gemv_bf16 = avx512::gemv_bf16;
    s.quantize_acts = avx512::quantize_acts;
    s.gemv_q8_0 = avx512::gemv_q8_0;
    s.gemv_q4_0 = avx512::gemv_q4_0;
    return s;
  }();
  return &k;
}

#else

const Kernels *avx512_kernels() { return nullptr; }

#endif

} // namespace plinth::cpu
