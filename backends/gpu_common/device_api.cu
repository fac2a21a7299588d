// The runtime calls the host-side code needs, behind plain C++ functions (kernels.hpp).
#include "kernels.hpp"
#include "launch.cuh"

#include <algorithm>
#include <cstdio>

namespace plinth::gpu {

namespace {
// Written by device_count(); read by describe(NULL) and create() to say why there is no
// device. A static buffer, not a std::string: read from any thread without locking, and the
// message changes only if the driver state does.
char g_no_device_reason[256] = "";

void set_reason(const char *what, const char *detail) {
  std::snprintf(g_no_device_reason, sizeof g_no_device_reason, "%s%s", what, detail);
}
} // namespace

int device_count() noexcept {
  int n = 0;
  // Fails without a driver or device (cudaErrorNoDevice, cudaErrorInsufficientDriver, ...):
  // that is "no device here", not an error. Clear the sticky last-error state it leaves, and
  // keep the reason: a driver older than the runtime linked into this plugin looks exactly
  // like a machine without a GPU otherwise.
  const gpuError_t e = gpuGetDeviceCount(&n);
  if (e != gpuSuccess) {
    (void)gpuGetLastError();
    int driver = 0, runtime = 0;
    (void)gpuDriverGetVersion(&driver);
    (void)gpuRuntimeGetVersion(&runtime);
    char versions[96];
    std::snprintf(versions, sizeof versions, " (driver API version %d, runtime %d)", driver,
                  runtime);
    set_reason(gpuGetErrorString(e), versions);
    return 0;
  }
  if (n <= 0) {
    set_reason("the runtime reports 0 devices", "");
    return 0;
  }
  g_no_device_reason[0] = '\0';
  return n;
}

const char *device_count_error() noexcept { return g_no_device_reason; }

DeviceInfo device_info(int index) {
  gpuDeviceProp p{};
  check_gpu(gpuGetDeviceProperties(&p, index), "get device properties");
  DeviceInfo info;
  info.name = p.name;
  info.total_memory = p.totalGlobalMem;
  info.major = p.major;
  info.minor = p.minor;
  info.multiprocessors = p.multiProcessorCount;
#if defined(PLINTH_GPU_HIP)
  // AMD GPUs give a block 64 KiB of LDS without an opt-in; the kernels stay within the 48 KiB
  // every target has, so the HIP build never needs hipFuncSetAttribute.
  info.smem_per_block_optin = kDefaultSharedBytes;
#else
  info.smem_per_block_optin = std::max<size_t>(p.sharedMemPerBlockOptin, kDefaultSharedBytes);
#endif
  int v = 0;
  if (gpuRuntimeGetVersion(&v) == gpuSuccess) info.runtime_version = v;
  v = 0;
  if (gpuDriverGetVersion(&v) == gpuSuccess) info.driver_version = v;
  return info;
}

void set_device(int index) { check_gpu(gpuSetDevice(index), "set device"); }

void use_device(int index) {
  // The check costs no driver call; the runtime state is per host thread, and another
  // library in the process (or another context of this plugin) may have switched it.
  int current = -1;
  if (gpuGetDevice(&current) == gpuSuccess && current == index) return;
  (void)gpuGetLastError();
  set_device(index);
}

const char *api_name() { return PLINTH_GPU_API_NAME; }

void *stream_create() {
  gpuStream_t s = nullptr;
  // Non-blocking: the legacy default stream (used by other libraries in the process) does not
  // serialise against ours.
  check_gpu(gpuStreamCreateWithFlags(&s, gpuStreamNonBlocking), "create stream");
  return s;
}

void stream_destroy(void *stream) noexcept {
  if (stream) (void)gpuStreamDestroy(as_stream(stream));
}

void stream_sync(void *stream) {
  check_gpu(gpuStreamSynchronize(as_stream(stream)), "synchronize");
}

void *device_alloc(size_t bytes) {
  void *p = nullptr;
  const gpuError_t e = gpuMalloc(&p, bytes ? bytes : 1);
  if (e == gpuSuccess) return p;
  (void)gpuGetLastError(); // an allocation failure is not sticky; clear it for later checks
  return nullptr;
}

void device_free(void *p) noexcept {
  if (p) (void)gpuFree(p);
}

void copy_h2d(void *dst, const void *src, size_t bytes, void *stream) {
  // From pageable memory the runtime stages the bytes before returning, so the caller may
  // reuse its buffer at once while the transfer stays ordered on the stream.
  check_gpu(gpuMemcpyAsync(dst, src, bytes, gpuMemcpyHostToDevice, as_stream(stream)),
            "copy host to device");
}

void copy_d2h(void *dst, const void *src, size_t bytes, void *stream) {
  check_gpu(gpuMemcpyAsync(dst, src, bytes, gpuMemcpyDeviceToHost, as_stream(stream)),
            "copy device to host");
}

void copy_d2d(void *dst, const void *src, size_t bytes, void *stream) {
  check_gpu(gpuMemcpyAsync(dst, src, bytes, gpuMemcpyDeviceToDevice, as_stream(stream)),
            "copy device to device");
}

void memset_async(void *dst, int value, size_t bytes, void *stream) {
  check_gpu(gpuMemsetAsync(dst, value, bytes, as_stream(stream)), "memset");
}

void stream_begin_capture(void *stream) {
  // Relaxed: a tensor allocated while recording may call cudaMalloc (allowed in this mode);
  // the backend itself keeps host transfers and waits out of a recording.
  check_gpu(gpuStreamBeginCapture(as_stream(stream), gpuStreamCaptureModeRelaxed),
            "begin graph capture");
}

void *stream_end_capture(void *stream) {
  gpuGraph_t graph = nullptr;
  check_gpu(gpuStreamEndCapture(as_stream(stream), &graph), "end graph capture");
  gpuGraphExec_t exec = nullptr;
  const gpuError_t e = gpuGraphInstantiate(&exec, graph);
  (void)gpuGraphDestroy(graph); // the executable graph is independent of its template
  check_gpu(e, "instantiate graph");
  return exec;
}

void graph_exec_launch(void *exec, void *stream) {
  check_gpu(gpuGraphLaunch(static_cast<gpuGraphExec_t>(exec), as_stream(stream)), "launch graph");
}

void graph_exec_destroy(void *exec) noexcept {
  if (exec) (void)gpuGraphExecDestroy(static_cast<gpuGraphExec_t>(exec));
}

} // namespace plinth::gpu
