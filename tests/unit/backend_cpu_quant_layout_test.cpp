// The CPU backend keeps Q8_0 / Q4_0 rows grouped (backends/cpu/quant_layout.hpp) and shows the
// ABI layout at its host boundary: grouping round trips, and tensor_from_host / write / read /
// copy / get_rows / tensor_view keep the ABI bytes a host sees exact.
#include "backend_cpu_fixture.hpp"

#include "../../backends/cpu/quant_layout.hpp"
#include "quantize.hpp"

#include <cstring>

using namespace cpu_test;
using plinth::cpu::group_rows;
using plinth::cpu::q_block;
using plinth::cpu::ungroup_rows;

namespace {

std::vector<uint8_t> quantized_bytes(int64_t rows, int64_t K, int32_t dt, uint32_t seed) {
  const std::vector<float> w = random_floats(static_cast<size_t>(rows * K), seed);
  std::vector<uint8_t> q(static_cast<size_t>(rows) * plinth::row_bytes(dt, K));
  plinth::quantize_rows(w.data(), rows, K, dt, q.data());
  return q;
}

class CpuQuantLayout : public CpuBackend {
public:
  plinth_tensor *upload(const std::vector<uint8_t> &abi, int32_t dt, const Shape &shape,
                        int32_t borrow = 0) {
    plinth_tensor *t = nullptr;
    EXPECT_EQ(ops->tensor_from_host(ctx, dt, static_cast<int32_t>(shape.size()), shape.data(),
                                    abi.data(), borrow, &t),
              PLINTH_OK)
        << last_error();
    kept_.push_back(t);
    return t;
  }
  std::vector<uint8_t> bytes_of(const plinth_tensor *t, size_t n, size_t offset = 0) {
    std::vector<uint8_t> v(n);
    EXPECT_EQ(ops->read(ctx, t, v.data(), n, offset), PLINTH_OK) << last_error();
    return v;
  }
  void TearDown() override {
    for (auto it = kept_.rbegin(); it != kept_.rend(); ++it)
      ops->tensor_free(ctx, *it);
    CpuBackend::TearDown();
  }

private:
  std::vector<plinth_tensor *> kept_;
};

} // namespace

TEST(CpuQuantGrouping, RoundTripsAndPlacesEveryBlock) {
  for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
    const size_t bb = dt == PLINTH_DTYPE_Q8_0 ? 34 : 18;
    // Tail only, one whole group, a group and a tail, two groups and a tail.
    for (int64_t nb : {1, 7, 8, 9, 16, 20}) {
      const int64_t rows = 3;
      const std::vector<uint8_t> abi = quantized_bytes(rows, nb * 32, dt, 7);
      std::vector<uint8_t> grouped(abi.size()), back(abi.size());
      group_rows(dt, abi.data(), grouped.data(), rows, nb);
      ungroup_rows(dt, grouped.data(), back.data(), rows, nb);
      EXPECT_EQ(back, abi) << dt << " nb " << nb;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t b = 0; b < nb; ++b) {
          const uint8_t *a = abi.data() + (r * nb + b) * bb;
          const auto ref = q_block(grouped.data() + r * nb * bb, b, nb, bb);
          ASSERT_EQ(std::memcmp(ref.scale, a, 2), 0) << dt << " nb " << nb << " block " << b;
          ASSERT_EQ(std::memcmp(ref.payload, a + 2, bb - 2), 0) << dt << " block " << b;
        }
      if (nb >= 8) { // a whole group starts with its 8 scales
        for (int64_t i = 0; i < 8; ++i)
          EXPECT_EQ(std::memcmp(grouped.data() + 2 * i, abi.data() + i * bb, 2), 0);
      }
    }
  }
}

TEST_F(CpuQuantLayout, HostsSeeTheAbiLayout) {
  for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
    const int64_t rows = 5, K = 320; // 10 blocks a row: a group and a tail
    const size_t rb = plinth::row_bytes(dt, K), all = rows * rb;
    const std::vector<uint8_t> abi = quantized_bytes(rows, K, dt, 11);
    plinth_tensor *t = upload(abi, dt, {rows, K});
    EXPECT_EQ(bytes_of(t, all), abi);
    // Partial reads, inside a row and across rows.
    for (size_t off : {size_t{0}, size_t{7}, rb - 3, 2 * rb}) {
      const size_t n = std::min<size_t>(rb + 100, all - off);
      EXPECT_EQ(bytes_of(t, n, off), std::vector<uint8_t>(abi.begin() + off, abi.begin() + off + n))
          << dt << " offset " << off;
    }
    // A borrowed quantized upload is a regrouped copy, not an alias.
    plinth_tensor *b = upload(abi, dt, {rows, K}, 1);
    EXPECT_NE(b->data, static_cast<const void *>(abi.data()));
    EXPECT_EQ(bytes_of(b, all), abi);

    // Partial writes land where the ABI bytes say.
    std::vector<uint8_t> want = abi;
    const std::vector<uint8_t> patch = quantized_bytes(2, K, dt, 12);
    const size_t off = rb / 2, n = rb + 40;
    std::memcpy(want.data() + off, patch.data(), n);
    ASSERT_EQ(ops->write(ctx, t, patch.data(), n, off), PLINTH_OK) << last_error();
    EXPECT_EQ(bytes_of(t, all), want);
    ASSERT_EQ(ops->write(ctx, t, abi.data(), all, 0), PLINTH_OK) << last_error();
    EXPECT_EQ(bytes_of(t, all), abi);

    // copy() to another row length regroups: the ABI bytes stay the same sequence of blocks.
    plinth_tensor *reshaped = make(dt, {rows * 2, K / 2});
    ASSERT_EQ(ops->copy(ctx, t, reshaped), PLINTH_OK) << last_error();
    EXPECT_EQ(bytes_of(reshaped, all), abi);
    std::vector<float> deq(static_cast<size_t>(rows * K)), ref(deq.size());
    for (int64_t r = 0; r < rows; ++r)
      plinth::dequantize_row(abi.data() + r * rb, K, dt, ref.data() + r * K);
    plinth_tensor *f = zeros({rows * 2, K / 2});
    ASSERT_EQ(ops->copy(ctx, reshaped, f), PLINTH_OK) << last_error();
    EXPECT_EQ(get(f), ref);

    // Raw row gathers copy grouped rows whole.
    plinth_tensor *raw = make(dt, {2, K});
    ASSERT_EQ(ops->get_rows(ctx, t, from_i32({3, 1}, {2}), raw), PLINTH_OK) << last_error();
    std::vector<uint8_t> rows_31(abi.begin() + 3 * rb, abi.begin() + 4 * rb);
    rows_31.insert(rows_31.end(), abi.begin() + rb, abi.begin() + 2 * rb);
    EXPECT_EQ(bytes_of(raw, 2 * rb), rows_31);

    // Views must start at a row and keep its length.
    plinth_tensor *v = nullptr;
    const int64_t two_rows[2] = {2, K};
    ASSERT_EQ(ops->tensor_view(ctx, t, 2 * K, 2, two_rows, &v), PLINTH_OK) << last_error();
    EXPECT_EQ(bytes_of(v, 2 * rb),
              std::vector<uint8_t>(abi.begin() + 2 * rb, abi.begin() + 4 * rb));
    ops->tensor_free(ctx, v);
    const int64_t mid[2] = {1, K};
    EXPECT_EQ(ops->tensor_view(ctx, t, 32, 2, mid, &v), PLINTH_ERR_UNSUPPORTED);
    const int64_t halves[2] = {2, K / 2};
    EXPECT_EQ(ops->tensor_view(ctx, t, 0, 2, halves, &v), PLINTH_ERR_UNSUPPORTED);
  }
}

// Zero-length rows and bad view arguments are errors or no-ops, never a crash.
TEST_F(CpuQuantLayout, EmptyRowsAndBadViews) {
  plinth_tensor *empty = make(PLINTH_DTYPE_Q8_0, {2, 0});
  EXPECT_EQ(ops->copy(ctx, empty, zeros({2, 0})), PLINTH_OK) << last_error();
  EXPECT_EQ(ops->copy(ctx, empty, make(PLINTH_DTYPE_Q8_0, {0, 32})), PLINTH_OK) << last_error();
  plinth_tensor *v = nullptr;
  EXPECT_NE(ops->tensor_view(ctx, empty, 0, 2, nullptr, &v), PLINTH_OK);
  const int64_t shape[2] = {2, 0};
  EXPECT_EQ(ops->tensor_view(ctx, empty, 0, 2, shape, &v), PLINTH_OK) << last_error();
  ops->tensor_free(ctx, v);
}

// Whole rows of a quantized tensor slice and set_slice as they are (MoE plugins pack experts
// this way); narrowing the last dim would cut blocks and is refused.
TEST_F(CpuQuantLayout, SlicesOfWholeRows) {
  for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
    const int64_t K = 320; // a group and a tail
    const size_t rb = plinth::row_bytes(dt, K);
    const std::vector<uint8_t> a = quantized_bytes(6, K, dt, 21),
                               e1 = quantized_bytes(4, K, dt, 22);
    plinth_tensor *packed = make(dt, {2, 4, K}); // two "experts" of 4 rows, zero-filled
    // Rows 1..3 of both experts, then all of expert 1.
    ASSERT_EQ(ops->set_slice(ctx, packed, 1, 1, upload(a, dt, {2, 3, K})), PLINTH_OK)
        << last_error();
    ASSERT_EQ(ops->set_slice(ctx, packed, 0, 1, upload(e1, dt, {1, 4, K})), PLINTH_OK)
        << last_error();
    const std::vector<uint8_t> got = bytes_of(packed, 8 * rb);
    EXPECT_TRUE(std::equal(a.begin(), a.begin() + 3 * rb, got.begin() + rb)) << dt;
    EXPECT_TRUE(std::equal(e1.begin(), e1.end(), got.begin() + 4 * rb)) << dt;
    plinth_tensor *part = make(dt, {2, 2, K});
    ASSERT_EQ(ops->slice(ctx, packed, 1, 2, part), PLINTH_OK) << last_error();
    std::vector<uint8_t> want_part;
    for (int64_t e = 0; e < 2; ++e)
      want_part.insert(want_part.end(), got.begin() + (e * 4 + 2) * rb,
                       got.begin() + (e * 4 + 4) * rb);
    EXPECT_EQ(bytes_of(part, 4 * rb), want_part) << dt;
    plinth_tensor *cut = make(dt, {2, 4, 32});
    EXPECT_EQ(ops->slice(ctx, packed, 2, 0, cut), PLINTH_ERR_UNSUPPORTED);
  }
}
