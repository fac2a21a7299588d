// Which of the CPU backend's kernel sets may be used. The widest the CPU supports is the default;
// PLINTH_CPU_KERNELS=avx2 or =generic narrows it (to test the narrower sets on a wide CPU, or to
// compare them). Every dispatcher — GEMV kernels, the prompt GEMM, the torch-order attention
// math — asks here, so one setting governs them all.
#pragma once

namespace plinth::cpu {

enum class KernelCap { generic, avx2, avx512 };

// The widest set allowed by PLINTH_CPU_KERNELS (read once). The caller still checks that the
// CPU has the instructions.
KernelCap kernel_cap();

} // namespace plinth::cpu
