// Dense products: linear (x @ w^T + b), batched matmul, and the mixture-of-experts gather.
// Few activation rows (decoding) take the GEMV kernels, which read each weight once in its
// stored dtype. Larger products take the vendor BLAS when there is one (cuBLAS, f32 compute:
// weights in other dtypes are converted chunk by chunk into scratch first, so activations
// never lose precision) and the project's tiled GEMM otherwise.
#include "backend.hpp"
#include "blas.hpp"
#include "dense_plan.hpp"

#include <algorithm>
#include <cstddef>

namespace plinth::gpu::ops {
namespace {

void check_dims_fit(int64_t v, const char *what) {
  if (v > 0x7fffffff)
    fail(std::string(what) + " = " + std::to_string(v) + " exceeds the int range");
}

// y[M, N] = x[M, K] @ w[N, K]^T (+ bias), any weight dtype.
void weight_product(plinth_backend_ctx *ctx, const float *x, int64_t M, int64_t K, const void *w,
                    int32_t wdtype, int64_t N, const plinth_tensor *bias, float *y) {
  Context &c = *context_of(ctx);
  const void *bp = bias ? bias->data : nullptr;
  const int32_t bd = bias ? bias->dtype : PLINTH_DTYPE_F32;
  if (M <= kGemvMaxRows) {
    GemvArgs g;
    g.x = x;
    g.M = M;
    g.K = K;
    g.N = N;
    g.w = w;
    g.w_dtype = wdtype;
    g.row_bytes = static_cast<int64_t>(elems_bytes(wdtype, K));
    g.bias = bp;
    g.bias_dtype = bd;
    g.y = y;
    launch_gemv(g, c.stream);
    return;
  }
  if (c.blas && K > 0) {
    if (wdtype == PLINTH_DTYPE_F32) {
      blas_sgemm(c.blas, blas_linear(x, M, K, static_cast<const float *>(w), 0, N, N, y));
    } else {
      // Whole rows converted to f32 in scratch, chunk by chunk; stream order lets the next
      // chunk's conversion reuse the scratch once the previous product has read it.
      const int64_t rows = convert_chunk_rows(K, N);
      float *tmp = static_cast<float *>(scratch(ctx, static_cast<size_t>(rows * K) * 4));
      const size_t rb = elems_bytes(wdtype, K);
      for (int64_t n0 = 0; n0 < N; n0 += rows) {
        const int64_t nb = std::min(rows, N - n0);
        const void *src = static_cast<const char *>(w) + static_cast<size_t>(n0) * rb;
        if (is_quantized(wdtype))
          launch_dequantize(src, wdtype, tmp, nb * K, c.stream);
        else
          launch_convert(src, wdtype, tmp, PLINTH_DTYPE_F32, nb * K, c.stream);
        blas_sgemm(c.blas, blas_linear(x, M, K, tmp, n0, nb, N, y));
      }
    }
    if (bp) launch_add_bias(y, M, N, bp, bd, c.stream);
    return;
  }
  launch_gemm(gemm_linear(x, M, K, w, wdtype, N, bp, bd, y), c.stream);
}

} // namespace

plinth_status linear(plinth_backend_ctx *ctx, const plinth_tensor *x, const plinth_tensor *w,
                     const plinth_tensor *bias, plinth_tensor *y) {
  return guarded("linear", ctx, [&] {
    const LinearShape sh = check_linear(x, w, y);
    const int64_t M = sh.M, N = sh.N, K = sh.K;
    check_dims_fit(std::max({M, N, K}), "matrix dim");
    if (bias) check_param(bias, "bias", N, "out_features");
    if (M == 0 || N == 0) return;
    weight_product(ctx, f32(x), M, K, w->data, w->dtype, N, bias, f32(y));
  });
}

plinth_status matmul(plinth_backend_ctx *ctx, const plinth_matmul_args *args) {
  return guarded("matmul", ctx, [&] {
    const MatmulShape sh = check_matmul(args);
    check_dims_fit(std::max({sh.M, sh.N, sh.K, sh.a1, sh.b1}), "matrix dim");
    if (sh.M == 0 || sh.N == 0) return;
    Context &cx = *context_of(ctx);
    const float *a = f32(args->a), *b = f32(args->b);
    float *c = f32(args->c);
    if (cx.blas && sh.K > 0) {
      // One strided-batched call per outer batch index; broadcast dims have stride 0.
      for (int64_t i0 = 0; i0 < sh.batch_shape[0]; ++i0)
        blas_sgemm(cx.blas, blas_matmul(sh, a, b, c, i0, args->alpha, args->beta));
      return;
    }
    launch_gemm(gemm_matmul(sh, a, b, c, args->alpha, args->beta), cx.stream);
  });
}

plinth_status linear_indexed(plinth_backend_ctx *ctx, const plinth_tensor *x,
                             const plinth_tensor *w, const plinth_tensor *ids, plinth_tensor *y) {
  return guarded("linear_indexed", ctx, [&] {
    const LinearShape sh = check_linear_indexed(x, w, ids, y);
    const int64_t E = sh.E, M = sh.M, N = sh.N, K = sh.K;
    check_dims_fit(std::max({M, N, K}), "matrix dim");
    if (M == 0 || N == 0) return;
    Context &c = *context_of(ctx);
    const int64_t expert_bytes = static_cast<int64_t>(elems_bytes(w->dtype, N * K));
    if (M <= kGemvMaxRows) {
      // Decoding: a few rows, each reading its own expert's weights once.
      GemvArgs g;
      g.x = f32(x);
      g.M = M;
      g.K = K;
      g.N = N;
      g.w = w->data;
      g.w_dtype = w->dtype;
      g.row_bytes = static_cast<int64_t>(elems_bytes(w->dtype, K));
      g.y = f32(y);
      g.expert_ids = i32(ids);
      g.experts = E;
      g.expert_bytes = expert_bytes;
      g.err = c.err;
      launch_gemv(g, c.stream);
      return;
    }
    // Prompt: group the rows by expert on the device, then one grouped GEMM whose batch
    // index is the expert. Rows with a bad id stay zero (and are reported at the next sync).
    auto *ints = static_cast<int32_t *>(scratch(ctx, static_cast<size_t>(E + 1 + M) * 4));
    int32_t *offsets = ints, *order = ints + E + 1;
    memset_async(y->data, 0, nbytes(y), c.stream);
    launch_moe_group(i32(ids), M, E, offsets, order, c.err, c.stream);
    launch_gemm(gemm_moe(f32(x), M, K, w->data, w->dtype, E, N, f32(y), offsets, order), c.stream);
  });
}

} // namespace plinth::gpu::ops
