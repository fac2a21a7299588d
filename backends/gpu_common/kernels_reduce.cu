// Reductions over the last dim: reduce (sum / mean / max / min), argmax and top-k, one block
// per row. NaN handling follows torch: max/min propagate it, argmax/topk rank it highest.
#include "block_reduce.cuh"
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {
namespace {

__global__ void reduce_kernel(int32_t op, const float *x, float *y, int64_t rows, int64_t width) {
  PLINTH_SHARED_ARRAY(float, scratch, 32);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * width;
    float v;
    if (op == PLINTH_REDUCE_SUM || op == PLINTH_REDUCE_MEAN) {
      float s = 0.0f;
      for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
        s += xr[j];
      v = block_sum(s, scratch);
      if (op == PLINTH_REDUCE_MEAN) v /= static_cast<float>(width);
    } else if (op == PLINTH_REDUCE_MAX) {
      float m = -INFINITY;
      for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
        m = nan_max(m, xr[j]);
      v = block_nan_extreme<true>(m, scratch);
    } else {
      float m = INFINITY;
      for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
        m = nan_min(m, xr[j]);
      v = block_nan_extreme<false>(m, scratch);
    }
    if (threadIdx.x == 0) y[r] = v;
  }
}

__global__ void argmax_kernel(const float *x, int32_t *y, int64_t rows, int64_t width) {
  PLINTH_SHARED_ARRAY(ArgBest, scratch, 32);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * width;
    ArgBest best{0.0f, -1};
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
      best = better(best, ArgBest{xr[j], static_cast<int>(j)});
    best = block_best(best, scratch);
    if (threadIdx.x == 0) y[r] = best.i;
  }
}

// k rounds of a block argmax, each over the elements ranking strictly below the previous
// pick in the total order (value descending, NaN first, ties by lower index): no marking, no
// sort, O(k * width) work per row. Right for the small k that sampling and routing use.
__global__ void topk_kernel(const float *x, int32_t k, float *values, int32_t *indices,
                            int64_t rows, int64_t width) {
  PLINTH_SHARED_ARRAY(ArgBest, scratch, 32);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float *xr = x + r * width;
    ArgBest prev{0.0f, -1};
    for (int32_t round = 0; round < k; ++round) {
      ArgBest best{0.0f, -1};
      for (int64_t j = threadIdx.x; j < width; j += blockDim.x) {
        const ArgBest c{xr[j], static_cast<int>(j)};
        if (prev.i >= 0 && !ranks_above(prev.v, prev.i, c.v, c.i)) continue;
        best = better(best, c);
      }
      best = block_best(best, scratch);
      if (threadIdx.x == 0) {
        if (values) values[r * k + round] = best.v;
        if (indices) indices[r * k + round] = best.i;
      }
      prev = best;
    }
  }
}

} // namespace

void launch_reduce(int32_t op, const float *x, float *y, int64_t rows, int64_t width,
                   void *stream) {
  if (rows <= 0) return;
  launch_kernel("reduce_kernel", reduce_kernel, static_cast<unsigned>(row_grid(rows)),
                row_block_threads(width), 0, as_stream(stream), op, x, y, rows, width);
  check_launch("reduce");
}

void launch_argmax(const float *x, int32_t *y, int64_t rows, int64_t width, void *stream) {
  if (rows <= 0 || width <= 0) return;
  launch_kernel("argmax_kernel", argmax_kernel, static_cast<unsigned>(row_grid(rows)),
                row_block_threads(width), 0, as_stream(stream), x, y, rows, width);
  check_launch("argmax");
}

void launch_topk(const float *x, int32_t k, float *values, int32_t *indices, int64_t rows,
                 int64_t width, void *stream) {
  if (rows <= 0 || k <= 0) return;
  launch_kernel("topk_kernel", topk_kernel, static_cast<unsigned>(row_grid(rows)),
                row_block_threads(width), 0, as_stream(stream), x, k, values, indices, rows, width);
  check_launch("topk");
}

} // namespace plinth::gpu
