#include "quant_layout.hpp"

#include "kernels.hpp"

#include <cstring>

namespace plinth::cpu {

namespace {

// One row: ABI layout -> grouped when to_grouped, else grouped -> ABI layout.
void convert_row(const uint8_t *src, uint8_t *dst, int64_t nb, size_t bb, bool to_grouped) {
  const int64_t full = nb / kQGroup * kQGroup;
  const size_t payload = bb - 2;
  for (int64_t g = 0; g < full; g += kQGroup) {
    const size_t base = static_cast<size_t>(g) * bb;
    for (int64_t i = 0; i < kQGroup; ++i) {
      const size_t abi = base + static_cast<size_t>(i) * bb;
      const size_t scale = base + 2 * static_cast<size_t>(i);
      const size_t pay = base + kQGroupScales + static_cast<size_t>(i) * payload;
      std::memcpy(dst + (to_grouped ? scale : abi), src + (to_grouped ? abi : scale), 2);
      std::memcpy(dst + (to_grouped ? pay : abi + 2), src + (to_grouped ? abi + 2 : pay), payload);
    }
  }
  const size_t tail = static_cast<size_t>(full) * bb;
  std::memcpy(dst + tail, src + tail, static_cast<size_t>(nb - full) * bb);
}

void convert_rows(int32_t dtype, const uint8_t *src, uint8_t *dst, int64_t rows, int64_t nb,
                  bool to_grouped) {
  const size_t bb = block_bytes(dtype), rb = static_cast<size_t>(nb) * bb;
  for (int64_t r = 0; r < rows; ++r)
    convert_row(src + r * rb, dst + r * rb, nb, bb, to_grouped);
}

} // namespace

void group_rows(int32_t dtype, const uint8_t *abi, uint8_t *grouped, int64_t rows, int64_t nb) {
  convert_rows(dtype, abi, grouped, rows, nb, true);
}

void ungroup_rows(int32_t dtype, const uint8_t *grouped, uint8_t *abi, int64_t rows, int64_t nb) {
  convert_rows(dtype, grouped, abi, rows, nb, false);
}

void dequantize_rows(const Kernels &k, int32_t dtype, const uint8_t *src, int64_t rows, int64_t K,
                     float *dst) {
  const auto to_f32 = dtype == PLINTH_DTYPE_Q8_0 ? k.q8_0_to_f32 : k.q4_0_to_f32;
  const int64_t nb = K / kQBlock, full = nb / kQGroup * kQGroup;
  const size_t bb = block_bytes(dtype), rb = static_cast<size_t>(nb) * bb;
  uint8_t abi[kQGroup * kQ8BlockBytes]; // one group back in the ABI layout
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = src + r * rb;
    float *out = dst + r * K;
    for (int64_t g = 0; g < full; g += kQGroup) {
      convert_row(row + static_cast<size_t>(g) * bb, abi, kQGroup, bb, false);
      to_f32(abi, out + g * kQBlock, kQGroup * kQBlock);
    }
    if (full < nb)
      to_f32(row + static_cast<size_t>(full) * bb, out + full * kQBlock, (nb - full) * kQBlock);
  }
}

} // namespace plinth::cpu
