#include "kernel_choice.hpp"

#include <cstdlib>
#include <string>

namespace plinth::cpu {

KernelCap kernel_cap() {
  static const KernelCap cap = [] {
    const char *env = std::getenv("PLINTH_CPU_KERNELS");
    const std::string want = env ? env : "";
    if (want == "generic") return KernelCap::generic;
    if (want == "avx2") return KernelCap::avx2;
    return KernelCap::avx512;
  }();
  return cap;
}

} // namespace plinth::cpu
