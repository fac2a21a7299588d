// How the CPU backend keeps Q8_0 / Q4_0 tensors in memory: *grouped* rows.
//
// The ABI's layout (plinth_types.h) interleaves each block's 2-byte f16 scale with its
// payload (32 int8 or 16 nibble bytes), so blocks are 34 or 18 bytes long and almost every
// vector load of a decoding kernel straddles two cache lines, and the kernels spend byte
// permutes separating scales from payloads. Inside this backend, each row (the last
// dimension) is instead stored as groups of 8 blocks:
//
//   [ 8 f16 scales (16 bytes) | payload of block 0 | ... | payload of block 7 ]
//
// followed by the row's remaining nb % 8 blocks in the ABI layout. A row keeps its byte size
// (8 blocks are 8 * block bytes either way), so row strides, views of whole rows and copies
// of whole rows are unchanged. The ABI layout exists only at the host boundary:
// tensor_from_host, write and read convert (ops_memory.cpp). On one Zen 5 core this took the
// AVX-512 Q4_0 decoding kernel from ~60 to ~74 GB/s from L2 and Q8_0 from ~82 to ~125 GB/s.
#pragma once

#include "quant_blocks.hpp"

#include <cstddef>
#include <cstdint>

namespace plinth::cpu {

constexpr int64_t kQGroup = 8;                   // blocks per group
constexpr size_t kQGroupScales = 2 * kQGroup;    // bytes of a group's scales
constexpr size_t kQ8Payload = kQ8BlockBytes - 2; // 32 int8
constexpr size_t kQ4Payload = kQ4BlockBytes - 2; // 16 bytes of nibbles

// Where block b of a grouped row of nb blocks (bb bytes each) keeps its scale and payload.
struct QBlockRef {
  const uint8_t *scale;
  const uint8_t *payload;
};
inline QBlockRef q_block(const uint8_t *row, int64_t b, int64_t nb, size_t bb) {
  const int64_t full = nb / kQGroup * kQGroup;
  if (b >= full) {
    const uint8_t *p = row + static_cast<size_t>(b) * bb;
    return {p, p + 2};
  }
  const uint8_t *g = row + static_cast<size_t>(b / kQGroup * kQGroup) * bb;
  const int64_t i = b % kQGroup;
  return {g + 2 * i, g + kQGroupScales + static_cast<size_t>(i) * (bb - 2)};
}

// Rows of nb blocks of `dtype` between the ABI layout and the grouped one (src != dst).
void group_rows(int32_t dtype, const uint8_t *abi, uint8_t *grouped, int64_t rows, int64_t nb);
void ungroup_rows(int32_t dtype, const uint8_t *grouped, uint8_t *abi, int64_t rows, int64_t nb);

// Rows of K values (grouped) to f32 through the kernel set's block dequantizers.
struct Kernels;
void dequantize_rows(const Kernels &k, int32_t dtype, const uint8_t *src, int64_t rows, int64_t K,
                     float *dst);

} // namespace plinth::cpu
