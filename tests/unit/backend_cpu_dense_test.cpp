// CPU backend: linear (f32/f16/bf16 weights, GEMV and GEMM paths), batched matmul with
// transposes / alpha / beta / broadcasting, and the MoE linear_indexed.
#include "backend_cpu_fixture.hpp"

using namespace cpu_test;

namespace {

class CpuDense : public CpuBackend {};

// y[m, n] = sum_k x[m, k] w[n, k] + bias[n], in double.
std::vector<float> ref_linear(const std::vector<float> &x, const std::vector<float> &w,
                              const std::vector<float> *bias, int64_t M, int64_t N, int64_t K) {
  std::vector<float> y(static_cast<size_t>(M * N));
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = bias ? (*bias)[n] : 0.0;
      for (int64_t k = 0; k < K; ++k)
        s += double(x[m * K + k]) * w[n * K + k];
      y[m * N + n] = float(s);
    }
  return y;
}

TEST_F(CpuDense, LinearAllWeightDtypesAndPaths) {
  const int64_t N = 37, K = 70;
  const std::vector<float> w = random_floats(N * K, 20), bias = random_floats(N, 21);
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16}) {
    plinth_tensor *wt = from_as(w, {N, K}, dt);
    const std::vector<float> wr = get_as_f32(wt); // the weights as stored (rounded)
    for (int64_t M : {1, 3, 8, 9, 40}) {
      const std::vector<float> x = random_floats(M * K, 22 + M);
      for (bool with_bias : {false, true}) {
        plinth_tensor *y = zeros({M, N});
        ASSERT_EQ(ops->linear(ctx, from(x, {M, K}), wt, with_bias ? from(bias, {N}) : nullptr, y),
                  PLINTH_OK)
            << last_error();
        expect_near_all(get(y), ref_linear(x, wr, with_bias ? &bias : nullptr, M, N, K), 1e-5f,
                        ("linear dtype " + std::to_string(dt) + " M " + std::to_string(M)).c_str());
      }
    }
  }
  // Leading dims are flattened into rows.
  const std::vector<float> x = random_floats(2 * 3 * K, 30);
  plinth_tensor *y = zeros({2, 3, N});
  ASSERT_EQ(ops->linear(ctx, from(x, {2, 3, K}), from(w, {N, K}), nullptr, y), PLINTH_OK);
  expect_near_all(get(y), ref_linear(x, w, nullptr, 6, N, K), 1e-5f, "3-D x");
}

TEST_F(CpuDense, LinearRejectsBadShapes) {
  plinth_tensor *w = from(random_floats(12, 1), {3, 4});
  expect_rejected(ops->linear(ctx, from(random_floats(10, 2), {2, 5}), w, nullptr, zeros({2, 3})),
                  "linear");
  expect_rejected(ops->linear(ctx, from(random_floats(8, 2), {2, 4}), w, nullptr, zeros({2, 4})),
                  "linear");
  expect_rejected(ops->linear(ctx, from(random_floats(8, 2), {2, 4}), w,
                              from(random_floats(4, 3), {4}), zeros({2, 3})),
                  "linear");
  expect_rejected(ops->linear(ctx, from(random_floats(8, 2), {2, 4}),
                              from(random_floats(12, 1), {12}), nullptr, zeros({2, 3})),
                  "linear");
}

TEST_F(CpuDense, MatmulTransposesScalesAndBroadcasts) {
  struct Case {
    Shape a_batch, b_batch, c_batch;
    int64_t M, N, K;
  };
  const Case cases[] = {
      {{}, {}, {}, 5, 7, 3},             // plain
      {{2, 3}, {2, 3}, {2, 3}, 4, 6, 5}, // full batch, small path
      {{2, 1}, {1, 3}, {2, 3}, 4, 6, 5}, // both broadcast
      {{3}, {}, {2, 3}, 3, 2, 4},        // b shared, a broadcast over the outer dim
      {{2}, {2}, {2}, 100, 90, 110},     // large: OpenBLAS path per batch
      {{}, {}, {}, 120, 100, 80},        // single large
  };
  uint32_t seed = 40;
  for (const Case &c : cases)
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb)
        for (float beta : {0.0f, 0.5f}) {
          Shape as = c.a_batch, bs = c.b_batch, cs = c.c_batch;
          as.push_back(ta ? c.K : c.M);
          as.push_back(ta ? c.M : c.K);
          bs.push_back(tb ? c.N : c.K);
          bs.push_back(tb ? c.K : c.N);
          cs.push_back(c.M);
          cs.push_back(c.N);
          const std::vector<float> a = random_floats(count(as), ++seed);
          const std::vector<float> b = random_floats(count(bs), ++seed);
          const std::vector<float> c0 = random_floats(count(cs), ++seed);
          plinth_tensor *ct = from(c0, cs);
          const float alpha = 0.75f;
          plinth_matmul_args args{
              sizeof(plinth_matmul_args), from(a, as), from(b, bs), ct, ta, tb, alpha, beta};
          ASSERT_EQ(ops->matmul(ctx, &args), PLINTH_OK) << last_error();
          const std::vector<float> got = get(ct);
          // Batch index of c -> batch offsets of a and b (right-aligned, size-1 broadcast).
          const int64_t nb = count(c.c_batch);
          for (int64_t bi = 0; bi < nb; ++bi) {
            auto offset = [&](const Shape &xb, int64_t mat) {
              int64_t off = 0, stride = mat, rem = bi;
              for (size_t i = 0; i < c.c_batch.size(); ++i) {
                const size_t ci = c.c_batch.size() - 1 - i;
                const int64_t idx = rem % c.c_batch[ci];
                rem /= c.c_batch[ci];
                if (i < xb.size()) {
                  const int64_t dim = xb[xb.size() - 1 - i];
                  off += (dim == 1 ? 0 : idx) * stride;
                  stride *= dim;
                }
              }
              return off;
            };
            const int64_t ao = offset(c.a_batch, c.M * c.K), bo = offset(c.b_batch, c.K * c.N);
            for (int64_t m = 0; m < c.M; ++m)
              for (int64_t n = 0; n < c.N; ++n) {
                double s = 0;
                for (int64_t k = 0; k < c.K; ++k) {
                  const float av = ta ? a[ao + k * c.M + m] : a[ao + m * c.K + k];
                  const float bv = tb ? b[bo + n * c.K + k] : b[bo + k * c.N + n];
                  s += double(av) * bv;
                }
                const int64_t ci = (bi * c.M + m) * c.N + n;
                const double want = alpha * s + beta * c0[ci];
                ASSERT_NEAR(got[ci], want, 1e-4 * (1 + std::abs(want)))
                    << "M" << c.M << " ta " << ta << " tb " << tb << " beta " << beta;
              }
          }
        }
}

TEST_F(CpuDense, MatmulRejectsBadShapes) {
  plinth_matmul_args args{sizeof(plinth_matmul_args),
                          from(random_floats(6, 1), {2, 3}),
                          from(random_floats(8, 2), {4, 2}),
                          zeros({2, 2}),
                          0,
                          0,
                          1.0f,
                          0.0f};
  expect_rejected(ops->matmul(ctx, &args), "matmul"); // inner dims 3 vs 4
  args.b = from(random_floats(6, 2), {3, 2});
  args.c = zeros({2, 3});
  expect_rejected(ops->matmul(ctx, &args), "matmul"); // c shape
  args.a = from(random_floats(12, 1), {2, 2, 3});
  args.b = from(random_floats(18, 2), {3, 3, 2});
  args.c = zeros({2, 2, 2});
  expect_rejected(ops->matmul(ctx, &args), "matmul"); // batch 2 vs 3
}

TEST_F(CpuDense, LinearIndexedRoutesRowsToExperts) {
  const int64_t E = 4, N = 9, K = 16, M = 11;
  const std::vector<float> w = random_floats(E * N * K, 50), x = random_floats(M * K, 51);
  const std::vector<int32_t> ids{3, 0, 0, 2, 3, 3, 1, 0, 2, 3, 0};
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16}) {
    plinth_tensor *wt = from_as(w, {E, N, K}, dt);
    const std::vector<float> wr = get_as_f32(wt);
    plinth_tensor *y = zeros({M, N});
    ASSERT_EQ(ops->linear_indexed(ctx, from(x, {M, K}), wt, from_i32(ids, {M}), y), PLINTH_OK)
        << last_error();
    const std::vector<float> got = get(y);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double s = 0;
        for (int64_t k = 0; k < K; ++k)
          s += double(x[m * K + k]) * wr[(ids[m] * N + n) * K + k];
        ASSERT_NEAR(got[m * N + n], s, 1e-5) << "dtype " << dt;
      }
  }
  std::vector<int32_t> bad = ids;
  bad[4] = E;
  expect_rejected(ops->linear_indexed(ctx, from(x, {M, K}), from(w, {E, N, K}), from_i32(bad, {M}),
                                      zeros({M, N})),
                  "linear_indexed");
}

} // namespace
