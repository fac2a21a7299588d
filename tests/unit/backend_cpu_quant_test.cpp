// CPU backend with Q8_0 / Q4_0 weights: linear (GEMV and tiled-sgemm paths), linear_indexed,
// get_rows and copy against the core's reference dequantization, plus the AVX2 kernels
// against the portable ones.
#include "backend_cpu_fixture.hpp"

#include "../../backends/cpu/kernels.hpp"
#include "../../backends/cpu/quant_layout.hpp"
#include "quantize.hpp"

#include <cmath>

using namespace cpu_test;

namespace {

class CpuQuant : public CpuBackend {
public:
  // Quantizes `w` ([rows, K]) with the core's quantizer into a backend tensor; `deq` gets the
  // values the blocks stand for.
  plinth_tensor *quantized(const std::vector<float> &w, const Shape &shape, int32_t dt,
                           std::vector<float> &deq) {
    const int64_t K = shape.back(), rows = count(shape) / K;
    std::vector<uint8_t> q(static_cast<size_t>(rows) * plinth::row_bytes(dt, K));
    plinth::quantize_rows(w.data(), rows, K, dt, q.data());
    deq.resize(w.size());
    for (int64_t r = 0; r < rows; ++r)
      plinth::dequantize_row(q.data() + r * plinth::row_bytes(dt, K), K, dt, deq.data() + r * K);
    plinth_tensor *t = nullptr;
    EXPECT_EQ(ops->tensor_from_host(ctx, dt, static_cast<int32_t>(shape.size()), shape.data(),
                                    q.data(), 0, &t),
              PLINTH_OK)
        << last_error();
    keep(t);
    return t;
  }
  void keep(plinth_tensor *t) { kept_.push_back(t); }
  void TearDown() override {
    for (plinth_tensor *t : kept_)
      ops->tensor_free(ctx, t);
    CpuBackend::TearDown();
  }

private:
  std::vector<plinth_tensor *> kept_;
};

// Bound on |x.w - x'.w| when x' is x quantized to 8-bit blocks (error <= amax / 254 per
// element), plus float rounding.
double act_quant_bound(const float *x, const float *w, int64_t K, double ref) {
  double bound = 1e-5 * (1.0 + std::abs(ref));
  for (int64_t b = 0; b < K / 32; ++b) {
    double amax = 0, wsum = 0;
    for (int64_t i = 0; i < 32; ++i) {
      amax = std::max(amax, double(std::abs(x[b * 32 + i])));
      wsum += std::abs(w[b * 32 + i]);
    }
    bound += amax / 254.0 * wsum * 1.0001;
  }
  return bound;
}

TEST_F(CpuQuant, LinearMatchesDequantizedReference) {
  // K = 288: 9 blocks, so the kernels' 8-block scale groups end in a partial group.
  for (int64_t K : {64, 288}) {
    const int64_t N = 37;
    const std::vector<float> w = random_floats(N * K, 60), bias = random_floats(N, 61);
    for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
      std::vector<float> wd;
      plinth_tensor *wt = quantized(w, {N, K}, dt, wd);
      for (int64_t M : {1, 2, 3, 4, 5, 8, 9, 40}) {
        const std::vector<float> x = random_floats(M * K, 62 + M, -2.0f, 2.0f);
        plinth_tensor *y = zeros({M, N});
        ASSERT_EQ(ops->linear(ctx, from(x, {M, K}), wt, from(bias, {N}), y), PLINTH_OK)
            << last_error();
        const std::vector<float> got = get(y);
        for (int64_t m = 0; m < M; ++m)
          for (int64_t n = 0; n < N; ++n) {
            double ref = bias[n];
            for (int64_t k = 0; k < K; ++k)
              ref += double(x[m * K + k]) * wd[n * K + k];
            ASSERT_NEAR(got[m * N + n], ref,
                        act_quant_bound(&x[m * K], &wd[n * K], K, ref - bias[n]))
                << "dtype " << dt << " K " << K << " M " << M << " m " << m << " n " << n;
          }
      }
    }
  }
}

TEST_F(CpuQuant, LinearIndexedGetRowsAndCopy) {
  const int64_t E = 3, N = 20, K = 96, M = 7;
  const std::vector<float> w = random_floats(E * N * K, 70), x = random_floats(M * K, 71);
  const std::vector<int32_t> ids{2, 0, 1, 2, 2, 0, 1};
  for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
    std::vector<float> wd;
    plinth_tensor *wt = quantized(w, {E, N, K}, dt, wd);
    plinth_tensor *y = zeros({M, N});
    ASSERT_EQ(ops->linear_indexed(ctx, from(x, {M, K}), wt, from_i32(ids, {M}), y), PLINTH_OK)
        << last_error();
    const std::vector<float> got = get(y);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        const float *wr = &wd[(ids[m] * N + n) * K];
        double ref = 0;
        for (int64_t k = 0; k < K; ++k)
          ref += double(x[m * K + k]) * wr[k];
        ASSERT_NEAR(got[m * N + n], ref, act_quant_bound(&x[m * K], wr, K, ref)) << dt;
      }

    // Embedding lookup: dequantized rows, exactly the reference values; raw rows as blocks.
    std::vector<float> table_d;
    plinth_tensor *table = quantized(w, {E * N, K}, dt, table_d);
    const std::vector<int32_t> rows{5, 0, 59, 5};
    plinth_tensor *out = zeros({4, K});
    ASSERT_EQ(ops->get_rows(ctx, table, from_i32(rows, {4}), out), PLINTH_OK) << last_error();
    const std::vector<float> emb = get(out);
    for (size_t i = 0; i < rows.size(); ++i)
      for (int64_t k = 0; k < K; ++k)
        ASSERT_EQ(emb[i * K + k], table_d[rows[i] * K + k]) << dt;
    plinth_tensor *raw = make(dt, {4, K});
    ASSERT_EQ(ops->get_rows(ctx, table, from_i32(rows, {4}), raw), PLINTH_OK) << last_error();
    EXPECT_EQ(get_as_f32(raw), emb);
    EXPECT_EQ(get_as_f32(table), table_d); // copy() dequantizes

    // Ops that address single elements refuse block-quantized tensors.
    const int32_t perm[2] = {1, 0};
    EXPECT_EQ(ops->permute(ctx, table, perm, zeros({K, E * N})), PLINTH_ERR_UNSUPPORTED);
    EXPECT_EQ(ops->fill(ctx, raw, 1.0f), PLINTH_ERR_UNSUPPORTED);
  }
  // A quantized tensor's last dim must be whole blocks.
  plinth_tensor *t = nullptr;
  const int64_t bad[2] = {2, 40};
  EXPECT_EQ(ops->tensor_new(ctx, PLINTH_DTYPE_Q4_0, 2, bad, &t), PLINTH_ERR_INVALID_ARGUMENT);
}

// The AVX2 kernels against the portable ones: identical activation bytes, close products.
TEST(CpuQuantKernels, Avx2MatchesPortable) {
  using namespace plinth::cpu;
  const Kernels *fast = avx2_kernels();
  if (!fast) GTEST_SKIP() << "no AVX2 on this CPU";
  const Kernels &ref = scalar_kernels();
  const int64_t K = 320, N = 21;
  const std::vector<float> x = random_floats(4 * K, 80, -3.0f, 3.0f);
  std::vector<unsigned char> sa(qacts_bytes(4, K)), sb(qacts_bytes(4, K));
  const QActs a = qacts_in(sa.data(), 4, K), b = qacts_in(sb.data(), 4, K);
  for (int64_t m = 0; m < 4; ++m) {
    fast->quantize_acts(x.data() + m * K, K, m, a);
    ref.quantize_acts(x.data() + m * K, K, m, b);
  }
  const int64_t nb = 4 * K / 32;
  EXPECT_EQ(std::vector<int8_t>(a.q, a.q + nb * 32), std::vector<int8_t>(b.q, b.q + nb * 32));
  EXPECT_EQ(std::vector<float>(a.d, a.d + nb), std::vector<float>(b.d, b.d + nb));
  EXPECT_EQ(std::vector<float>(a.s8, a.s8 + nb), std::vector<float>(b.s8, b.s8 + nb));
  EXPECT_EQ(std::vector<int8_t>(a.qp, a.qp + nb * 32), std::vector<int8_t>(b.qp, b.qp + nb * 32));
  // qp is q reordered: block 1's element 3 sits in the first group's pair 1, low half.
  EXPECT_EQ(a.qp[64 + 3], a.q[32 + 3]);
  EXPECT_EQ(a.qp[64 + 16 + 3], a.q[5 * 32 + 3]);
  EXPECT_EQ(a.qp[64 + 32 + 3], a.q[32 + 16 + 3]);

  const std::vector<float> w = random_floats(N * K, 81);
  for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
    std::vector<uint8_t> q(N * plinth::row_bytes(dt, K)), qg(q.size());
    plinth::quantize_rows(w.data(), N, K, dt, q.data());
    plinth::cpu::group_rows(dt, q.data(), qg.data(), N, K / 32); // GEMV reads grouped rows
    auto fast_gemv = dt == PLINTH_DTYPE_Q8_0 ? fast->gemv_q8_0 : fast->gemv_q4_0;
    auto ref_gemv = dt == PLINTH_DTYPE_Q8_0 ? ref.gemv_q8_0 : ref.gemv_q4_0;
    for (int64_t M = 1; M <= kGemvMaxActs; ++M) {
      std::vector<float> yf(M * N), yr(M * N);
      fast_gemv(qg.data(), N, K, a, M, yf.data(), N);
      ref_gemv(qg.data(), N, K, b, M, yr.data(), N);
      for (size_t i = 0; i < yf.size(); ++i)
        ASSERT_NEAR(yf[i], yr[i], 1e-4 * (1 + std::abs(yr[i]))) << dt << " M " << M;
    }
    std::vector<float> df(N * K), dr(N * K);
    auto fast_deq = dt == PLINTH_DTYPE_Q8_0 ? fast->q8_0_to_f32 : fast->q4_0_to_f32;
    auto ref_deq = dt == PLINTH_DTYPE_Q8_0 ? ref.q8_0_to_f32 : ref.q4_0_to_f32;
    fast_deq(q.data(), df.data(), N * K);
    ref_deq(q.data(), dr.data(), N * K);
    EXPECT_EQ(df, dr);
  }
  // Float GEMV kernels, including a K that is not a multiple of the vector width.
  const int64_t Kf = 77;
  const std::vector<float> wf = random_floats(N * Kf, 82), xf = random_floats(4 * Kf, 83);
  std::vector<uint16_t> wh(N * Kf);
  ref.f32_to_f16(wf.data(), wh.data(), N * Kf);
  for (int64_t M = 1; M <= kGemvMaxActs; ++M) {
    std::vector<float> yf(M * N), yr(M * N);
    fast->gemv_f16(wh.data(), N, Kf, F32Acts{xf.data()}, M, yf.data(), N);
    ref.gemv_f16(wh.data(), N, Kf, F32Acts{xf.data()}, M, yr.data(), N);
    for (size_t i = 0; i < yf.size(); ++i)
      ASSERT_NEAR(yf[i], yr[i], 1e-5 * (1 + std::abs(yr[i]))) << "f16 M " << M;
    fast->gemv_f32(wf.data(), N, Kf, F32Acts{xf.data()}, M, yf.data(), N);
    ref.gemv_f32(wf.data(), N, Kf, F32Acts{xf.data()}, M, yr.data(), N);
    for (size_t i = 0; i < yf.size(); ++i)
      ASSERT_NEAR(yf[i], yr[i], 1e-5 * (1 + std::abs(yr[i]))) << "f32 M " << M;
  }
}

} // namespace
