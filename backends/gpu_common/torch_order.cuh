// Float32 arithmetic in the order PyTorch's CPU kernels use (as backends/cpu/torch_order.*
// does on the host), for the torch-order mode of the GPU backends (PLINTH_GPU_TORCH_ORDER=1):
// results that match CPU references bit for bit, where a model cancels large terms and every
// rounding decides the outcome. Multiplications and additions that must stay separate are
// spelled __fmul_rn / __fadd_rn, which no compiler fuses into an FMA.
#pragma once

#include "gpu_port.hpp"

namespace plinth::gpu {

// exp(d) as Vectorized<float>::exp() computes it (SLEEF's expf_u10): Cody-Waite reduction by
// ln 2 in two FMA steps, a degree-5 polynomial, scaling by 2^q in two halves; 0 below -104,
// +inf above 100.
__device__ __forceinline__ float torch_expf(float d) {
  if (isnan(d)) return d;
  if (d < -104.0f) return 0.0f;
  if (d > 100.0f) return INFINITY;
  const float qf = rintf(__fmul_rn(d, 1.442695040888963407359924681001892137426645954152985934f));
  const int q = static_cast<int>(qf);
  float s = fmaf(qf, -0.693145751953125f, d);
  s = fmaf(qf, -1.428606765330187045e-06f, s);
  float u = 0.000198527617612853646278381f;
  u = fmaf(u, s, 0.00139304355252534151077271f);
  u = fmaf(u, s, 0.00833336077630519866943359f);
  u = fmaf(u, s, 0.0416664853692054748535156f);
  u = fmaf(u, s, 0.166666671633720397949219f);
  u = fmaf(u, s, 0.5f);
  u = __fadd_rn(1.0f, fmaf(__fmul_rn(s, s), u, s));
  const int q1 = q >> 1; // arithmetic shift, as SLEEF's vsra
  u = __fmul_rn(u, __uint_as_float(static_cast<unsigned>(q1 + 127) << 23));
  return __fmul_rn(u, __uint_as_float(static_cast<unsigned>(q - q1 + 127) << 23));
}

// torch.softmax over a row of n values (max given, finite), in place, by one block: e =
// exp(x - max); the sum in torch's 16 lanes (lane l adds elements l, l + 16, ... in order, then
// the lanes fold at distance 8, 4, 2, 1); then e * (1 / sum). Every thread must call it.
// `lanes`: 16 floats of shared memory.
__device__ __forceinline__ void torch_softmax_row(float *x, int64_t n, float max,
                                                  smem_ptr<float> lanes) {
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
    x[j] = torch_expf(__fadd_rn(x[j], -max));
  __syncthreads();
  if (threadIdx.x < 16) {
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += 16)
      s = __fadd_rn(s, x[j]);
    lanes[threadIdx.x] = s;
  }
  __syncthreads();
  if (threadIdx.x == 0)
    for (int w = 8; w >= 1; w /= 2)
      for (int l = 0; l < w; ++l)
        lanes[l] = __fadd_rn(lanes[l], lanes[l + w]);
  __syncthreads();
  const float inv = 1.0f / lanes[0];
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
    x[j] = __fmul_rn(x[j], inv);
  __syncthreads(); // lanes[] may be reused by the caller
}

} // namespace plinth::gpu
