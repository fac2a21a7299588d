// Dense products: linear (x @ w^T + b), batched matmul, and the mixture-of-experts gather.
// Few activation rows (decoding) take the GEMV kernels, which read each weight once in its
// stored dtype. Larger products take the vendor BLAS when there is one (cuBLAS, f32 compute:
// weights in other dtypes are converted chunk by chunk into scratch first, so activations
// never lose precision) and the project's tiled GEMM otherwise.
#include "backend.hpp"
#include "blas.hpp"

#include <algorithm>
#include <cstddef>

namespace plinth::gpu::ops {
namespace {

// Bytes of converted f32 weight rows one BLAS call works on.
constexpr int64_t kConvertChunkBytes = int64_t{64} << 20;

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
    BlasGemm g;
    g.trans_b = true; // w is [N, K]
    g.M = M;
    g.K = K;
    g.A = x;
    g.lda = K;
    g.ldb = K;
    g.ldc = N;
    if (wdtype == PLINTH_DTYPE_F32) {
      g.N = N;
      g.B = static_cast<const float *>(w);
      g.C = y;
      blas_sgemm(c.blas, g);
    } else {
      const int64_t rows = std::clamp<int64_t>(kConvertChunkBytes / (K * 4), 1, N);
      float *tmp = static_cast<float *>(scratch(ctx, static_cast<size_t>(rows * K) * 4));
      const size_t rb = elems_bytes(wdtype, K);
      for (int64_t n0 = 0; n0 < N; n0 += rows) {
        const int64_t nb = std::min(rows, N - n0);
        const void *src = static_cast<const char *>(w) + static_cast<size_t>(n0) * rb;
        if (is_quantized(wdtype))
          launch_dequantize(src, wdtype, tmp, nb * K, c.stream);
        else
          launch_convert(src, wdtype, tmp, PLINTH_DTYPE_F32, nb * K, c.stream);
        g.N = nb;
        g.B = tmp;
        g.C = y + n0;
        blas_sgemm(c.blas, g);
      }
    }
    if (bp) launch_add_bias(y, M, N, bp, bd, c.stream);
    return;
  }
  GemmArgs g;
  g.M = M;
  g.N = N;
  g.K = K;
  g.A = x;
  g.a_sm = K;
  g.a_sk = 1;
  g.B = w;
  g.b_dtype = wdtype;
  g.b_sn = is_quantized(wdtype) ? static_cast<int64_t>(elems_bytes(wdtype, K)) : K;
  g.b_sk = 1;
  g.C = y;
  g.ldc = N;
  g.bias = bp;
  g.bias_dtype = bd;
  launch_gemm(g, c.stream);
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
    const plinth_tensor *a = args->a, *b = args->b;
    plinth_tensor *c = args->c;
    const bool ta = sh.ta, tb = sh.tb;
    const int64_t a1 = sh.a1, b1 = sh.b1, M = sh.M, K = sh.K, N = sh.N;
    const int64_t *batch_shape = sh.batch_shape, *a_bs = sh.a_bs, *b_bs = sh.b_bs;
    check_dims_fit(std::max({M, N, K, a1, b1}), "matrix dim");
    if (M == 0 || N == 0) return;
    Context &cx = *context_of(ctx);
    const int64_t batches = batch_shape[0] * batch_shape[1];
    if (cx.blas && K > 0) {
      // One strided-batched call per outer batch index; broadcast dims have stride 0.
      for (int64_t i0 = 0; i0 < batch_shape[0]; ++i0) {
        BlasGemm g;
        g.trans_a = ta;
        g.trans_b = tb;
        g.M = M;
        g.N = N;
        g.K = K;
        g.A = f32(a) + i0 * a_bs[0];
        g.lda = a1;
        g.stride_a = a_bs[1];
        g.B = f32(b) + i0 * b_bs[0];
        g.ldb = b1;
        g.stride_b = b_bs[1];
        g.C = f32(c) + i0 * batch_shape[1] * M * N;
        g.ldc = N;
        g.stride_c = M * N;
        g.alpha = args->alpha;
        g.beta = args->beta;
        g.batch = batch_shape[1];
        blas_sgemm(cx.blas, g);
      }
      return;
    }
    GemmArgs g;
    g.M = M;
    g.N = N;
    g.K = K;
    g.A = f32(a);
    g.a_sm = ta ? 1 : a1;
    g.a_sk = ta ? a1 : 1;
    g.B = b->data;
    g.b_dtype = PLINTH_DTYPE_F32;
    g.b_sn = tb ? b1 : 1; // B[n, k] = op(b)[k, n]
    g.b_sk = tb ? 1 : b1;
    g.C = f32(c);
    g.ldc = N;
    g.alpha = args->alpha;
    g.beta = args->beta;
    g.batches = batches;
    g.batch1 = batch_shape[1];
    g.a_bs[0] = a_bs[0];
    g.a_bs[1] = a_bs[1];
    g.b_bs[0] = b_bs[0] * 4;
    g.b_bs[1] = b_bs[1] * 4;
    g.c_bs = M * N;
    launch_gemm(g, cx.stream);
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
    GemmArgs g;
    g.M = M;
    g.N = N;
    g.K = K;
    g.A = f32(x);
    g.a_sm = K;
    g.B = w->data;
    g.b_dtype = w->dtype;
    g.b_sn = is_quantized(w->dtype) ? static_cast<int64_t>(elems_bytes(w->dtype, K)) : K;
    g.C = f32(y);
    g.ldc = N;
    g.batches = E;
    g.batch1 = E;
    g.b_bs[1] = expert_bytes;
    g.offsets = offsets;
    g.order = order;
    launch_gemm(g, c.stream);
  });
}

} // namespace plinth::gpu::ops
