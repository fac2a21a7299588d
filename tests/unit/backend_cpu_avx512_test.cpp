// The AVX-512 kernel set against the portable one: identical quantized activations (qp in the
// AVX-512 order), close products for every weight dtype and 1..4 activation rows, at row
// lengths with and without a tail after the vector / block-group width, and no read past the
// end of the weights (a guard page follows them). Skipped on CPUs without AVX-512.
#include "backend_cpu_fixture.hpp"

#include "../../backends/cpu/kernels.hpp"
#include "../../backends/cpu/quant_layout.hpp"
#include "quantize.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

using namespace cpu_test;
using namespace plinth::cpu;

namespace {

// Bytes placed so that they end exactly where an inaccessible page begins.
class GuardedBytes {
public:
  explicit GuardedBytes(const std::vector<uint8_t> &bytes) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t data_pages = (bytes.size() + page - 1) / page;
    len_ = (data_pages + 1) * page;
    base_ = static_cast<uint8_t *>(
        mmap(nullptr, len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(base_, MAP_FAILED);
    EXPECT_EQ(mprotect(base_ + data_pages * page, page, PROT_NONE), 0);
    data_ = base_ + data_pages * page - bytes.size();
    std::memcpy(data_, bytes.data(), bytes.size());
  }
  ~GuardedBytes() { munmap(base_, len_); }
  const uint8_t *data() const { return data_; }

private:
  uint8_t *base_ = nullptr, *data_ = nullptr;
  size_t len_ = 0;
};

void expect_close(const std::vector<float> &got, const std::vector<float> &want, double rel,
                  const std::string &what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], rel * (1 + std::abs(want[i]))) << what << " at " << i;
}

TEST(CpuAvx512Kernels, QuantizedMatchPortable) {
  const Kernels *fast = avx512_kernels();
  if (!fast) GTEST_SKIP() << "no AVX-512 (F/BW/VL/DQ/VNNI/VBMI) on this CPU";
  const Kernels &ref = scalar_kernels();
  // 10 blocks: one group of 8 and a tail of 2; 8: groups only; 3: tail only; 64 as in a model.
  for (int64_t K : {320, 256, 96, 2048}) {
    const int64_t N = 13, nb = K / 32;
    const std::vector<float> x = random_floats(4 * K, 90, -3.0f, 3.0f);
    std::vector<unsigned char> sa(qacts_bytes(4, K)), sb(qacts_bytes(4, K));
    const QActs a = qacts_in(sa.data(), 4, K), b = qacts_in(sb.data(), 4, K);
    for (int64_t m = 0; m < 4; ++m) {
      fast->quantize_acts(x.data() + m * K, K, m, a);
      ref.quantize_acts(x.data() + m * K, K, m, b);
    }
    const int64_t n = 4 * nb;
    EXPECT_EQ(std::vector<int8_t>(a.q, a.q + n * 32), std::vector<int8_t>(b.q, b.q + n * 32));
    EXPECT_EQ(std::vector<float>(a.d, a.d + n), std::vector<float>(b.d, b.d + n));
    EXPECT_EQ(std::vector<float>(a.s8, a.s8 + n), std::vector<float>(b.s8, b.s8 + n));
    if (nb >= 8) {
      // quad order: block 1's element 3 is the second 16 bytes of the first 64; its element
      // 16 + 3 the second 16 bytes of the next 64; block 5 starts the second 128.
      EXPECT_EQ(a.qp[16 + 3], a.q[32 + 3]);
      EXPECT_EQ(a.qp[64 + 16 + 3], a.q[32 + 16 + 3]);
      EXPECT_EQ(a.qp[128 + 16 + 3], a.q[5 * 32 + 3]);
    }
    const std::vector<float> w = random_floats(N * K, 91);
    for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
      std::vector<uint8_t> q(N * plinth::row_bytes(dt, K));
      std::vector<uint8_t> abi(q.size());
      plinth::quantize_rows(w.data(), N, K, dt, abi.data());
      plinth::cpu::group_rows(dt, abi.data(), q.data(), N, nb); // the backend's layout
      const GuardedBytes guarded(q);
      auto fast_gemv = dt == PLINTH_DTYPE_Q8_0 ? fast->gemv_q8_0 : fast->gemv_q4_0;
      auto ref_gemv = dt == PLINTH_DTYPE_Q8_0 ? ref.gemv_q8_0 : ref.gemv_q4_0;
      for (int64_t M = 1; M <= kGemvMaxActs; ++M) {
        std::vector<float> yf(M * N), yr(M * N);
        fast_gemv(guarded.data(), N, K, a, M, yf.data(), N);
        ref_gemv(q.data(), N, K, b, M, yr.data(), N);
        expect_close(yf, yr, 1e-4,
                     std::string(dt == PLINTH_DTYPE_Q8_0 ? "q8" : "q4") + " K " +
                         std::to_string(K) + " M " + std::to_string(M));
      }
    }
  }
}

TEST(CpuAvx512Kernels, FloatMatchPortable) {
  const Kernels *fast = avx512_kernels();
  if (!fast) GTEST_SKIP() << "no AVX-512 (F/BW/VL/DQ/VNNI/VBMI) on this CPU";
  const Kernels &ref = scalar_kernels();
  // Tails after 16 and 64 values, a K below one vector, whole steps.
  for (int64_t K : {77, 200, 5, 128}) {
    const int64_t N = 9;
    const std::vector<float> wf = random_floats(N * K, 92), xf = random_floats(4 * K, 93);
    std::vector<uint16_t> wh(N * K), wb(N * K);
    ref.f32_to_f16(wf.data(), wh.data(), N * K);
    ref.f32_to_bf16(wf.data(), wb.data(), N * K);
    auto bytes = [](const void *p, size_t n) {
      return std::vector<uint8_t>(static_cast<const uint8_t *>(p),
                                  static_cast<const uint8_t *>(p) + n);
    };
    const GuardedBytes gf(bytes(wf.data(), wf.size() * 4)), gh(bytes(wh.data(), wh.size() * 2)),
        gb(bytes(wb.data(), wb.size() * 2));
    for (int64_t M = 1; M <= kGemvMaxActs; ++M) {
      const std::string at = " K " + std::to_string(K) + " M " + std::to_string(M);
      std::vector<float> yf(M * N), yr(M * N);
      fast->gemv_f32(reinterpret_cast<const float *>(gf.data()), N, K, F32Acts{xf.data()}, M,
                     yf.data(), N);
      ref.gemv_f32(wf.data(), N, K, F32Acts{xf.data()}, M, yr.data(), N);
      expect_close(yf, yr, 1e-5, "f32" + at);
      fast->gemv_f16(reinterpret_cast<const uint16_t *>(gh.data()), N, K, F32Acts{xf.data()}, M,
                     yf.data(), N);
      ref.gemv_f16(wh.data(), N, K, F32Acts{xf.data()}, M, yr.data(), N);
      expect_close(yf, yr, 1e-5, "f16" + at);
      fast->gemv_bf16(reinterpret_cast<const uint16_t *>(gb.data()), N, K, F32Acts{xf.data()}, M,
                      yf.data(), N);
      ref.gemv_bf16(wb.data(), N, K, F32Acts{xf.data()}, M, yr.data(), N);
      expect_close(yf, yr, 1e-5, "bf16" + at);
    }
  }
}

} // namespace
