// Block quantization of weight matrices on load (Q8_0 and Q4_0, layouts in plinth_types.h).
// Round-to-nearest with the scale chosen from the block's largest magnitude.
#pragma once

#include <cstddef>
#include <cstdint>

namespace plinth {

bool is_quantized(int32_t dtype);
// Bytes for a row of n elements in dtype; 0 when n is not a multiple of the block size.
size_t row_bytes(int32_t dtype, int64_t n);
// Quantizes rows x rows of n f32 values into dst (row_bytes(dtype, n) per row).
void quantize_rows(const float *src, int64_t rows, int64_t n, int32_t dtype, void *dst);
// The inverse, for tests and for backends without native kernels.
void dequantize_row(const void *src, int64_t n, int32_t dtype, float *dst);

} // namespace plinth
