// The runtime calls the host-side code needs, behind plain C++ functions (kernels.hpp).
#include "kernels.hpp"
#include "launch.cuh"

namespace plinth::gpu {

int device_count() noexcept {
  int n = 0;
  // Fails without a driver or device (cudaErrorNoDevice, cudaErrorInsufficientDriver, ...):
  // that is "no device here", not an error. Clear the sticky last-error state it leaves.
  if (gpuGetDeviceCount(&n) != gpuSuccess) {
    (void)gpuGetLastError();
    return 0;
  }
  return n > 0 ? n : 0;
}

DeviceInfo device_info(int index) {
  gpuDeviceProp p{};
  check_gpu(gpuGetDeviceProperties(&p, index), "get device properties");
  DeviceInfo info;
  info.name = p.name;
  info.total_memory = p.totalGlobalMem;
  info.major = p.major;
  info.minor = p.minor;
  int v = 0;
  if (gpuRuntimeGetVersion(&v) == gpuSuccess) info.runtime_version = v;
  return info;
}

void set_device(int index) { check_gpu(gpuSetDevice(index), "set device"); }

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

} // namespace plinth::gpu
