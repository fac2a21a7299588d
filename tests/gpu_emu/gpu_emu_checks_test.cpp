// The host target (backends/gpu_emu) run directly on small kernels written for it: correct
// ones give the right numbers through fibers, barriers, warp shuffles, shared memory and its
// atomics; deliberately broken ones (each a classic GPU bug) fail with a message that names
// the kernel, the block, the thread and what went wrong. The kernels use the same dialect as
// backends/gpu_common/*.cu (gpu_port.hpp), so the same code would build with nvcc.
#include "gpu_port.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace {

using namespace plinth::gpu;
namespace emu = plinth::emu;

// ------------------------------------------------------------------ kernels that are right
__global__ void block_sum_kernel(const float *x, float *out, int n) {
  PLINTH_SHARED_ARRAY(float, scratch, 32);
  float v = 0.0f;
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    v += x[blockIdx.x * n + i];
  v = block_sum(v, scratch);
  if (threadIdx.x == 0) out[blockIdx.x] = v;
}

__global__ void histogram_kernel(const int *x, int n, int *out, int bins) {
  PLINTH_DYNAMIC_SHARED(int, counts);
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    counts[b] = 0;
  __syncthreads();
  for (int i = threadIdx.x; i < n; i += blockDim.x)
    atomicAdd(&counts[x[i]], 1);
  __syncthreads();
  for (int b = threadIdx.x; b < bins; b += blockDim.x)
    out[b] = counts[b];
}

__global__ void tile_transpose_kernel(const float *x, float *out, int tiles) {
  PLINTH_SHARED_ARRAY2(float, tile, 8, 9);
  for (int t = 0; t < tiles; ++t) {
    tile[threadIdx.y][threadIdx.x] = x[t * 64 + threadIdx.y * 8 + threadIdx.x];
    __syncthreads();
    out[t * 64 + threadIdx.y * 8 + threadIdx.x] = tile[threadIdx.x][threadIdx.y];
    __syncthreads(); // the tile is overwritten next
  }
}

// ------------------------------------------------------------------ kernels that are wrong
__global__ void tile_off_by_one_kernel(const float *x, float *out) {
  PLINTH_SHARED_ARRAY(float, tile, 64);
  for (int i = threadIdx.x; i <= 64; i += blockDim.x) // should be i < 64
    tile[i] = x[i];
  __syncthreads();
  out[threadIdx.x] = tile[63 - threadIdx.x];
}

__global__ void missing_sync_kernel(const float *x, float *out) {
  PLINTH_SHARED_ARRAY(float, tile, 64);
  tile[threadIdx.x] = x[threadIdx.x];
  // __syncthreads() belongs here
  out[threadIdx.x] = tile[(threadIdx.x + 1) % 64];
}

__global__ void missing_second_sync_kernel(const float *x, float *out, int tiles) {
  PLINTH_SHARED_ARRAY(float, tile, 64);
  float acc = 0.0f;
  for (int t = 0; t < tiles; ++t) {
    tile[threadIdx.x] = x[t * 64 + threadIdx.x];
    __syncthreads();
    acc += tile[63 - threadIdx.x];
    // a second __syncthreads() belongs here: the next tile overwrites what others still read
  }
  out[threadIdx.x] = acc;
}

__global__ void wrong_shuffle_lane_kernel(const float *x, float *out) {
  const int lane = threadIdx.x % kWarp;
  out[threadIdx.x] = shfl(x[threadIdx.x], lane + 1); // lane 31 reads lane 32
}

__global__ void divergent_barrier_kernel(float *out) {
  if (threadIdx.x < 64) __syncthreads(); // half of the block never arrives
  out[threadIdx.x] = 1.0f;
}

__global__ void divergent_shuffle_kernel(const float *x, float *out) {
  float v = x[threadIdx.x];
  if (threadIdx.x % kWarp < 16) v = warp_sum(v); // half of each warp skips the reduction
  out[threadIdx.x] = v;
}

__global__ void global_off_by_one_kernel(const float *x, float *out, int n) {
  for (int i = threadIdx.x; i <= n; i += blockDim.x) // should be i < n
    out[i] = x[i];
}

__global__ void big_dynamic_shared_kernel(float *out) {
  PLINTH_DYNAMIC_SHARED(float, s);
  s[threadIdx.x] = 1.0f;
  __syncthreads();
  out[threadIdx.x] = s[(threadIdx.x + 1) % blockDim.x];
}

// ------------------------------------------------------------------ harness
class Emu : public ::testing::Test {
protected:
  void SetUp() override {
    (void)emu::get_last_error(); // an earlier test's failure on this thread
    ASSERT_EQ(emu::stream_create(&s_, 0), emu::kSuccess);
  }
  void TearDown() override {
    for (void *p : blocks_)
      emu::free(p);
    emu::stream_destroy(s_);
  }
  template <class T> T *upload(const std::vector<T> &v) {
    void *p = nullptr;
    EXPECT_EQ(emu::malloc(&p, v.size() * sizeof(T)), emu::kSuccess);
    blocks_.push_back(p);
    EXPECT_EQ(emu::memcpy_async(p, v.data(), v.size() * sizeof(T), emu::kMemcpyHostToDevice, s_),
              emu::kSuccess);
    return static_cast<T *>(p);
  }
  template <class T> std::vector<T> download(const T *p, size_t n) {
    std::vector<T> v(n);
    EXPECT_EQ(emu::memcpy_async(v.data(), p, n * sizeof(T), emu::kMemcpyDeviceToHost, s_),
              emu::kSuccess);
    EXPECT_EQ(sync(), "");
    return v;
  }
  // "" or the reported failure.
  std::string sync() {
    const emu::Error e = emu::stream_synchronize(s_);
    return e == emu::kSuccess ? std::string() : emu::error_string(e);
  }
  // Runs a kernel expected to fault; returns the report.
  template <class K, class... A>
  std::string fault_of(const char *name, K kernel, dim3 grid, dim3 block, A... args) {
    launch_kernel(name, kernel, grid, block, 0, s_, args...);
    EXPECT_EQ(emu::get_last_error(), emu::kSuccess);
    return sync();
  }
  emu::Stream *s_ = nullptr;
  std::vector<void *> blocks_;
};

std::vector<float> iota_f(size_t n) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), 0.0f);
  return v;
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST_F(Emu, BlockSumOverFibersAndShuffles) {
  const int n = 1000, blocks = 3;
  std::vector<float> x(static_cast<size_t>(n * blocks));
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<float>(i % 7) - 3.0f;
  const float *dx = upload(x);
  float *out = upload(std::vector<float>(blocks, 0.0f));
  launch_kernel("block_sum_kernel", block_sum_kernel, blocks, 256, 0, s_, dx, out, n);
  ASSERT_EQ(emu::get_last_error(), emu::kSuccess);
  const auto got = download(out, blocks);
  for (int b = 0; b < blocks; ++b) {
    double want = 0;
    for (int i = 0; i < n; ++i)
      want += x[static_cast<size_t>(b * n + i)];
    EXPECT_EQ(got[static_cast<size_t>(b)], static_cast<float>(want)) << "block " << b;
  }
}

TEST_F(Emu, SharedAtomicsAnd2dTiles) {
  std::vector<int> x(5000);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = static_cast<int>((i * 37) % 50);
  const int *dx = upload(x);
  int *out = upload(std::vector<int>(50, -1));
  launch_kernel("histogram_kernel", histogram_kernel, 1, 128, 50 * sizeof(int), s_, dx, 5000, out,
                50);
  const auto h = download(out, 50);
  for (int b = 0; b < 50; ++b)
    EXPECT_EQ(h[static_cast<size_t>(b)], 100) << "bin " << b;

  const float *t = upload(iota_f(3 * 64));
  float *tt = upload(std::vector<float>(3 * 64, 0.0f));
  launch_kernel("tile_transpose_kernel", tile_transpose_kernel, 1, dim3(8, 8), 0, s_, t, tt, 3);
  const auto tr = download(tt, 3 * 64);
  for (int k = 0; k < 3; ++k)
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        EXPECT_EQ(tr[static_cast<size_t>(k * 64 + r * 8 + c)],
                  static_cast<float>(k * 64 + c * 8 + r));
}

TEST_F(Emu, OffByOneInATileLoopIsReported) {
  const float *x = upload(iota_f(128));
  float *out = upload(std::vector<float>(64, 0.0f));
  const std::string r = fault_of("tile_off_by_one_kernel", tile_off_by_one_kernel, 1, 64, x, out);
  EXPECT_HAS(r, "kernel tile_off_by_one_kernel, block (0,0,0), thread (0,0,0)");
  EXPECT_HAS(r, "shared memory tile[64]: write outside the array (64 elements)");
  // A fault is sticky for the stream, as it is for a CUDA context.
  EXPECT_HAS(sync(), "tile_off_by_one_kernel");
}

TEST_F(Emu, MissingSyncthreadsIsReported) {
  const float *x = upload(iota_f(64));
  float *out = upload(std::vector<float>(64, 0.0f));
  const std::string r = fault_of("missing_sync_kernel", missing_sync_kernel, 1, 64, x, out);
  EXPECT_HAS(r, "kernel missing_sync_kernel, block (0,0,0), thread (0,0,0)");
  EXPECT_HAS(r, "shared memory tile[1]: read before any thread of the block wrote it");
}

TEST_F(Emu, MissingSecondSyncthreadsIsARace) {
  const float *x = upload(iota_f(3 * 64));
  float *out = upload(std::vector<float>(64, 0.0f));
  const std::string r =
      fault_of("missing_second_sync_kernel", missing_second_sync_kernel, 1, 64, x, out, 3);
  EXPECT_HAS(r, "kernel missing_second_sync_kernel");
  EXPECT_HAS(r, "with no __syncthreads in between (a data race on a GPU)");
}

TEST_F(Emu, WrongShuffleLaneIsReported) {
  const float *x = upload(iota_f(64));
  float *out = upload(std::vector<float>(64, 0.0f));
  const std::string r =
      fault_of("wrong_shuffle_lane_kernel", wrong_shuffle_lane_kernel, 1, 64, x, out);
  EXPECT_HAS(r, "kernel wrong_shuffle_lane_kernel, block (0,0,0), thread (31,0,0)");
  EXPECT_HAS(r, "__shfl_sync: source lane outside [0, width)");
}

TEST_F(Emu, BarrierNotEveryThreadReachesIsADeadlock) {
  float *out = upload(std::vector<float>(128, 0.0f));
  const std::string r = fault_of("divergent_barrier_kernel", divergent_barrier_kernel, 2, 128, out);
  EXPECT_HAS(r, "kernel divergent_barrier_kernel");
  EXPECT_HAS(r, "deadlock: of 128 threads, 64 wait at __syncthreads, 0 wait in a warp shuffle, "
                "64 have returned");
}

TEST_F(Emu, ShuffleHalfAWarpSkipsIsADeadlock) {
  const float *x = upload(iota_f(64));
  float *out = upload(std::vector<float>(64, 0.0f));
  const std::string r =
      fault_of("divergent_shuffle_kernel", divergent_shuffle_kernel, 1, 64, x, out);
  EXPECT_HAS(r, "kernel divergent_shuffle_kernel");
  EXPECT_HAS(r, "32 wait in a warp shuffle, 32 have returned");
}

TEST_F(Emu, LaunchShapesAreCheckedAsOnTheGpu) {
  float *out = upload(std::vector<float>(1024, 0.0f));
  launch_kernel("divergent_barrier_kernel", divergent_barrier_kernel, 1, 2048, 0, s_, out);
  const emu::Error e = emu::get_last_error();
  EXPECT_EQ(e, emu::kErrorInvalidConfiguration);
  EXPECT_HAS(std::string(emu::error_string(e)), "launch of kernel divergent_barrier_kernel");
  // Above 48 KiB of dynamic shared memory only after the opt-in.
  const size_t big = 64 * 1024;
  launch_kernel("big_dynamic_shared_kernel", big_dynamic_shared_kernel, 1, 256, big, s_, out);
  EXPECT_EQ(emu::get_last_error(), emu::kErrorInvalidConfiguration);
  ASSERT_EQ(allow_dynamic_shared(big_dynamic_shared_kernel, big), emu::kSuccess);
  launch_kernel("big_dynamic_shared_kernel", big_dynamic_shared_kernel, 1, 256, big, s_, out);
  EXPECT_EQ(emu::get_last_error(), emu::kSuccess);
  EXPECT_EQ(download(out, 256), std::vector<float>(256, 1.0f));
}

TEST_F(Emu, GraphsReplayAndRefuseHostTransfers) {
  const float *x = upload(iota_f(256));
  float *out = upload(std::vector<float>(1, 0.0f));
  ASSERT_EQ(emu::stream_begin_capture(s_, 0), emu::kSuccess);
  launch_kernel("block_sum_kernel", block_sum_kernel, 1, 64, 0, s_, x, out, 256);
  emu::Graph *g = nullptr;
  ASSERT_EQ(emu::stream_end_capture(s_, &g), emu::kSuccess);
  EXPECT_EQ(download(out, 1)[0], 0.0f); // recorded, not run
  emu::GraphExec *ex = nullptr;
  ASSERT_EQ(emu::graph_instantiate(&ex, g), emu::kSuccess);
  emu::graph_destroy(g);
  ASSERT_EQ(emu::graph_launch(ex, s_), emu::kSuccess);
  EXPECT_EQ(download(out, 1)[0], 255.0f * 256.0f / 2.0f);
  emu::graph_exec_destroy(ex);

  ASSERT_EQ(emu::stream_begin_capture(s_, 0), emu::kSuccess);
  const float one = 1.0f;
  EXPECT_EQ(emu::memcpy_async(out, &one, 4, emu::kMemcpyHostToDevice, s_),
            emu::kErrorStreamCaptureUnsupported);
  EXPECT_EQ(emu::stream_end_capture(s_, &g), emu::kErrorStreamCaptureInvalidated);
}

TEST_F(Emu, CopiesOutsideAnAllocationAreRefused) {
  float *out = upload(std::vector<float>(10, 0.0f));
  std::vector<float> host(11);
  const emu::Error e =
      emu::memcpy_async(host.data(), out, 11 * sizeof(float), emu::kMemcpyDeviceToHost, s_);
  EXPECT_EQ(e, emu::kErrorInvalidValue);
  EXPECT_HAS(std::string(emu::error_string(e)), "not inside one device allocation");
}

using EmuDeathTest = Emu;

TEST_F(EmuDeathTest, ReadPastADeviceBufferNamesTheKernel) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        const float *x = upload(iota_f(64));
        float *out = upload(std::vector<float>(65, 0.0f));
        launch_kernel("global_off_by_one_kernel", global_off_by_one_kernel, 1, 64, 0, s_, x, out,
                      64);
        (void)sync();
      },
      "kernel global_off_by_one_kernel, block \\(0,0,0\\), thread \\(0,0,0\\): invalid read of "
      "device memory at .*: 0 bytes past the end of a device buffer of 256 bytes");
}

} // namespace
