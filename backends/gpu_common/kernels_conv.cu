// Depthwise 1-D convolution over time: one thread per output element, channels fastest so
// that a warp reads consecutive channels of the same time step (coalesced).
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {
namespace {

__global__ void conv1d_depthwise_kernel(const float *x, const void *kernel, int32_t kd, int64_t B,
                                        int64_t T, int64_t C, int64_t L, int64_t center, float *y) {
  const int64_t total = B * T * C;
  for (int64_t o = global_index(); o < total; o += global_stride()) {
    const int64_t c = o % C, t = (o / C) % T, b = o / (C * T);
    float acc = 0.0f;
    for (int64_t l = 0; l < L; ++l) {
      const int64_t src = t + l - center;
      if (src < 0 || src >= T) continue;
      acc = fmaf(load_f32(kernel, kd, c * L + l), x[(b * T + src) * C + c], acc);
    }
    y[o] = acc;
  }
}

} // namespace

void launch_conv1d_depthwise(const float *x, const void *kernel, int32_t k_dtype, int64_t B,
                             int64_t T, int64_t C, int64_t L, int64_t center, float *y,
                             void *stream) {
  const int64_t total = B * T * C;
  if (total <= 0) return;
  launch_kernel("conv1d_depthwise_kernel", conv1d_depthwise_kernel, grid_for(total, 256), 256, 0,
                as_stream(stream), x, kernel, k_dtype, B, T, C, L, center, y);
  check_launch("conv1d_depthwise");
}

} // namespace plinth::gpu
