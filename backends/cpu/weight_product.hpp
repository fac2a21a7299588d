// The product behind linear() and linear_indexed(): activations times a weight matrix in any
// weight dtype, choosing between the memory-bound GEMV kernels (few activation rows) and
// sgemm over converted weight tiles (prompt processing).
#pragma once

#include "backend.hpp"

namespace plinth::cpu {

// y[m * ldy + n] = sum_k x[m * K + k] * w[n, k] for m < M, n < N; w is [N, K] in wdtype
// (f32, f16, bf16, Q8_0 or Q4_0; K % 32 == 0 for the quantized ones).
void weight_product(plinth_backend_ctx *ctx, const float *x, int64_t M, int64_t K, const void *w,
                    int32_t wdtype, int64_t N, float *y, int64_t ldy);

} // namespace plinth::cpu
