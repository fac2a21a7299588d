// Mixture-of-experts row grouping, entirely on the device so that linear_indexed needs no
// host round-trip: a counting sort of the rows by expert id in one block. The order of rows
// inside a group is whatever the atomics produce; it does not matter, because every output
// row depends only on its own input row.
#include "elem.cuh"
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {
namespace {

constexpr int kThreads = 1024;

__global__ void moe_group_kernel(const int32_t *ids, int64_t M, int64_t E, int32_t *offsets,
                                 int32_t *order, DeviceErrorRecord *err) {
  PLINTH_DYNAMIC_SHARED(int32_t, smem); // counts, then insert positions: E + 1 ints
  for (int64_t e = threadIdx.x; e <= E; e += blockDim.x)
    smem[e] = 0;
  __syncthreads();
  for (int64_t m = threadIdx.x; m < M; m += blockDim.x) {
    const int32_t e = ids[m];
    if (e >= 0 && e < E)
      atomicAdd(&smem[e], 1);
    else
      record_error(err, kErrLinearIndexed, m, e, E);
  }
  __syncthreads();
  if (threadIdx.x == 0) { // exclusive prefix sum; E is small (tens to hundreds)
    int32_t run = 0;
    for (int64_t e = 0; e < E; ++e) {
      const int32_t c = smem[e];
      offsets[e] = run;
      smem[e] = run;
      run += c;
    }
    offsets[E] = run;
  }
  __syncthreads();
  for (int64_t m = threadIdx.x; m < M; m += blockDim.x) {
    const int32_t e = ids[m];
    if (e >= 0 && e < E) order[atomicAdd(&smem[e], 1)] = static_cast<int32_t>(m);
  }
}

} // namespace

void launch_moe_group(const int32_t *ids, int64_t M, int64_t E, int32_t *offsets, int32_t *order,
                      DeviceErrorRecord *err, void *stream) {
  const size_t smem = static_cast<size_t>(E + 1) * sizeof(int32_t);
  if (smem > 40 * 1024)
    fail("linear_indexed: too many experts for the grouping kernel", PLINTH_ERR_UNSUPPORTED);
  launch_kernel("moe_group_kernel", moe_group_kernel, 1, kThreads, smem, as_stream(stream), ids, M,
                E, offsets, order, err);
  check_launch("moe_group");
}

} // namespace plinth::gpu
