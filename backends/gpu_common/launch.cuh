// Error checks shared by the .cu launchers.
#pragma once

#include "common.hpp"
#include "gpu_port.hpp"

#include <string>

namespace plinth::gpu {

inline void check_gpu(gpuError_t e, const char *what) {
  if (e != gpuSuccess)
    fail(std::string(what) + ": " + PLINTH_GPU_API_NAME + " error " + gpuGetErrorString(e),
         PLINTH_ERR_BACKEND);
}

// After a kernel launch: reports a bad configuration at once. Faults during execution
// surface at the next synchronisation (read / synchronize).
inline void check_launch(const char *kernel) { check_gpu(gpuGetLastError(), kernel); }

} // namespace plinth::gpu
