// CPU backend: attention (GQA, causal, sliding window, key_mask, bias, probs, fully masked
// rows), rotary embeddings (neox / GPT-J, partial, inv_freq, attention_factor) and the
// depthwise convolution, against naive references.
#include "backend_cpu_fixture.hpp"

#include <cmath>
#include <limits>

using namespace cpu_test;

namespace {

class CpuSequence : public CpuBackend {};

struct AttnCase {
  int64_t B, Tq, Tk, Hq, Hkv, D, Dv;
  int64_t kv_len, q_offset;
  int causal, window;
  bool mask, bias, bias_bcast_batch;
};

void run_attention_case(CpuSequence &t, const AttnCase &c, uint32_t seed) {
  const std::vector<float> q = random_floats(c.B * c.Tq * c.Hq * c.D, seed);
  const std::vector<float> k = random_floats(c.B * c.Tk * c.Hkv * c.D, seed + 1);
  const std::vector<float> v = random_floats(c.B * c.Tk * c.Hkv * c.Dv, seed + 2);
  std::vector<int32_t> mask(c.B * c.Tk, 1);
  if (c.mask) {
    for (int64_t j = 0; j < c.Tk; j += 3)
      mask[j] = 0; // batch 0: every third key hidden
    if (c.B > 1)
      for (int64_t j = 0; j < c.Tk; ++j)
        mask[c.Tk + j] = 0; // batch 1: nothing visible -> uniform rows
  }
  const int64_t bias_b = c.bias_bcast_batch ? 1 : c.B, bias_h = c.bias_bcast_batch ? c.Hq : 1;
  const std::vector<float> bias = random_floats(bias_b * bias_h * c.Tq * c.Tk, seed + 3);
  const float scale = 1.0f / std::sqrt(float(c.D));

  plinth_tensor *out = t.zeros({c.B, c.Tq, c.Hq, c.Dv});
  plinth_tensor *probs = t.zeros({c.B, c.Hq, c.Tq, c.Tk});
  plinth_attention_args args{};
  args.struct_size = sizeof(args);
  args.q = t.from(q, {c.B, c.Tq, c.Hq, c.D});
  args.k = t.from(k, {c.B, c.Tk, c.Hkv, c.D});
  args.v = t.from(v, {c.B, c.Tk, c.Hkv, c.Dv});
  args.out = out;
  args.kv_len = c.kv_len;
  args.q_offset = c.q_offset;
  args.scale = scale;
  args.causal = c.causal;
  args.window = c.window;
  args.key_mask = c.mask ? t.from_i32(mask, {c.B, c.Tk}) : nullptr;
  args.bias = c.bias ? t.from(bias, {bias_b, bias_h, c.Tq, c.Tk}) : nullptr;
  args.probs = probs;
  ASSERT_EQ(t.ops->attention(t.ctx, &args), PLINTH_OK) << last_error();
  const std::vector<float> got = t.get(out), gp = t.get(probs);

  const int64_t kv = c.kv_len ? c.kv_len : c.Tk, group = c.Hq / c.Hkv;
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.Hq; ++h)
      for (int64_t i = 0; i < c.Tq; ++i) {
        std::vector<double> w(c.Tk, 0.0);
        std::vector<bool> vis(c.Tk, false);
        double mx = -1e300;
        bool any = false;
        for (int64_t j = 0; j < kv; ++j) {
          const int64_t qpos = c.q_offset + i;
          vis[j] = mask[b * c.Tk + j] != 0 && (!c.causal || j <= qpos) &&
                   (c.window <= 0 || j > qpos - c.window);
          if (!vis[j]) continue;
          double s = 0;
          for (int64_t d = 0; d < c.D; ++d)
            s += double(q[((b * c.Tq + i) * c.Hq + h) * c.D + d]) *
                 k[((b * c.Tk + j) * c.Hkv + h / group) * c.D + d];
          s *= scale;
          if (c.bias)
            s += bias[(((c.bias_bcast_batch ? 0 : b) * bias_h + (bias_h == 1 ? 0 : h)) * c.Tq + i) *
                          c.Tk +
                      j];
          w[j] = s;
          mx = std::max(mx, s);
          any = true;
        }
        double sum = 0;
        for (int64_t j = 0; j < kv; ++j) {
          w[j] = any ? (vis[j] ? std::exp(w[j] - mx) : 0.0) : 1.0;
          sum += w[j];
        }
        for (int64_t j = 0; j < c.Tk; ++j) {
          w[j] = j < kv ? w[j] / sum : 0.0;
          ASSERT_NEAR(gp[((b * c.Hq + h) * c.Tq + i) * c.Tk + j], w[j], 1e-6)
              << "probs b" << b << " h" << h << " i" << i << " j" << j;
        }
        for (int64_t d = 0; d < c.Dv; ++d) {
          double o = 0;
          for (int64_t j = 0; j < kv; ++j)
            o += w[j] * v[((b * c.Tk + j) * c.Hkv + h / group) * c.Dv + d];
          ASSERT_NEAR(got[((b * c.Tq + i) * c.Hq + h) * c.Dv + d], o, 2e-6)
              << "out b" << b << " h" << h << " i" << i << " d" << d;
        }
      }
}

TEST_F(CpuSequence, AttentionMatchesReference) {
  const AttnCase cases[] = {
      // B Tq Tk Hq Hkv D Dv kv_len q_off causal window mask bias bcast
      {2, 5, 5, 4, 4, 8, 8, 0, 0, 0, 0, false, false, false},    // plain bidirectional
      {2, 5, 5, 4, 2, 8, 6, 0, 0, 1, 0, false, false, false},    // GQA causal, Dv != D
      {1, 3, 10, 6, 2, 16, 16, 7, 4, 1, 0, false, false, false}, // decode: kv_len, q_offset
      {2, 7, 7, 4, 1, 8, 8, 0, 0, 1, 3, false, false, false},    // MQA sliding window
      {2, 6, 6, 2, 2, 8, 8, 0, 0, 0, 0, true, false, false},     // key_mask, row fully masked
      {2, 6, 9, 4, 2, 8, 8, 8, 2, 1, 4, true, true, false},      // everything + bias [B,1,..]
      {2, 4, 4, 4, 2, 8, 8, 0, 0, 1, 0, false, true, true},      // bias [1,Hq,..]
  };
  uint32_t seed = 100;
  for (const AttnCase &c : cases) {
    SCOPED_TRACE("case with Tq " + std::to_string(c.Tq) + " Tk " + std::to_string(c.Tk));
    run_attention_case(*this, c, seed += 10);
  }
}

TEST_F(CpuSequence, AttentionRejectsBadShapes) {
  plinth_attention_args args{};
  args.struct_size = sizeof(args);
  args.q = from(random_floats(1 * 2 * 3 * 4, 1), {1, 2, 3, 4});
  args.k = from(random_floats(1 * 2 * 2 * 4, 1), {1, 2, 2, 4}); // 3 heads not multiple of 2
  args.v = from(random_floats(1 * 2 * 2 * 4, 1), {1, 2, 2, 4});
  args.out = zeros({1, 2, 3, 4});
  args.scale = 1.0f;
  expect_rejected(ops->attention(ctx, &args), "attention");
  args.k = from(random_floats(1 * 2 * 1 * 4, 1), {1, 2, 1, 4});
  args.v = from(random_floats(1 * 2 * 1 * 4, 1), {1, 2, 1, 4});
  ASSERT_EQ(ops->attention(ctx, &args), PLINTH_OK) << last_error();
  args.kv_len = 3;
  expect_rejected(ops->attention(ctx, &args), "attention");
  args.kv_len = 0;
  args.key_mask = from_i32({1, 1, 1}, {1, 3});
  expect_rejected(ops->attention(ctx, &args), "attention");
}

TEST_F(CpuSequence, RopeNeoxAndGptjMatchReference) {
  const int64_t B = 2, T = 5, H = 3, D = 16;
  const std::vector<float> x = random_floats(B * T * H * D, 200);
  const std::vector<int32_t> pos{0, 1, 2, 3, 4, 7, 100, 2000, 5, 9};
  for (int neox = 0; neox < 2; ++neox)
    for (int64_t rot : {16, 8})
      for (bool given : {false, true}) {
        const float theta = 10000.0f, factor = given ? 1.25f : 1.0f;
        std::vector<float> inv(rot / 2);
        for (int64_t i = 0; i < rot / 2; ++i)
          inv[i] = given ? 0.5f / float(i + 1) : 1.0f / std::pow(theta, float(2 * i) / float(rot));
        plinth_tensor *xt = from(x, {B, T, H, D});
        plinth_tensor *out = zeros({B, T, H, D});
        plinth_rope_args args{sizeof(plinth_rope_args),
                              xt,
                              from_i32(pos, {B, T}),
                              out,
                              theta,
                              static_cast<int32_t>(rot),
                              neox,
                              given ? from(inv, {rot / 2}) : nullptr,
                              factor,
                              0};
        ASSERT_EQ(ops->rope(ctx, &args), PLINTH_OK) << last_error();
        const std::vector<float> got = get(out);
        for (int64_t bt = 0; bt < B * T; ++bt)
          for (int64_t h = 0; h < H; ++h) {
            const float *xr = x.data() + (bt * H + h) * D;
            const float *yr = got.data() + (bt * H + h) * D;
            for (int64_t i = 0; i < rot / 2; ++i) {
              // Angle rounded to float32 as in transformers, then exact trig.
              const double ang = float(float(pos[bt]) * inv[i]);
              const double cs = std::cos(ang) * factor, sn = std::sin(ang) * factor;
              const int64_t i0 = neox ? i : 2 * i, i1 = neox ? i + rot / 2 : 2 * i + 1;
              ASSERT_NEAR(yr[i0], xr[i0] * cs - xr[i1] * sn, 2e-6) << neox << rot << given;
              ASSERT_NEAR(yr[i1], xr[i1] * cs + xr[i0] * sn, 2e-6) << neox << rot << given;
            }
            for (int64_t d = rot; d < D; ++d)
              ASSERT_EQ(yr[d], xr[d]);
          }
        // In place gives the same result.
        args.out = xt;
        ASSERT_EQ(ops->rope(ctx, &args), PLINTH_OK);
        EXPECT_EQ(get(xt), got);
      }
  plinth_rope_args bad{sizeof(plinth_rope_args),
                       from(x, {B, T, H, D}),
                       from_i32(pos, {B, T}),
                       zeros({B, T, H, D}),
                       10000.0f,
                       7,
                       1,
                       nullptr,
                       1.0f,
                       0};
  expect_rejected(ops->rope(ctx, &bad), "rope");
  bad.rot_dims = 8;
  bad.positions = from_i32({1, 2}, {2});
  expect_rejected(ops->rope(ctx, &bad), "rope");
}

TEST_F(CpuSequence, Conv1dDepthwise) {
  const int64_t B = 2, T = 9, C = 5, L = 4;
  const std::vector<float> x = random_floats(B * T * C, 300), k = random_floats(C * L, 301);
  for (int64_t center : {0, 1, 3}) {
    plinth_tensor *out = zeros({B, T, C});
    ASSERT_EQ(ops->conv1d_depthwise(ctx, from(x, {B, T, C}), from(k, {C, L}), center, out),
              PLINTH_OK)
        << last_error();
    const std::vector<float> got = get(out);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t)
        for (int64_t c = 0; c < C; ++c) {
          double s = 0;
          for (int64_t l = 0; l < L; ++l) {
            const int64_t src = t + l - center;
            if (src >= 0 && src < T) s += double(k[c * L + l]) * x[(b * T + src) * C + c];
          }
          ASSERT_NEAR(got[(b * T + t) * C + c], s, 1e-6);
        }
  }
  expect_rejected(
      ops->conv1d_depthwise(ctx, from(x, {B, T, C}), from(k, {L, C}), 0, zeros({B, T, C})),
      "conv1d_depthwise");
}

} // namespace

// An empty query (a zero-length prompt) or an empty batch has nothing to compute: the op
// succeeds and touches nothing.
TEST_F(CpuSequence, AttentionOnEmptyQueryOrBatch) {
  for (const Shape &qs : {Shape{1, 0, 4, 8}, Shape{0, 3, 4, 8}}) {
    const int64_t B = qs[0];
    plinth_attention_args args{};
    args.struct_size = sizeof(args);
    args.q = zeros(qs);
    args.k = zeros({B, 5, 2, 8});
    args.v = zeros({B, 5, 2, 8});
    args.out = zeros(qs);
    args.scale = 0.5f;
    args.causal = 1;
    EXPECT_EQ(ops->attention(ctx, &args), PLINTH_OK) << last_error();
  }
}
