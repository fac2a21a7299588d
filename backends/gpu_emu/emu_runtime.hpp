// The runtime API of the host target, shaped like the CUDA / HIP runtime calls that
// backends/gpu_common/device_api.cu makes (gpu_port.hpp maps the gpu* names here): one
// device, memory in host pages with guard pages around each allocation, streams as in-order
// queues run by their own thread, graphs as recorded lists of stream operations.
#pragma once

#include "emu_device.hpp"

#include <cstddef>

namespace plinth::emu {

enum Error : int {
  kSuccess = 0,
  kErrorInvalidValue = 1,
  kErrorMemoryAllocation = 2,
  kErrorInvalidConfiguration = 9,
  kErrorInvalidDevice = 101,
  kErrorNoDevice = 100,
  kErrorLaunchFailure = 719, // a kernel faulted or deadlocked: sticky for its stream
  kErrorStreamCaptureUnsupported = 900,
  kErrorStreamCaptureInvalidated = 901,
};

enum MemcpyKind { kMemcpyHostToDevice = 1, kMemcpyDeviceToHost = 2, kMemcpyDeviceToDevice = 3 };

struct DeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int major, minor;
  int multiProcessorCount;
  size_t sharedMemPerBlockOptin;
};

struct Graph;
struct GraphExec;

// The text of the last failed call on this thread when it had one (it names the kernel,
// block and thread of a fault), else the error's name.
const char *error_string(Error e);
Error get_last_error(); // and clears it, like cudaGetLastError
Error get_device_count(int *count);
Error get_device_properties(DeviceProp *p, int device);
Error set_device(int device);
Error get_device(int *device);
Error runtime_get_version(int *v);
Error driver_get_version(int *v);
Error mem_get_info(size_t *free_bytes, size_t *total_bytes);

Error malloc(void **p, size_t bytes);
Error free(void *p);
Error memcpy_async(void *dst, const void *src, size_t bytes, MemcpyKind kind, Stream *stream);
Error memset_async(void *dst, int value, size_t bytes, Stream *stream);

Error stream_create(Stream **out, unsigned flags);
Error stream_destroy(Stream *stream);
Error stream_synchronize(Stream *stream);

Error stream_begin_capture(Stream *stream, int mode);
Error stream_end_capture(Stream *stream, Graph **out);
Error graph_instantiate(GraphExec **out, Graph *graph);
Error graph_destroy(Graph *graph);
Error graph_launch(GraphExec *exec, Stream *stream);
Error graph_exec_destroy(GraphExec *exec);

// cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes).
Error func_set_max_dynamic_shared(const void *kernel, int bytes);

} // namespace plinth::emu
