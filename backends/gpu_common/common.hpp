// Plain C++ (no GPU headers) shared by the host-side op code and the .cu launchers: the error
// type that carries a plinth_status to the C edge and dtype sizes (both from backends/common),
// and the block-quantized layouts of plinth_types.h.
#pragma once

#include "op_checks.hpp"
#include "plinth_plugin.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace plinth::gpu {

// Thrown by validation and by failed runtime calls; guarded() turns it into a status.
using backend::fail;
using backend::OpError;

constexpr int64_t kQBlock = PLINTH_QBLOCK;
constexpr int64_t kQ8BlockBytes = 2 + kQBlock;     // f16 scale + 32 x int8
constexpr int64_t kQ4BlockBytes = 2 + kQBlock / 2; // f16 scale + 32 x 4-bit

inline bool is_quantized(int32_t dtype) {
  return dtype == PLINTH_DTYPE_Q8_0 || dtype == PLINTH_DTYPE_Q4_0;
}
inline int64_t block_bytes(int32_t dtype) {
  return dtype == PLINTH_DTYPE_Q8_0 ? kQ8BlockBytes : kQ4BlockBytes;
}

using backend::dtype_name;
using backend::dtype_size; // 0 for an unknown or block-quantized dtype
using backend::known_dtype;

// Bytes of n consecutive elements (for Q8_0/Q4_0: n a multiple of 32).
inline size_t elems_bytes(int32_t dtype, int64_t n) {
  return is_quantized(dtype) ? static_cast<size_t>(n / kQBlock * block_bytes(dtype))
                             : static_cast<size_t>(n) * dtype_size(dtype);
}

// Errors that only the device can see (an id outside its table, read on the device) are
// recorded here, in device memory, and reported by the next read() or synchronize(): checking
// them where the op is enqueued would cost a host round-trip per op.
// The set_slice_dev / attention codes are for positions read on the device (value outside
// [0, limit]: set_slice_dev wrote nothing, attention clamped).
enum DeviceErrorOp : int32_t {
  kErrNone = 0,
  kErrGetRows = 1,
  kErrLinearIndexed = 2,
  kErrSetSliceDev = 3,
  kErrAttentionKvLen = 4,
  kErrAttentionQOffset = 5
};
struct DeviceErrorRecord {
  int32_t flag; // 0 until the first error; set by atomicCAS so the first error wins
  int32_t op;   // DeviceErrorOp
  int64_t index;
  int64_t value;
  int64_t limit;
};

} // namespace plinth::gpu
