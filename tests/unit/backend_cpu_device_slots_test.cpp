// CPU backend: the ops that read positions from backend tensors where they run
// (set_slice_dev, attention's kv_len_dev / q_offset_dev) give exactly what the host-valued
// forms give, reject out-of-range values, and the op table leaves the graph slots NULL.
#include "backend_cpu_fixture.hpp"

#include <cmath>

using namespace cpu_test;

namespace {

class CpuDeviceSlots : public CpuBackend {};

TEST_F(CpuDeviceSlots, TableHasSetSliceDevAndNoGraphs) {
  ASSERT_GE(ops->struct_size, sizeof(plinth_backend_ops));
  EXPECT_NE(ops->set_slice_dev, nullptr);
  EXPECT_EQ(ops->graph_begin, nullptr);
  EXPECT_EQ(ops->graph_end, nullptr);
  EXPECT_EQ(ops->graph_launch, nullptr);
  EXPECT_EQ(ops->graph_free, nullptr);
}

TEST_F(CpuDeviceSlots, SetSliceDevEqualsSetSlice) {
  const Shape whole{2, 7, 3, 4}, part{2, 2, 3, 4};
  const std::vector<float> base = random_floats(count(whole), 1);
  const std::vector<float> src = random_floats(count(part), 2);
  for (int32_t start = 0; start <= 5; ++start) {
    plinth_tensor *a = from(base, whole), *b = from(base, whole);
    ASSERT_EQ(ops->set_slice(ctx, a, 1, start, from(src, part)), PLINTH_OK) << last_error();
    plinth_tensor *at = from_i32({start}, {1});
    ASSERT_EQ(ops->set_slice_dev(ctx, b, 1, at, from(src, part)), PLINTH_OK) << last_error();
    EXPECT_EQ(get(a), get(b)) << "start " << start;
  }
  // The value is read when the op runs: rewriting the same tensor moves the next write.
  plinth_tensor *c = from(base, whole), *at = from_i32({0}, {1});
  const int32_t three = 3;
  ASSERT_EQ(ops->write(ctx, at, &three, sizeof three, 0), PLINTH_OK);
  ASSERT_EQ(ops->set_slice_dev(ctx, c, 1, at, from(src, part)), PLINTH_OK) << last_error();
  plinth_tensor *d = from(base, whole);
  ASSERT_EQ(ops->set_slice(ctx, d, 1, 3, from(src, part)), PLINTH_OK);
  EXPECT_EQ(get(c), get(d));
}

TEST_F(CpuDeviceSlots, SetSliceDevRejectsBadStartsAndShapes) {
  plinth_tensor *dst = zeros({2, 7, 3}), *src = zeros({2, 2, 3});
  expect_rejected(ops->set_slice_dev(ctx, dst, 1, from_i32({6}, {1}), src), "set_slice_dev");
  expect_rejected(ops->set_slice_dev(ctx, dst, 1, from_i32({-1}, {1}), src), "set_slice_dev");
  expect_rejected(ops->set_slice_dev(ctx, dst, 1, from_i32({0, 1}, {2}), src), "set_slice_dev");
  expect_rejected(ops->set_slice_dev(ctx, dst, 1, from({0.0f}, {1}), src), "set_slice_dev");
  expect_rejected(ops->set_slice_dev(ctx, dst, 0, from_i32({0}, {1}), src), "set_slice_dev");
  expect_rejected(ops->set_slice_dev(ctx, src, 1, from_i32({0}, {1}), dst), "set_slice_dev");
}

// One decode-shaped attention with host kv_len / q_offset, and the same with the values in
// i32 tensors and the host kv_len as the bound (0 = Tk, or an explicit bound).
void expect_same_attention(CpuDeviceSlots &t, int64_t kv_len, int64_t q_offset, int64_t bound,
                           int causal, int window, bool mask, bool probs) {
  const int64_t B = 2, Tq = 2, Tk = 11, Hq = 4, Hkv = 2, D = 8, Dv = 6;
  const std::vector<float> q = random_floats(B * Tq * Hq * D, 10);
  const std::vector<float> k = random_floats(B * Tk * Hkv * D, 11);
  const std::vector<float> v = random_floats(B * Tk * Hkv * Dv, 12);
  std::vector<int32_t> m(B * Tk, 1);
  for (int64_t j = 0; j < Tk; j += 4)
    m[j] = 0;
  plinth_attention_args args{};
  args.struct_size = sizeof(args);
  args.q = t.from(q, {B, Tq, Hq, D});
  args.k = t.from(k, {B, Tk, Hkv, D});
  args.v = t.from(v, {B, Tk, Hkv, Dv});
  args.scale = 0.3f;
  args.causal = causal;
  args.window = window;
  args.key_mask = mask ? t.from_i32(m, {B, Tk}) : nullptr;

  args.out = t.zeros({B, Tq, Hq, Dv});
  args.probs = probs ? t.zeros({B, Hq, Tq, Tk}) : nullptr;
  args.kv_len = kv_len;
  args.q_offset = q_offset;
  ASSERT_EQ(t.ops->attention(t.ctx, &args), PLINTH_OK) << last_error();
  const std::vector<float> want = t.get(args.out);
  const std::vector<float> want_p = probs ? t.get(args.probs) : std::vector<float>{};

  args.out = t.zeros({B, Tq, Hq, Dv});
  args.probs = probs ? t.zeros({B, Hq, Tq, Tk}) : nullptr;
  args.kv_len = bound;
  args.q_offset = 12345; // ignored: q_offset_dev wins
  args.kv_len_dev = t.from_i32({static_cast<int32_t>(kv_len)}, {1});
  args.q_offset_dev = t.from_i32({static_cast<int32_t>(q_offset)}, {1});
  ASSERT_EQ(t.ops->attention(t.ctx, &args), PLINTH_OK) << last_error();
  EXPECT_EQ(t.get(args.out), want) << "kv_len " << kv_len << " q_offset " << q_offset;
  if (probs) {
    EXPECT_EQ(t.get(args.probs), want_p);
  }
}

TEST_F(CpuDeviceSlots, AttentionDevValuesEqualHostValues) {
  for (int64_t kv_len : {2, 5, 11})
    for (int causal : {0, 1}) {
      const int64_t q_offset = kv_len - 2; // the step's two new tokens are the last slots
      expect_same_attention(*this, kv_len, q_offset, 0, causal, 0, false, false);
      expect_same_attention(*this, kv_len, q_offset, 11, causal, 3, true, true);
    }
}

TEST_F(CpuDeviceSlots, AttentionRejectsDevValuesOutsideTheBound) {
  const int64_t B = 1, Tq = 1, Tk = 6, H = 2, D = 4;
  plinth_attention_args args{};
  args.struct_size = sizeof(args);
  args.q = zeros({B, Tq, H, D});
  args.k = zeros({B, Tk, H, D});
  args.v = zeros({B, Tk, H, D});
  args.out = zeros({B, Tq, H, D});
  args.scale = 1.0f;
  args.kv_len = 4;
  args.kv_len_dev = from_i32({5}, {1}); // above the bound 4
  expect_rejected(ops->attention(ctx, &args), "attention");
  args.kv_len_dev = from_i32({-1}, {1});
  expect_rejected(ops->attention(ctx, &args), "attention");
  args.kv_len_dev = from_i32({4}, {1});
  args.q_offset_dev = from_i32({-2}, {1});
  expect_rejected(ops->attention(ctx, &args), "attention");
  args.q_offset_dev = from_i32({1, 2}, {2});
  expect_rejected(ops->attention(ctx, &args), "attention");
  // A caller built against the older layout (struct_size without the _dev fields) is not
  // read past its struct: the stale pointer left here must be ignored.
  args.struct_size = offsetof(plinth_attention_args, kv_len_dev);
  args.kv_len_dev = from_i32({99}, {1});
  EXPECT_EQ(ops->attention(ctx, &args), PLINTH_OK) << last_error();
}

} // namespace
