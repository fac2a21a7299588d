// The CPU backend's packed GEMM (backends/cpu/gemm.hpp) for every weight dtype, on shapes
// that leave partial microkernel tiles in every dimension, for each instruction set this
// machine runs (AVX-512 and the AVX2 kernels, forced, on an AVX-512 machine).
//
// Each output must be exactly the sequential float FMA chain over k (the order the GEMM
// promises, whatever its blocking, threads or instruction set) and close to the
// double-precision product.
#include "../../backends/cpu/gemm.hpp"
#include "../../backends/cpu/half.hpp"
#include "../../backends/cpu/quant_layout.hpp"
#include "quantize.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using plinth::cpu::GemmIsa;

struct Weights {
  std::vector<uint8_t> bytes; // [N, K] in the dtype
  std::vector<float> values;  // what each element stands for, as f32
};

Weights make_weights(int32_t dt, int64_t N, int64_t K, std::mt19937 &rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> f(static_cast<size_t>(N * K));
  for (auto &v : f)
    v = dist(rng);
  Weights w;
  w.values.resize(f.size());
  switch (dt) {
  case PLINTH_DTYPE_F32:
    w.bytes.resize(f.size() * 4);
    std::memcpy(w.bytes.data(), f.data(), w.bytes.size());
    w.values = f;
    break;
  case PLINTH_DTYPE_F16:
  case PLINTH_DTYPE_BF16: {
    w.bytes.resize(f.size() * 2);
    auto *h = reinterpret_cast<uint16_t *>(w.bytes.data());
    for (size_t i = 0; i < f.size(); ++i) {
      h[i] = dt == PLINTH_DTYPE_F16 ? plinth::cpu::float_to_half(f[i])
                                    : plinth::cpu::float_to_bf16(f[i]);
      w.values[i] = dt == PLINTH_DTYPE_F16 ? plinth::cpu::half_to_float(h[i])
                                           : plinth::cpu::bf16_to_float(h[i]);
    }
    break;
  }
  default: {
    const size_t rb = plinth::row_bytes(dt, K);
    w.bytes.resize(static_cast<size_t>(N) * rb);
    std::vector<uint8_t> abi(w.bytes.size());
    plinth::quantize_rows(f.data(), N, K, dt, abi.data());
    for (int64_t n = 0; n < N; ++n)
      plinth::dequantize_row(abi.data() + n * rb, K, dt, w.values.data() + n * K);
    // The CPU backend keeps quantized rows grouped (quant_layout.hpp).
    plinth::cpu::group_rows(dt, abi.data(), w.bytes.data(), N, K / 32);
  }
  }
  return w;
}

std::vector<const GemmIsa *> isas() {
  std::vector<const GemmIsa *> v;
  if (const GemmIsa *i = plinth::cpu::gemm_isa_avx512()) v.push_back(i);
  if (const GemmIsa *i = plinth::cpu::gemm_isa_avx2()) v.push_back(i);
  return v;
}

// Runs every shape in (Ms x Ns x Ks) for one dtype on each instruction set and thread count.
void check_dtype(int32_t dt, const std::vector<int64_t> &Ms, const std::vector<int64_t> &Ns,
                 const std::vector<int64_t> &Ks) {
  const auto sets = isas();
  if (sets.empty()) GTEST_SKIP() << "no AVX2 on this CPU: the GEMM is not used";
  std::mt19937 rng(static_cast<unsigned>(dt) * 7919u + 1u);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  plinth::cpu::ThreadPool one(1), three(3);
  plinth::cpu::GemmScratch scratch; // shared by every call: buffers must grow correctly
  for (int64_t K : Ks)
    for (int64_t N : Ns) {
      const Weights w = make_weights(dt, N, K, rng);
      for (int64_t M : Ms) {
        std::vector<float> x(static_cast<size_t>(M * K));
        for (auto &v : x)
          v = dist(rng);
        // The promised rounding: one float FMA per k, in order, from 0.
        const int64_t ldy = N + 3;
        std::vector<float> fma_ref(static_cast<size_t>(M * ldy), -7.0f);
        std::vector<double> tol(fma_ref.size());
        for (int64_t m = 0; m < M; ++m)
          for (int64_t n = 0; n < N; ++n) {
            float acc = 0.0f;
            double exact = 0.0, mag = 0.0;
            for (int64_t k = 0; k < K; ++k) {
              const float a = x[m * K + k], b = w.values[n * K + k];
              acc = std::fma(a, b, acc);
              exact += static_cast<double>(a) * b;
              mag += std::fabs(static_cast<double>(a) * b);
            }
            fma_ref[m * ldy + n] = acc;
            // The float chain against the exact sum: K roundings of at most 2^-24 * mag.
            EXPECT_NEAR(acc, exact, 1e-7 * static_cast<double>(K) * mag + 1e-30);
          }
        for (const GemmIsa *isa : sets)
          for (plinth::cpu::ThreadPool *pool : {&one, &three}) {
            std::vector<float> y(fma_ref.size(), -7.0f); // the gaps past N stay untouched
            plinth::cpu::gemm_weights(*pool, scratch, x.data(), M, K, w.bytes.data(), dt, N,
                                      y.data(), ldy, isa);
            int64_t bad = 0;
            for (size_t i = 0; i < y.size() && bad < 5; ++i)
              if (std::memcmp(&y[i], &fma_ref[i], 4) != 0) {
                ADD_FAILURE() << isa->name << " threads " << pool->size() << " dtype " << dt
                              << " M " << M << " N " << N << " K " << K << " at m " << i / ldy
                              << " n " << i % ldy << ": " << y[i] << " vs " << fma_ref[i];
                ++bad;
              }
          }
      }
    }
}

const std::vector<int64_t> kMs = {1, 9, 16, 17, 33, 47, 64, 100, 200};
const std::vector<int64_t> kNs = {1, 7, 13, 37, 100};

TEST(CpuGemm, F32) { check_dtype(PLINTH_DTYPE_F32, kMs, kNs, {1, 5, 31, 100, 300, 777}); }
TEST(CpuGemm, F16) { check_dtype(PLINTH_DTYPE_F16, kMs, kNs, {3, 33, 270, 529}); }
TEST(CpuGemm, BF16) { check_dtype(PLINTH_DTYPE_BF16, kMs, kNs, {17, 47, 300}); }
TEST(CpuGemm, Q8_0) { check_dtype(PLINTH_DTYPE_Q8_0, kMs, kNs, {32, 96, 288, 544}); }
TEST(CpuGemm, Q4_0) { check_dtype(PLINTH_DTYPE_Q4_0, kMs, kNs, {32, 160, 544}); }

// Large enough for several tiles per thread, k blocks, row blocks and (K = 4000) slices of
// the activation rows.
TEST(CpuGemm, ManyTilesAndBlocks) {
  check_dtype(PLINTH_DTYPE_F16, {130, 300}, {700}, {1100});
  check_dtype(PLINTH_DTYPE_Q8_0, {300}, {37}, {4000});
}

// Several tiles per thread with K in whole conversion units: the AVX-512 kernels convert
// each next tile inside their k loops.
TEST(CpuGemm, FusedConversionEveryDtype) {
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16, PLINTH_DTYPE_Q8_0,
                     PLINTH_DTYPE_Q4_0})
    check_dtype(dt, {40, 77}, {290}, {512});
}

TEST(CpuGemm, ZeroK) {
  plinth::cpu::ThreadPool pool(2);
  plinth::cpu::GemmScratch scratch;
  std::vector<float> x(1), y(12, 5.0f);
  if (!plinth::cpu::gemm_isa_best()) GTEST_SKIP() << "no AVX2";
  plinth::cpu::gemm_weights(pool, scratch, x.data(), 3, 0, nullptr, PLINTH_DTYPE_F16, 4, y.data(),
                            4);
  for (float v : y)
    EXPECT_EQ(v, 0.0f);
}

} // namespace
