// CPU attention gives exactly the bits of the straightforward torch-order computation, whatever
// the path it takes (keys transposed per task in tiles when decoding, once per call for prompts)
// and however it splits the rows between threads: every score one FMA chain over d from d = 0,
// then times scale; hidden keys -inf, bias added, torch's softmax; outputs accumulated key by key
// in order with the kernel set's axpy, zero weights skipped. The reference below is that
// computation written out, as the backend did it before it learnt to skip the full transposition.
// Built with -ffp-contract=off (tests/CMakeLists.txt) so the compiler fuses nothing here.
#include "../../backends/cpu/kernels.hpp"
#include "../../backends/cpu/torch_order.hpp"
#include "backend_cpu_fixture.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

using namespace cpu_test;

namespace {

struct Case {
  int64_t B, Tq, Tk, Hq, Hkv, D, Dv;
  int64_t kv_len; // 0: all Tk keys, as the op reads it
  int64_t q_offset, window;
  bool causal, mask, bias, bias_per_batch, probs;
  int32_t kv_len_dev = -1; // >= 0: given as kv_len_dev (kv_len then only bounds it)
};

struct Inputs {
  std::vector<float> q, k, v, bias;
  std::vector<int32_t> mask;
  int64_t bias_b = 0, bias_h = 0;
};

// Attention of one case as the old code computed it (scalar loops in the same order).
void reference(Case c, const Inputs &in, float scale, std::vector<float> &out,
               std::vector<float> &probs) {
  const plinth::cpu::Kernels &kern = plinth::cpu::kernels();
  c.kv_len = c.kv_len_dev >= 0 ? c.kv_len_dev : c.kv_len ? c.kv_len : c.Tk;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  const int64_t group = c.Hq / c.Hkv;
  out.assign(static_cast<size_t>(c.B * c.Tq * c.Hq * c.Dv), 0.0f);
  probs.assign(static_cast<size_t>(c.B * c.Hq * c.Tq * c.Tk), 0.0f);
  std::vector<float> s(static_cast<size_t>(std::max<int64_t>(c.kv_len, 1)));
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.Hq; ++h)
      for (int64_t i = 0; i < c.Tq; ++i) {
        const int64_t kh = h / group, qpos = c.q_offset + i;
        const float *qr = in.q.data() + ((b * c.Tq + i) * c.Hq + h) * c.D;
        int64_t first = 0, last = c.kv_len;
        if (c.causal) last = std::clamp<int64_t>(qpos + 1, 0, c.kv_len);
        if (c.window > 0) first = std::clamp<int64_t>(qpos - c.window + 1, 0, c.kv_len);
        float mx = neg_inf;
        for (int64_t j = 0; j < c.kv_len; ++j) {
          const bool shown = j >= first && j < last && (!c.mask || in.mask[b * c.Tk + j] != 0);
          if (!shown) {
            s[j] = neg_inf;
            continue;
          }
          const float *kr = in.k.data() + ((b * c.Tk + j) * c.Hkv + kh) * c.D;
          float a = 0.0f;
          for (int64_t d = 0; d < c.D; ++d)
            a = std::fma(qr[d], kr[d], a);
          s[j] = a * scale;
          if (c.bias) {
            const int64_t bb = in.bias_b == 1 ? 0 : b, bh = in.bias_h == 1 ? 0 : h;
            s[j] = s[j] + in.bias[((bb * in.bias_h + bh) * c.Tq + i) * c.Tk + j];
          }
          mx = std::max(mx, s[j]);
        }
        if (mx == neg_inf) {
          const float w = c.kv_len ? 1.0f / static_cast<float>(c.kv_len) : 0.0f;
          std::fill(s.begin(), s.begin() + c.kv_len, w);
        } else {
          plinth::cpu::torch_softmax_row(s.data(), c.kv_len, mx);
        }
        float *orow = out.data() + ((b * c.Tq + i) * c.Hq + h) * c.Dv;
        for (int64_t j = 0; j < c.kv_len; ++j)
          if (s[j] != 0.0f)
            kern.axpy(s[j], in.v.data() + ((b * c.Tk + j) * c.Hkv + kh) * c.Dv, orow, c.Dv);
        std::copy(s.begin(), s.begin() + c.kv_len,
                  probs.begin() + ((b * c.Hq + h) * c.Tq + i) * c.Tk);
      }
}

bool same_bits(const std::vector<float> &a, const std::vector<float> &b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// (Tq, D, threads)
class CpuAttentionOrder : public CpuBackend,
                          public ::testing::WithParamInterface<std::tuple<int, int, int>> {
protected:
  CpuAttentionOrder() : CpuBackend(std::get<2>(GetParam())) {}

  void run_case(const Case &c, uint32_t seed) {
    SCOPED_TRACE(::testing::Message()
                 << "B=" << c.B << " Tq=" << c.Tq << " Tk=" << c.Tk << " Hq=" << c.Hq
                 << " Hkv=" << c.Hkv << " D=" << c.D << " Dv=" << c.Dv << " kv_len=" << c.kv_len
                 << " kv_len_dev=" << c.kv_len_dev << " q_offset=" << c.q_offset
                 << " window=" << c.window << " causal=" << c.causal << " mask=" << c.mask
                 << " bias=" << c.bias << " probs=" << c.probs);
    Inputs in;
    // Wide values: scores spread over a large range, so some weights underflow to zero.
    in.q = random_floats(c.B * c.Tq * c.Hq * c.D, seed, -3.0f, 3.0f);
    in.k = random_floats(c.B * c.Tk * c.Hkv * c.D, seed + 1, -3.0f, 3.0f);
    in.v = random_floats(c.B * c.Tk * c.Hkv * c.Dv, seed + 2);
    in.mask.assign(static_cast<size_t>(c.B * c.Tk), 1);
    std::mt19937 rng(seed + 3);
    if (c.mask) {
      for (auto &m : in.mask)
        m = rng() % 4 != 0;
      if (c.B > 1) std::fill(in.mask.begin() + c.Tk, in.mask.begin() + 2 * c.Tk, 0); // none shown
    }
    in.bias_b = c.bias_per_batch ? c.B : 1;
    in.bias_h = c.bias_per_batch ? 1 : c.Hq;
    in.bias = random_floats(in.bias_b * in.bias_h * c.Tq * c.Tk, seed + 4, -2.0f, 2.0f);
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.D));

    plinth_tensor *out = zeros({c.B, c.Tq, c.Hq, c.Dv});
    plinth_tensor *probs = c.probs ? zeros({c.B, c.Hq, c.Tq, c.Tk}) : nullptr;
    plinth_attention_args args{};
    args.struct_size = sizeof(args);
    args.q = from(in.q, {c.B, c.Tq, c.Hq, c.D});
    args.k = from(in.k, {c.B, c.Tk, c.Hkv, c.D});
    args.v = from(in.v, {c.B, c.Tk, c.Hkv, c.Dv});
    args.out = out;
    args.kv_len = c.kv_len;
    args.q_offset = c.q_offset;
    args.scale = scale;
    args.causal = c.causal;
    args.window = c.window;
    args.key_mask = c.mask ? from_i32(in.mask, {c.B, c.Tk}) : nullptr;
    args.bias = c.bias ? from(in.bias, {in.bias_b, in.bias_h, c.Tq, c.Tk}) : nullptr;
    args.probs = probs;
    if (c.kv_len_dev >= 0) args.kv_len_dev = from_i32({c.kv_len_dev}, {1});
    ASSERT_EQ(ops->attention(ctx, &args), PLINTH_OK) << last_error();

    std::vector<float> want_out, want_probs;
    reference(c, in, scale, want_out, want_probs);
    EXPECT_TRUE(same_bits(get(out), want_out));
    if (probs) {
      EXPECT_TRUE(same_bits(get(probs), want_probs));
    }
  }
};

TEST_P(CpuAttentionOrder, MatchesTheWrittenOutOrderBitForBit) {
  const auto [Tq, D, threads] = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(Tq * 1000 + D * 10 + threads));
  uint32_t seed = 1;
  for (int64_t Tk : {1, 7, 8, 9, 31, 64, 200})
    for (int64_t group : {1, 2, 4})
      for (bool causal : {false, true}) {
        Case c{};
        c.B = 1 + rng() % 2;
        c.Hkv = 1 + rng() % 2;
        c.Hq = c.Hkv * group;
        c.Tq = Tq;
        c.Tk = Tk;
        c.D = D;
        // Mostly Dv = D; sometimes a width with a tail past the last 8 floats.
        c.Dv = rng() % 3 == 0 ? D + 4 : D;
        c.kv_len = rng() % 3 == 0 ? static_cast<int64_t>(rng() % (Tk + 1)) : Tk;
        c.q_offset = rng() % 2 ? static_cast<int64_t>(rng() % (Tk + 1)) : 0;
        c.window = rng() % 3 == 0 ? 1 + static_cast<int64_t>(rng() % Tk) : 0;
        c.causal = causal;
        c.mask = rng() % 3 == 0;
        c.bias = rng() % 3 == 0;
        c.bias_per_batch = rng() % 2;
        c.probs = rng() % 2;
        run_case(c, seed);
        seed += 10;
        if (HasFatalFailure()) return;
      }
}

// Every option at once on the decode shape, then a long prompt over a cache (the transposed-once
// path with many rows per kv head).
TEST_P(CpuAttentionOrder, DecodeAndPromptWithEveryOption) {
  const auto [Tq, D, threads] = GetParam();
  Case c{2, Tq, 200, 8, 2, D, D, 150, 140, 100, true, true, true, false, true};
  run_case(c, 7);
  c.Tq = 48, c.q_offset = 100;
  run_case(c, 8);
  c.kv_len_dev = 0; // an empty cache: zero outputs and probabilities
  run_case(c, 9);
  c.Tq = Tq, c.kv_len_dev = 77;
  run_case(c, 10);
}

INSTANTIATE_TEST_SUITE_P(Shapes, CpuAttentionOrder,
                         ::testing::Combine(::testing::Values(1, 3, 17),
                                            ::testing::Values(32, 64, 80, 128, 36),
                                            ::testing::Values(1, 2, 3)));

} // namespace
