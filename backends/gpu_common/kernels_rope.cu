// Rotary position embedding: one thread per rotated pair (both elements written by the same
// thread, so out may alias x), plus one per unrotated tail element when out != x.
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {
namespace {

__global__ void rope_kernel(RopeArgs a) {
  const int64_t half = a.rot / 2;
  const int64_t tail = a.x == a.y ? 0 : a.D - a.rot;
  const int64_t per_head = half + tail;
  const int64_t total = a.BT * a.H * per_head;
  for (int64_t t = global_index(); t < total; t += global_stride()) {
    const int64_t j = t % per_head, head = t / per_head; // head = bt * H + h
    const float *xr = a.x + head * a.D;
    float *yr = a.y + head * a.D;
    if (j >= half) { // unrotated tail
      const int64_t e = a.rot + (j - half);
      yr[e] = xr[e];
      continue;
    }
    // Angle and cos/sin in f32 as transformers computes them.
    const float p = static_cast<float>(a.positions[head / a.H]);
    const float angle = p * load_f32(a.inv_freq, a.inv_dtype, j);
    const float c = cosf(angle) * a.factor, s = sinf(angle) * a.factor;
    const int64_t i0 = a.neox ? j : 2 * j, i1 = a.neox ? j + half : 2 * j + 1;
    const float x0 = xr[i0], x1 = xr[i1];
    yr[i0] = x0 * c - x1 * s;
    yr[i1] = x1 * c + x0 * s;
  }
}

} // namespace

void launch_rope(const RopeArgs &a, void *stream) {
  const int64_t per_head = a.rot / 2 + (a.x == a.y ? 0 : a.D - a.rot);
  const int64_t total = a.BT * a.H * per_head;
  if (total <= 0) return;
  launch_kernel("rope_kernel", rope_kernel, grid_for(total, 256), 256, 0, as_stream(stream), a);
  check_launch("rope");
}

} // namespace plinth::gpu
