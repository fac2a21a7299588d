// The portability layer that lets one set of kernel sources (*.cu here) build for three
// targets: CUDA with nvcc, AMD GPUs with hipcc, and the host target (PLINTH_GPU_EMU,
// backends/gpu_emu), where g++ compiles them as C++ and a small runtime executes each block's
// threads as fibers on the CPU so that every kernel is tested without a GPU. Runtime API names
// are spelled gpu* and mapped to cuda*, hip* or the host target's; the few device intrinsics
// whose spelling differs get one wrapper each; kernels are launched with launch_kernel() and
// declare shared memory with the PLINTH_SHARED_* macros, which each target defines.
// Only the .cu files include this; the host-side op code never sees a GPU header.
#pragma once

#if defined(PLINTH_GPU_HIP)
#include <hip/hip_runtime.h>

using gpuError_t = hipError_t;
using gpuStream_t = hipStream_t;
using gpuDeviceProp = hipDeviceProp_t;
#define gpuSuccess hipSuccess
#define gpuGetDeviceCount hipGetDeviceCount
#define gpuGetDeviceProperties hipGetDeviceProperties
#define gpuSetDevice hipSetDevice
#define gpuGetDevice hipGetDevice
#define gpuGetErrorString hipGetErrorString
#define gpuGetLastError hipGetLastError
#define gpuMalloc hipMalloc
#define gpuFree hipFree
#define gpuMemcpyAsync hipMemcpyAsync
#define gpuMemsetAsync hipMemsetAsync
#define gpuMemcpyHostToDevice hipMemcpyHostToDevice
#define gpuMemcpyDeviceToHost hipMemcpyDeviceToHost
#define gpuMemcpyDeviceToDevice hipMemcpyDeviceToDevice
#define gpuStreamCreateWithFlags hipStreamCreateWithFlags
#define gpuStreamNonBlocking hipStreamNonBlocking
#define gpuStreamDestroy hipStreamDestroy
#define gpuStreamSynchronize hipStreamSynchronize
#define gpuMemGetInfo hipMemGetInfo
#define gpuRuntimeGetVersion hipRuntimeGetVersion
#define gpuDriverGetVersion hipDriverGetVersion
using gpuGraph_t = hipGraph_t;
using gpuGraphExec_t = hipGraphExec_t;
#define gpuStreamBeginCapture hipStreamBeginCapture
#define gpuStreamCaptureModeRelaxed hipStreamCaptureModeRelaxed
#define gpuStreamEndCapture hipStreamEndCapture
#define gpuGraphDestroy hipGraphDestroy
#define gpuGraphLaunch hipGraphLaunch
#define gpuGraphExecDestroy hipGraphExecDestroy
#define gpuGraphInstantiate(exec, graph) hipGraphInstantiate(exec, graph, nullptr, nullptr, 0)
#define PLINTH_GPU_API_NAME "HIP"

#elif defined(PLINTH_GPU_EMU)
#include "emu_runtime.hpp" // backends/gpu_emu: the kernel dialect and the runtime

using gpuError_t = ::plinth::emu::Error;
using gpuStream_t = ::plinth::emu::Stream *;
using gpuDeviceProp = ::plinth::emu::DeviceProp;
#define gpuSuccess ::plinth::emu::kSuccess
#define gpuGetDeviceCount ::plinth::emu::get_device_count
#define gpuGetDeviceProperties ::plinth::emu::get_device_properties
#define gpuSetDevice ::plinth::emu::set_device
#define gpuGetDevice ::plinth::emu::get_device
#define gpuGetErrorString ::plinth::emu::error_string
#define gpuGetLastError ::plinth::emu::get_last_error
#define gpuMalloc ::plinth::emu::malloc
#define gpuFree ::plinth::emu::free
#define gpuMemcpyAsync ::plinth::emu::memcpy_async
#define gpuMemsetAsync ::plinth::emu::memset_async
#define gpuMemcpyHostToDevice ::plinth::emu::kMemcpyHostToDevice
#define gpuMemcpyDeviceToHost ::plinth::emu::kMemcpyDeviceToHost
#define gpuMemcpyDeviceToDevice ::plinth::emu::kMemcpyDeviceToDevice
#define gpuStreamCreateWithFlags ::plinth::emu::stream_create
#define gpuStreamNonBlocking 1u
#define gpuStreamDestroy ::plinth::emu::stream_destroy
#define gpuStreamSynchronize ::plinth::emu::stream_synchronize
#define gpuMemGetInfo ::plinth::emu::mem_get_info
#define gpuRuntimeGetVersion ::plinth::emu::runtime_get_version
#define gpuDriverGetVersion ::plinth::emu::driver_get_version
using gpuGraph_t = ::plinth::emu::Graph *;
using gpuGraphExec_t = ::plinth::emu::GraphExec *;
#define gpuStreamBeginCapture ::plinth::emu::stream_begin_capture
#define gpuStreamCaptureModeRelaxed 2
#define gpuStreamEndCapture ::plinth::emu::stream_end_capture
#define gpuGraphDestroy ::plinth::emu::graph_destroy
#define gpuGraphLaunch ::plinth::emu::graph_launch
#define gpuGraphExecDestroy ::plinth::emu::graph_exec_destroy
#define gpuGraphInstantiate ::plinth::emu::graph_instantiate
#define PLINTH_GPU_API_NAME "gpu-emu"

#else
#include <cuda_runtime.h>

using gpuError_t = cudaError_t;
using gpuStream_t = cudaStream_t;
using gpuDeviceProp = cudaDeviceProp;
#define gpuSuccess cudaSuccess
#define gpuGetDeviceCount cudaGetDeviceCount
#define gpuGetDeviceProperties cudaGetDeviceProperties
#define gpuSetDevice cudaSetDevice
#define gpuGetDevice cudaGetDevice
#define gpuGetErrorString cudaGetErrorString
#define gpuGetLastError cudaGetLastError
#define gpuMalloc cudaMalloc
#define gpuFree cudaFree
#define gpuMemcpyAsync cudaMemcpyAsync
#define gpuMemsetAsync cudaMemsetAsync
#define gpuMemcpyHostToDevice cudaMemcpyHostToDevice
#define gpuMemcpyDeviceToHost cudaMemcpyDeviceToHost
#define gpuMemcpyDeviceToDevice cudaMemcpyDeviceToDevice
#define gpuStreamCreateWithFlags cudaStreamCreateWithFlags
#define gpuStreamNonBlocking cudaStreamNonBlocking
#define gpuStreamDestroy cudaStreamDestroy
#define gpuStreamSynchronize cudaStreamSynchronize
#define gpuMemGetInfo cudaMemGetInfo
#define gpuRuntimeGetVersion cudaRuntimeGetVersion
#define gpuDriverGetVersion cudaDriverGetVersion
using gpuGraph_t = cudaGraph_t;
using gpuGraphExec_t = cudaGraphExec_t;
#define gpuStreamBeginCapture cudaStreamBeginCapture
#define gpuStreamCaptureModeRelaxed cudaStreamCaptureModeRelaxed
#define gpuStreamEndCapture cudaStreamEndCapture
#define gpuGraphDestroy cudaGraphDestroy
#define gpuGraphLaunch cudaGraphLaunch
#define gpuGraphExecDestroy cudaGraphExecDestroy
#define gpuGraphInstantiate(exec, graph) cudaGraphInstantiate(exec, graph, 0)
#define PLINTH_GPU_API_NAME "CUDA"
#endif

// Shared memory. On the GPUs these are the plain declarations; on the host target they are
// checked arrays (emu_device.hpp), and smem_ptr<T> is the type a pointer into them has.
#if defined(PLINTH_GPU_EMU)
template <class T> using smem_ptr = ::plinth::emu::SharedPtr<T>;
#else
template <class T> using smem_ptr = T *;
#define PLINTH_SHARED_ARRAY(T, name, n) __shared__ T name[n]
#define PLINTH_SHARED_ARRAY2(T, name, rows, cols) __shared__ T name[rows][cols]
#define PLINTH_DYNAMIC_SHARED(T, name) extern __shared__ T name[]
#endif

#include "launch_plan.hpp" // kWarp, grid_for and the other launch shapes

#include <cstddef>
#include <cstdint>
#include <utility>

namespace plinth::gpu {

// The one launch form of every kernel: `name` is what the host target's reports call it.
template <class... P, class... A>
inline void launch_kernel(const char *name, void (*kernel)(P...), dim3 grid, dim3 block,
                          size_t smem, gpuStream_t stream, A &&...args) {
#if defined(PLINTH_GPU_EMU)
  plinth_emu_launch(name, kernel, grid, block, smem, stream, std::forward<A>(args)...);
#else
  (void)name;
  kernel<<<grid, block, smem, stream>>>(static_cast<P>(std::forward<A>(args))...);
#endif
}

// Lets `kernel` use more than 48 KiB of dynamic shared memory (CUDA's opt-in). The HIP build
// never plans above 48 KiB (device_info reports that as its limit), so it has nothing to do.
template <class... P> inline gpuError_t allow_dynamic_shared(void (*kernel)(P...), size_t bytes) {
#if defined(PLINTH_GPU_HIP)
  (void)kernel;
  (void)bytes;
  return gpuSuccess;
#elif defined(PLINTH_GPU_EMU)
  return ::plinth::emu::func_set_max_dynamic_shared(reinterpret_cast<const void *>(kernel),
                                                    static_cast<int>(bytes));
#else
  return cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                              static_cast<int>(bytes));
#endif
}

__device__ __forceinline__ float shfl_xor(float v, int lane_mask) {
#if defined(PLINTH_GPU_HIP)
  return __shfl_xor(v, lane_mask, kWarp);
#else
  return __shfl_xor_sync(0xffffffffu, v, lane_mask, kWarp);
#endif
}

__device__ __forceinline__ int shfl_xor(int v, int lane_mask) {
#if defined(PLINTH_GPU_HIP)
  return __shfl_xor(v, lane_mask, kWarp);
#else
  return __shfl_xor_sync(0xffffffffu, v, lane_mask, kWarp);
#endif
}

__device__ __forceinline__ float shfl(float v, int src_lane) {
#if defined(PLINTH_GPU_HIP)
  return __shfl(v, src_lane, kWarp);
#else
  return __shfl_sync(0xffffffffu, v, src_lane, kWarp);
#endif
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int m = kWarp / 2; m > 0; m /= 2)
    v += shfl_xor(v, m);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int m = kWarp / 2; m > 0; m /= 2)
    v = fmaxf(v, shfl_xor(v, m));
  return v;
}

// Sum over the whole block (blockDim.x a multiple of 32, at most 1024). Every thread of the
// block must call it; all get the result. `scratch` holds 32 floats of shared memory.
__device__ __forceinline__ float block_sum(float v, smem_ptr<float> scratch) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int warps = blockDim.x / kWarp;
  v = warp_sum(v);
  __syncthreads(); // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.0f;
  return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, smem_ptr<float> scratch) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int warps = blockDim.x / kWarp;
  v = warp_max(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : -INFINITY;
  return warp_max(v);
}

// Grid-stride loop bounds over n elements with 64-bit indices.
__device__ __forceinline__ int64_t global_index() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t global_stride() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

inline gpuStream_t as_stream(void *s) { return static_cast<gpuStream_t>(s); }

} // namespace plinth::gpu
