// The portability layer that lets one set of kernel sources (*.cu here) build for CUDA with
// nvcc and for AMD GPUs with hipcc: runtime API names are spelled gpu* and mapped to cuda*
// or hip*, and the few device intrinsics whose spelling differs get one wrapper each.
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
#define PLINTH_GPU_API_NAME "HIP"

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
#define PLINTH_GPU_API_NAME "CUDA"
#endif

#include "launch_plan.hpp" // kWarp, grid_for and the other launch shapes

#include <cstdint>

namespace plinth::gpu {

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
__device__ __forceinline__ float block_sum(float v, float *scratch) {
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int warps = blockDim.x / kWarp;
  v = warp_sum(v);
  __syncthreads(); // scratch may still be read by a previous call
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : 0.0f;
  return warp_sum(v);
}

__device__ __forceinline__ float block_max(float v, float *scratch) {
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
