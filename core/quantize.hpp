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
// Quantizes a [rows, n] matrix stored as src_dtype (f32, f16, bf16 or f64, at any alignment,
// e.g. straight from a mapped checkpoint) into dst. Rows are converted to f32 a few at a time
// into per-thread scratch, on up to `threads` threads (0: the hardware's), so no f32 copy of
// the matrix exists; the bytes are those of quantize_rows over the matrix converted to f32.
void quantize_matrix(const void *src, int32_t src_dtype, int64_t rows, int64_t n, int32_t dtype,
                     void *dst, int threads = 0);
// The inverse, for tests and for backends without native kernels.
void dequantize_row(const void *src, int64_t n, int32_t dtype, float *dst);

} // namespace plinth
