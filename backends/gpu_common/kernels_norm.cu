// layer_norm, rms_norm and softmax: one block per row, f32 math with block-wide tree sums
// (pairwise, so the rounding error grows with log(width), not width). out may alias x: each
// thread reads an element before it writes that same element.
#include "block_reduce.cuh"
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"
#include "torch_order.cuh"

namespace plinth::gpu {
namespace {

__global__ void layer_norm_kernel(const float *x, const void *w, int32_t wd, const void *b,
                                  int32_t bd, float eps, float *y, int64_t rows, int64_t width) {
  PLINTH_SHARED_ARRAY(float, scratch, 32);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * width;
    float *yr = y + r * width;
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
      s += xr[j];
    const float mean = block_sum(s, scratch) / static_cast<float>(width);
    float sq = 0.0f;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x) {
      const float d = xr[j] - mean;
      sq += d * d;
    }
    const float var = block_sum(sq, scratch) / static_cast<float>(width); // biased
    const float rstd = 1.0f / sqrtf(var + eps);
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x) {
      float v = (xr[j] - mean) * rstd;
      if (w) v *= load_f32(w, wd, j);
      if (b) v += load_f32(b, bd, j);
      yr[j] = v;
    }
  }
}

__global__ void rms_norm_kernel(const float *x, const void *w, int32_t wd, float eps, float *y,
                                int64_t rows, int64_t width) {
  PLINTH_SHARED_ARRAY(float, scratch, 32);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * width;
    float *yr = y + r * width;
    float sq = 0.0f;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
      sq += xr[j] * xr[j];
    // transformers: x * rsqrt(mean(x^2) + eps) * w, in float32.
    const float ms = block_sum(sq, scratch) / static_cast<float>(width);
    const float scale = 1.0f / sqrtf(ms + eps);
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x) {
      const float v = xr[j] * scale;
      yr[j] = w ? load_f32(w, wd, j) * v : v;
    }
  }
}

__global__ void softmax_kernel(const float *x, float *y, int64_t rows, int64_t width) {
  PLINTH_SHARED_ARRAY(float, scratch, 32);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * width;
    float *yr = y + r * width;
    float mx = -INFINITY;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
      mx = fmaxf(mx, xr[j]);
    mx = block_max(mx, scratch);
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
      s += expf(xr[j] - mx);
    const float sum = block_sum(s, scratch);
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
      yr[j] = expf(xr[j] - mx) / sum;
  }
}

// One block per row, in torch's CPU order (PLINTH_GPU_TORCH_ORDER=1).
__global__ void softmax_torch_order_kernel(const float *x, float *y, int64_t rows, int64_t width) {
  PLINTH_SHARED_ARRAY(float, scratch, 32);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * width;
    float *yr = y + r * width;
    float mx = -INFINITY;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x) {
      mx = fmaxf(mx, xr[j]);
      yr[j] = xr[j];
    }
    mx = block_max(mx, scratch);
    torch_softmax_row(yr, width, mx, scratch);
  }
}

} // namespace

void launch_layer_norm(const float *x, const void *w, int32_t w_dtype, const void *b,
                       int32_t b_dtype, float eps, float *y, int64_t rows, int64_t width,
                       void *stream) {
  if (rows <= 0 || width <= 0) return;
  launch_kernel("layer_norm_kernel", layer_norm_kernel, static_cast<unsigned>(row_grid(rows)),
                row_block_threads(width), 0, as_stream(stream), x, w, w_dtype, b, b_dtype, eps, y,
                rows, width);
  check_launch("layer_norm");
}

void launch_rms_norm(const float *x, const void *w, int32_t w_dtype, float eps, float *y,
                     int64_t rows, int64_t width, void *stream) {
  if (rows <= 0 || width <= 0) return;
  launch_kernel("rms_norm_kernel", rms_norm_kernel, static_cast<unsigned>(row_grid(rows)),
                row_block_threads(width), 0, as_stream(stream), x, w, w_dtype, eps, y, rows, width);
  check_launch("rms_norm");
}

void launch_softmax(const float *x, float *y, int64_t rows, int64_t width, bool torch_order,
                    void *stream) {
  if (rows <= 0 || width <= 0) return;
  if (torch_order) {
    launch_kernel("softmax_torch_order_kernel", softmax_torch_order_kernel,
                  static_cast<unsigned>(row_grid(rows)), row_block_threads(width), 0,
                  as_stream(stream), x, y, rows, width);
    check_launch("softmax (torch order)");
    return;
  }
  launch_kernel("softmax_kernel", softmax_kernel, static_cast<unsigned>(row_grid(rows)),
                row_block_threads(width), 0, as_stream(stream), x, y, rows, width);
  check_launch("softmax");
}

} // namespace plinth::gpu
