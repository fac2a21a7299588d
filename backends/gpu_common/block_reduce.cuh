// Block-wide reductions with an arbitrary combine (NaN-propagating max/min, argmax pairs),
// built on the 32-lane shuffles of gpu_port.hpp.
#pragma once

#include "gpu_port.hpp"

namespace plinth::gpu {

// NaN ranks above every number (torch.argmax / topk); equal values rank by lower index.
__device__ __forceinline__ bool ranks_above(float va, int ia, float vb, int ib) {
  const bool na = isnan(va), nb = isnan(vb);
  if (na != nb) return na;
  if (!na && va != vb) return va > vb;
  return ia < ib;
}

struct ArgBest {
  float v;
  int i; // -1: none
};

__device__ __forceinline__ ArgBest better(ArgBest a, ArgBest b) {
  if (a.i < 0) return b;
  if (b.i < 0) return a;
  return ranks_above(a.v, a.i, b.v, b.i) ? a : b;
}

// Every thread of the block must call it; all get the result. scratch: 32 ArgBest in shared.
__device__ __forceinline__ ArgBest block_best(ArgBest x, smem_ptr<ArgBest> scratch) {
  for (int m = kWarp / 2; m > 0; m /= 2) {
    ArgBest o{shfl_xor(x.v, m), shfl_xor(x.i, m)};
    x = better(x, o);
  }
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int warps = blockDim.x / kWarp;
  __syncthreads();
  if (lane == 0) scratch[warp] = x;
  __syncthreads();
  x = lane < warps ? scratch[lane] : ArgBest{0.0f, -1};
  for (int m = kWarp / 2; m > 0; m /= 2) {
    ArgBest o{shfl_xor(x.v, m), shfl_xor(x.i, m)};
    x = better(x, o);
  }
  return x;
}

// max / min where a NaN anywhere makes the result NaN (torch semantics).
__device__ __forceinline__ float nan_max(float a, float b) { return (isnan(a) || a > b) ? a : b; }
__device__ __forceinline__ float nan_min(float a, float b) { return (isnan(a) || a < b) ? a : b; }

template <bool kMax>
__device__ __forceinline__ float block_nan_extreme(float v, smem_ptr<float> scratch) {
  for (int m = kWarp / 2; m > 0; m /= 2) {
    const float o = shfl_xor(v, m);
    v = kMax ? nan_max(v, o) : nan_min(v, o);
  }
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int warps = blockDim.x / kWarp;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < warps ? scratch[lane] : (kMax ? -INFINITY : INFINITY);
  for (int m = kWarp / 2; m > 0; m /= 2) {
    const float o = shfl_xor(v, m);
    v = kMax ? nan_max(v, o) : nan_min(v, o);
  }
  return v;
}

} // namespace plinth::gpu
