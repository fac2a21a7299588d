// Dense products: linear (x @ w^T + b), batched matmul, and the mixture-of-experts gather.
// The weight products themselves (GEMV kernels or tiled sgemm, any weight dtype) are in
// weight_product.cpp.
#include "backend.hpp"
#include "kernels.hpp"
#include "weight_product.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <vector>

namespace plinth::cpu::ops {
namespace {

void add_bias(plinth_backend_ctx *ctx, float *y, int64_t M, int64_t N, const float *bias) {
  pool_of(ctx).parallel_for(M, std::max<int64_t>(1, 16384 / (N + 1)),
                            [&](int64_t b, int64_t e, int) {
                              for (int64_t m = b; m < e; ++m)
                                for (int64_t n = 0; n < N; ++n)
                                  y[m * N + n] += bias[n];
                            });
}

void check_size_fits_int(int64_t v, const char *what) {
  if (v > 0x7fffffff)
    fail(std::string(what) + " = " + std::to_string(v) + " exceeds the BLAS int range");
}

// Small products repeated over many batches: OpenBLAS' per-call threading costs more than
// the work, so the pool splits over batches and each product runs on one core.
void small_matmul(const float *a, int64_t lda, bool ta, const float *b, int64_t ldb, bool tb,
                  float *c, int64_t M, int64_t N, int64_t K, float alpha, float beta,
                  std::vector<float> &acc, std::vector<float> &arow) {
  const Kernels &kern = kernels();
  acc.resize(static_cast<size_t>(N));
  arow.resize(static_cast<size_t>(K));
  for (int64_t m = 0; m < M; ++m) {
    const float *ar = a + m * lda;
    if (ta) { // op(a) row m is column m of a: gather it
      for (int64_t k = 0; k < K; ++k)
        arow[k] = a[k * lda + m];
      ar = arow.data();
    }
    if (tb) { // b is [N, K]: rows of b are the columns of op(b)
      for (int64_t n = 0; n < N; ++n)
        acc[n] = kern.dot(ar, b + n * ldb, K);
    } else {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t k = 0; k < K; ++k)
        kern.axpy(ar[k], b + k * ldb, acc.data(), N);
    }
    float *cr = c + m * N;
    if (beta == 0.0f)
      for (int64_t n = 0; n < N; ++n)
        cr[n] = alpha * acc[n];
    else
      for (int64_t n = 0; n < N; ++n)
        cr[n] = alpha * acc[n] + beta * cr[n];
  }
}

} // namespace

plinth_status linear(plinth_backend_ctx *ctx, const plinth_tensor *x, const plinth_tensor *w,
                     const plinth_tensor *bias, plinth_tensor *y) {
  return guarded("linear", ctx, [&] {
    const LinearShape sh = check_linear(x, w, y);
    const int64_t M = sh.M, N = sh.N, K = sh.K;
    check_size_fits_int(std::max({M, N, K}), "matrix dim");
    std::unique_ptr<F32Vector> b;
    if (bias) b = std::make_unique<F32Vector>(bias, "bias", N, "out_features");
    weight_product(ctx, f32(x), M, K, w->data, w->dtype, N, f32(y), N);
    if (b) add_bias(ctx, f32(y), M, N, b->data());
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
    check_size_fits_int(std::max({M, N, K, a1, b1}), "matrix dim");
    const int64_t batches = batch_shape[0] * batch_shape[1];
    const float *ap = f32(a), *bp = f32(b);
    float *cp = f32(c);
    const float alpha = args->alpha, beta = args->beta;
    if (M == 0 || N == 0) return;
    auto batch_ptrs = [&](int64_t i, const float *&pa, const float *&pb, float *&pc) {
      const int64_t i0 = i / batch_shape[1], i1 = i % batch_shape[1];
      pa = ap + i0 * a_bs[0] + i1 * a_bs[1];
      pb = bp + i0 * b_bs[0] + i1 * b_bs[1];
      pc = cp + i * M * N;
    };
    const bool small = M * N * std::max<int64_t>(K, 1) <= 96 * 96 * 96;
    if (K == 0 || (batches > 1 && small)) {
      pool_of(ctx).parallel_for(batches, 1, [&](int64_t lo, int64_t hi, int) {
        std::vector<float> acc, arow;
        for (int64_t i = lo; i < hi; ++i) {
          const float *pa, *pb;
          float *pc;
          batch_ptrs(i, pa, pb, pc);
          small_matmul(pa, a1, ta, pb, b1, tb, pc, M, N, K, alpha, beta, acc, arow);
        }
      });
      return;
    }
    set_blas_threads(ctx);
    for (int64_t i = 0; i < batches; ++i) {
      const float *pa, *pb;
      float *pc;
      batch_ptrs(i, pa, pb, pc);
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                  static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), alpha, pa,
                  static_cast<int>(a1), pb, static_cast<int>(b1), beta, pc, static_cast<int>(N));
    }
  });
}

plinth_status linear_indexed(plinth_backend_ctx *ctx, const plinth_tensor *x,
                             const plinth_tensor *w, const plinth_tensor *ids, plinth_tensor *y) {
  return guarded("linear_indexed", ctx, [&] {
    const LinearShape sh = check_linear_indexed(x, w, ids, y);
    const int64_t E = sh.E, M = sh.M, N = sh.N, K = sh.K;
    check_size_fits_int(std::max({M, N, K}), "matrix dim");
    const int32_t *id = i32(ids);
    // Group rows by expert (counting sort), then one dense product per expert.
    std::vector<int64_t> count(static_cast<size_t>(E) + 1, 0);
    for (int64_t m = 0; m < M; ++m) {
      if (id[m] < 0 || id[m] >= E)
        fail("ids[" + std::to_string(m) + "] = " + std::to_string(id[m]) + " outside [0, " +
             std::to_string(E) + ")");
      ++count[static_cast<size_t>(id[m]) + 1];
    }
    for (int64_t e = 0; e < E; ++e)
      count[e + 1] += count[e];
    std::vector<int64_t> order(static_cast<size_t>(M));
    {
      std::vector<int64_t> pos(count.begin(), count.end() - 1);
      for (int64_t m = 0; m < M; ++m)
        order[pos[id[m]]++] = m;
    }
    const float *xp = f32(x);
    float *yp = f32(y);
    const size_t expert_bytes = elems_bytes(w->dtype, N * K);
    std::vector<float> xs, ys;
    for (int64_t e = 0; e < E; ++e) {
      const int64_t lo = count[e], cnt = count[e + 1] - lo;
      if (cnt == 0) continue;
      xs.resize(static_cast<size_t>(cnt * K));
      ys.resize(static_cast<size_t>(cnt * N));
      for (int64_t r = 0; r < cnt; ++r)
        std::memcpy(xs.data() + r * K, xp + order[lo + r] * K, static_cast<size_t>(K) * 4);
      weight_product(ctx, xs.data(), cnt, K, static_cast<const char *>(w->data) + e * expert_bytes,
                     w->dtype, N, ys.data(), N);
      for (int64_t r = 0; r < cnt; ++r)
        std::memcpy(yp + order[lo + r] * N, ys.data() + r * N, static_cast<size_t>(N) * 4);
    }
  });
}

} // namespace plinth::cpu::ops
