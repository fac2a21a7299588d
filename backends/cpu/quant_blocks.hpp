// Block-quantized weights (Q8_0 / Q4_0, layouts in plinth_types.h) and the 8-bit form the
// activations take before an integer dot product with them.
#pragma once

#include "plinth_types.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace plinth::cpu {

constexpr int64_t kQBlock = PLINTH_QBLOCK;
constexpr size_t kQ8BlockBytes = 2 + kQBlock;     // f16 scale + 32 x int8
constexpr size_t kQ4BlockBytes = 2 + kQBlock / 2; // f16 scale + 32 x 4-bit

inline bool is_quantized(int32_t dtype) {
  return dtype == PLINTH_DTYPE_Q8_0 || dtype == PLINTH_DTYPE_Q4_0;
}

inline size_t block_bytes(int32_t dtype) {
  return dtype == PLINTH_DTYPE_Q8_0 ? kQ8BlockBytes : kQ4BlockBytes;
}

// Bytes of `n` consecutive elements of a quantized tensor (n a multiple of kQBlock).
inline size_t quantized_bytes(int32_t dtype, int64_t n) {
  return static_cast<size_t>(n / kQBlock) * block_bytes(dtype);
}

// Activation rows quantized to blocks of 32 signed 8-bit values in [-127, 127] with an f32
// scale (x ~ d * q), stored as separate arrays so each kernel streams only what it needs.
// `s8` holds 8 * d * sum(q) per block: Q4_0 kernels multiply the unsigned nibbles (0..15)
// with q and subtract dw * s8 once per row for all blocks together, instead of re-centering
// every weight nibble. Row m of M starts at block m * blocks_per_row in each array.
// `qp` holds the bytes of `q` reordered for the Q4_0 kernels of the kernel set that filled it
// (pair_q4_acts for the portable and AVX2 sets, quad_q4_acts for the AVX-512 set).
struct QActs {
  int8_t *q; // [rows * nb * 32]
  float *d;  // [rows * nb]
  float *s8; // [rows * nb]
  int64_t blocks_per_row;
  int8_t *qp; // [rows * nb * 32]
};

// Q4_0 keeps elements 0..15 of a block in the low nibbles and 16..31 in the high ones. A
// kernel that loads the 16 nibble bytes of blocks j and j + 4 (of each group of 8) into the
// two 128-bit lanes of one register wants the activations as [x_j[0:16] | x_j+4[0:16]] and
// [x_j[16:32] | x_j+4[16:32]]: that is qp's order for every whole group of 8 blocks, j = 0..3
// (64 bytes each). Blocks after the last whole group are copied as they are.
constexpr int64_t kQ4PairGroup = 8;
inline void pair_q4_acts(const QActs &a, int64_t m) {
  const int64_t nb = a.blocks_per_row, full = nb / kQ4PairGroup * kQ4PairGroup;
  const int8_t *q = a.q + m * nb * 32;
  int8_t *qp = a.qp + m * nb * 32;
  for (int64_t b = 0; b < full; b += kQ4PairGroup)
    for (int64_t j = 0; j < 4; ++j) {
      const int8_t *lo = q + (b + j) * 32, *hi = q + (b + j + 4) * 32;
      int8_t *o = qp + b * 32 + j * 64;
      std::memcpy(o, lo, 16);
      std::memcpy(o + 16, hi, 16);
      std::memcpy(o + 32, lo + 16, 16);
      std::memcpy(o + 48, hi + 16, 16);
    }
  std::memcpy(qp + full * 32, q + full * 32, static_cast<size_t>(nb - full) * 32);
}

// The AVX-512 Q4_0 kernel instead loads the nibble bytes of four consecutive blocks into the
// four 128-bit lanes of one register, so it wants per group of 8 blocks, for each half
// (blocks 0..3, then 4..7): the low 16 activations of those four blocks, then their high 16
// (128 bytes per half). Blocks after the last whole group are copied as they are.
inline void quad_q4_acts(const QActs &a, int64_t m) {
  const int64_t nb = a.blocks_per_row, full = nb / kQ4PairGroup * kQ4PairGroup;
  const int8_t *q = a.q + m * nb * 32;
  int8_t *qp = a.qp + m * nb * 32;
  for (int64_t b = 0; b < full; b += 4)
    for (int64_t j = 0; j < 4; ++j) {
      std::memcpy(qp + b * 32 + j * 16, q + (b + j) * 32, 16);
      std::memcpy(qp + b * 32 + 64 + j * 16, q + (b + j) * 32 + 16, 16);
    }
  std::memcpy(qp + full * 32, q + full * 32, static_cast<size_t>(nb - full) * 32);
}

// Bytes of scratch that QActs for `rows` rows of K values need (with alignment slack).
inline size_t qacts_bytes(int64_t rows, int64_t K) {
  const size_t nb = static_cast<size_t>(rows * (K / kQBlock));
  return nb * (2 * kQBlock + 2 * sizeof(float)) + 160;
}

// Lays QActs out in `scratch` (qacts_bytes long), each array 32-byte aligned.
inline QActs qacts_in(void *scratch, int64_t rows, int64_t K) {
  auto align = [](uintptr_t p) { return (p + 31) & ~uintptr_t{31}; };
  const size_t nb = static_cast<size_t>(rows * (K / kQBlock));
  uintptr_t p = align(reinterpret_cast<uintptr_t>(scratch));
  QActs a{};
  a.q = reinterpret_cast<int8_t *>(p);
  p = align(p + nb * kQBlock);
  a.d = reinterpret_cast<float *>(p);
  p = align(p + nb * sizeof(float));
  a.s8 = reinterpret_cast<float *>(p);
  p = align(p + nb * sizeof(float));
  a.qp = reinterpret_cast<int8_t *>(p);
  a.blocks_per_row = K / kQBlock;
  return a;
}

} // namespace plinth::cpu
