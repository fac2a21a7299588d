// CPU backend: memory, data movement, elementwise, normalisation and reduction ops against
// naive references on small random tensors.
#include "backend_cpu_fixture.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace cpu_test;

namespace {

class CpuOps : public CpuBackend {};

TEST_F(CpuOps, DescribesItself) {
  EXPECT_EQ(vt->device_count(), 1);
  EXPECT_STREQ(vt->device_kinds[0], "cpu");
  const std::string d = vt->describe(ctx);
  EXPECT_NE(d.find("CPU (2 threads"), std::string::npos) << d;
  EXPECT_NE(d.find("OpenBLAS"), std::string::npos) << d;
}

TEST_F(CpuOps, CreateRejectsBadOptions) {
  plinth_backend_options opts{sizeof(plinth_backend_options), 0, 3};
  plinth_backend_ctx *other = nullptr;
  EXPECT_EQ(vt->context_create(&opts, &other), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(last_error().find("device_index"), std::string::npos);
  ASSERT_EQ(vt->context_create(nullptr, &other), PLINTH_OK); // defaults
  vt->context_free(other);
}

// A tensor larger than the machine's memory (a 16 TiB KV cache) is refused with the size
// asked for, before any page is touched.
TEST_F(CpuOps, TensorsLargerThanMemoryAreRefused) {
  const int64_t shape[] = {int64_t{1} << 20, int64_t{1} << 20, 4};
  plinth_tensor *t = nullptr;
  EXPECT_EQ(ops->tensor_new(ctx, PLINTH_DTYPE_F32, 3, shape, &t), PLINTH_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(t, nullptr);
  EXPECT_NE(last_error().find("a tensor of 17592186044416 bytes is larger than"), std::string::npos)
      << last_error();
}

TEST_F(CpuOps, WriteReadViewAndBorrow) {
  plinth_tensor *t = make(PLINTH_DTYPE_F32, {2, 3});
  EXPECT_EQ(get(t), std::vector<float>(6, 0.0f)); // fresh tensors are zero
  const std::vector<float> v{1, 2, 3, 4, 5, 6};
  ASSERT_EQ(ops->write(ctx, t, v.data(), 24, 0), PLINTH_OK);
  const float seven = 7.0f;
  ASSERT_EQ(ops->write(ctx, t, &seven, 4, 8), PLINTH_OK);
  EXPECT_EQ(get(t), (std::vector<float>{1, 2, 7, 4, 5, 6}));
  expect_rejected(ops->write(ctx, t, v.data(), 24, 4), "write");
  float back[2];
  expect_rejected(ops->read(ctx, t, back, 8, 20), "read");

  const int64_t vs[] = {2, 2};
  plinth_tensor *view = nullptr;
  ASSERT_EQ(ops->tensor_view(ctx, t, 2, 2, vs, &view), PLINTH_OK);
  EXPECT_EQ(get(view), (std::vector<float>{7, 4, 5, 6}));
  ASSERT_EQ(ops->fill(ctx, view, -1.0f), PLINTH_OK); // writes through to the source
  EXPECT_EQ(get(t), (std::vector<float>{1, 2, -1, -1, -1, -1}));
  ops->tensor_free(ctx, view);
  plinth_tensor *bad = nullptr;
  expect_rejected(ops->tensor_view(ctx, t, 3, 2, vs, &bad), "tensor_view");
  EXPECT_EQ(bad, nullptr);

  std::vector<float> host{9, 8, 7, 6};
  const int64_t hs[] = {4};
  plinth_tensor *borrowed = nullptr;
  ASSERT_EQ(ops->tensor_from_host(ctx, PLINTH_DTYPE_F32, 1, hs, host.data(), 1, &borrowed),
            PLINTH_OK);
  EXPECT_EQ(borrowed->data, host.data()); // aliased, not copied
  EXPECT_EQ(get(borrowed), host);
  ops->tensor_free(ctx, borrowed);

  const int64_t neg[] = {2, -1};
  expect_rejected(ops->tensor_new(ctx, PLINTH_DTYPE_F32, 2, neg, &bad), "tensor_new");
  expect_rejected(ops->tensor_new(ctx, 99, 1, hs, &bad), "tensor_new");
  expect_rejected(ops->tensor_new(ctx, PLINTH_DTYPE_F32, 5, hs, &bad), "tensor_new");
  EXPECT_EQ(ops->synchronize(ctx), PLINTH_OK);
}

TEST_F(CpuOps, FillAndCopyConvertDtypes) {
  const std::vector<float> v{0.0f,  -0.0f,       1.0f, -2.5f, 65504.0f,
                             1e-7f, 3.14159265f, 1e6f, -7.9f, 0.1f};
  plinth_tensor *src = from(v, {10});
  for (int32_t dt : {PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16}) {
    plinth_tensor *h = make(dt, {10});
    ASSERT_EQ(ops->copy(ctx, src, h), PLINTH_OK);
    const std::vector<float> back = get_as_f32(h);
    for (size_t i = 0; i < v.size(); ++i) {
      if (dt == PLINTH_DTYPE_F16 && std::fabs(v[i]) > 65504.0f)
        EXPECT_TRUE(std::isinf(back[i]));
      else
        EXPECT_NEAR(back[i], v[i],
                    std::fabs(v[i]) * (dt == PLINTH_DTYPE_F16 ? 1e-3 : 8e-3) +
                        (dt == PLINTH_DTYPE_F16 ? 6e-8 : 0.0))
            << i;
    }
  }
  plinth_tensor *ints = make(PLINTH_DTYPE_I32, {10});
  ASSERT_EQ(ops->copy(ctx, src, ints), PLINTH_OK);
  EXPECT_EQ(get_i32(ints), (std::vector<int32_t>{0, 0, 1, -2, 65504, 0, 3, 1000000, -7, 0}));
  plinth_tensor *f16 = make(PLINTH_DTYPE_F16, {10});
  ASSERT_EQ(ops->copy(ctx, ints, f16), PLINTH_OK); // i32 -> f16 without an f32 side
  EXPECT_EQ(get_as_f32(f16)[3], -2.0f);
  plinth_tensor *bf = make(PLINTH_DTYPE_BF16, {10});
  ASSERT_EQ(ops->copy(ctx, f16, bf), PLINTH_OK);
  EXPECT_EQ(get_as_f32(bf)[7], std::numeric_limits<float>::infinity()); // f16 overflowed

  ASSERT_EQ(ops->fill(ctx, f16, 0.5f), PLINTH_OK);
  EXPECT_EQ(get_as_f32(f16), std::vector<float>(10, 0.5f));
  ASSERT_EQ(ops->fill(ctx, ints, 3.0f), PLINTH_OK);
  EXPECT_EQ(get_i32(ints), std::vector<int32_t>(10, 3));
  expect_rejected(ops->copy(ctx, src, make(PLINTH_DTYPE_F32, {9})), "copy");
  expect_rejected(ops->copy(ctx, src, make(PLINTH_DTYPE_I64, {10})), "copy");
}

TEST_F(CpuOps, PermuteMatchesIndexing) {
  const Shape s{2, 3, 4, 5};
  const std::vector<float> v = random_floats(count(s), 1);
  const int32_t perms[][4] = {{0, 2, 1, 3}, {3, 1, 0, 2}, {0, 1, 2, 3}, {2, 3, 0, 1}};
  for (const auto &p : perms) {
    Shape os{s[p[0]], s[p[1]], s[p[2]], s[p[3]]};
    plinth_tensor *out = zeros(os);
    ASSERT_EQ(ops->permute(ctx, from(v, s), p, out), PLINTH_OK) << last_error();
    const std::vector<float> got = get(out);
    int64_t idx[4];
    for (idx[0] = 0; idx[0] < os[0]; ++idx[0])
      for (idx[1] = 0; idx[1] < os[1]; ++idx[1])
        for (idx[2] = 0; idx[2] < os[2]; ++idx[2])
          for (idx[3] = 0; idx[3] < os[3]; ++idx[3]) {
            int64_t xi[4];
            for (int d = 0; d < 4; ++d)
              xi[p[d]] = idx[d];
            const int64_t src = ((xi[0] * s[1] + xi[1]) * s[2] + xi[2]) * s[3] + xi[3];
            const int64_t dst = ((idx[0] * os[1] + idx[1]) * os[2] + idx[2]) * os[3] + idx[3];
            ASSERT_EQ(got[dst], v[src]);
          }
  }
  // 2-D transpose of i32 (element size only matters).
  plinth_tensor *m = from_i32({1, 2, 3, 4, 5, 6}, {2, 3});
  plinth_tensor *mt = make(PLINTH_DTYPE_I32, {3, 2});
  const int32_t t2[] = {1, 0};
  ASSERT_EQ(ops->permute(ctx, m, t2, mt), PLINTH_OK);
  EXPECT_EQ(get_i32(mt), (std::vector<int32_t>{1, 4, 2, 5, 3, 6}));
  const int32_t dup[] = {0, 0};
  expect_rejected(ops->permute(ctx, m, dup, mt), "permute");
  expect_rejected(ops->permute(ctx, m, t2, make(PLINTH_DTYPE_I32, {2, 3})), "permute");
}

TEST_F(CpuOps, SliceAndSetSlice) {
  const Shape s{2, 5, 3};
  const std::vector<float> v = random_floats(30, 2);
  plinth_tensor *x = from(v, s);
  plinth_tensor *part = zeros({2, 2, 3});
  ASSERT_EQ(ops->slice(ctx, x, 1, 2, part), PLINTH_OK);
  const std::vector<float> got = get(part);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 2; ++t)
      for (int c = 0; c < 3; ++c)
        EXPECT_EQ(got[(b * 2 + t) * 3 + c], v[(b * 5 + t + 2) * 3 + c]);
  plinth_tensor *cache = zeros({2, 6, 3});
  ASSERT_EQ(ops->set_slice(ctx, cache, 1, 4, part), PLINTH_OK);
  const std::vector<float> c = get(cache);
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 6; ++t)
      for (int k = 0; k < 3; ++k)
        EXPECT_EQ(c[(b * 6 + t) * 3 + k], t >= 4 ? got[(b * 2 + t - 4) * 3 + k] : 0.0f);
  expect_rejected(ops->slice(ctx, x, 1, 4, part), "slice");
  expect_rejected(ops->set_slice(ctx, cache, 1, 5, part), "set_slice");
  expect_rejected(ops->slice(ctx, x, 3, 0, part), "slice");
  expect_rejected(ops->slice(ctx, x, 0, 0, part), "slice"); // other dims differ
}

TEST_F(CpuOps, GetRowsFromEveryTableDtype) {
  const std::vector<float> table = random_floats(7 * 4, 3);
  const std::vector<int32_t> ids{6, 0, 3, 3, 1, 5};
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16}) {
    plinth_tensor *tab = from_as(table, {7, 4}, dt);
    const std::vector<float> tf = get_as_f32(tab);
    plinth_tensor *out = zeros({2, 3, 4});
    ASSERT_EQ(ops->get_rows(ctx, tab, from_i32(ids, {2, 3}), out), PLINTH_OK) << last_error();
    const std::vector<float> got = get(out);
    for (size_t i = 0; i < ids.size(); ++i)
      for (int d = 0; d < 4; ++d)
        EXPECT_EQ(got[i * 4 + d], tf[ids[i] * 4 + d]);
  }
  expect_rejected(ops->get_rows(ctx, from(table, {7, 4}), from_i32({7}, {1}), zeros({1, 4})),
                  "get_rows");
  expect_rejected(ops->get_rows(ctx, from(table, {7, 4}), from_i32({1}, {1}), zeros({1, 3})),
                  "get_rows");
}

float ref_unary(int op, float x) {
  const double v = x;
  switch (op) {
  case PLINTH_UNARY_GELU: return static_cast<float>(0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))));
  case PLINTH_UNARY_GELU_TANH:
    return static_cast<float>(
        0.5 * v * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v))));
  case PLINTH_UNARY_SILU: return static_cast<float>(v / (1.0 + std::exp(-v)));
  case PLINTH_UNARY_RELU: return x > 0 ? x : 0.0f;
  case PLINTH_UNARY_TANH: return static_cast<float>(std::tanh(v));
  case PLINTH_UNARY_SIGMOID: return static_cast<float>(1.0 / (1.0 + std::exp(-v)));
  case PLINTH_UNARY_EXP: return static_cast<float>(std::exp(v));
  case PLINTH_UNARY_NEG: return -x;
  case PLINTH_UNARY_SQUARE: return x * x;
  case PLINTH_UNARY_SQRT: return static_cast<float>(std::sqrt(v));
  case PLINTH_UNARY_RELU2: return x > 0 ? x * x : 0.0f;
  case PLINTH_UNARY_QUICK_GELU: return static_cast<float>(v / (1.0 + std::exp(-1.702 * v)));
  case PLINTH_UNARY_ABS: return std::fabs(x);
  case PLINTH_UNARY_RECIPROCAL: return static_cast<float>(1.0 / v);
  case PLINTH_UNARY_SOFTPLUS: return static_cast<float>(v > 20 ? v : std::log1p(std::exp(v)));
  }
  return 0;
}

TEST_F(CpuOps, UnaryOpsMatchReference) {
  std::vector<float> v = random_floats(3 * 1000, 4, -6.0f, 6.0f);
  v[0] = 25.0f; // softplus threshold branch
  for (int op = PLINTH_UNARY_GELU; op <= PLINTH_UNARY_SOFTPLUS; ++op) {
    std::vector<float> in = v;
    if (op == PLINTH_UNARY_SQRT)
      for (auto &x : in)
        x = std::fabs(x);
    plinth_tensor *x = from(in, {3, 1000});
    plinth_tensor *out = zeros({3, 1000});
    ASSERT_EQ(ops->unary(ctx, op, x, out), PLINTH_OK) << op;
    std::vector<float> want(in.size());
    for (size_t i = 0; i < in.size(); ++i)
      want[i] = ref_unary(op, in[i]);
    expect_near_all(get(out), want, 2e-6f, ("unary op " + std::to_string(op)).c_str());
    ASSERT_EQ(ops->unary(ctx, op, x, x), PLINTH_OK); // in place
    expect_near_all(get(x), want, 2e-6f, "in place");
  }
  expect_rejected(ops->unary(ctx, 99, from(v, {3000}), zeros({3000})), "unary");
  expect_rejected(ops->unary(ctx, 0, from(v, {3000}), zeros({3, 1000})), "unary");
}

TEST_F(CpuOps, BinaryBroadcastsBToA) {
  const Shape as{2, 3, 4, 5};
  const std::vector<float> a = random_floats(count(as), 5);
  const std::vector<Shape> bshapes{{2, 3, 4, 5}, {5}, {4, 1}, {3, 1, 5},
                                   {2, 1, 4, 1}, {1}, {},     {1, 1, 1, 5}};
  for (const Shape &bs : bshapes) {
    const std::vector<float> b = random_floats(count(bs), 6, 0.5f, 2.0f);
    Shape bp(4 - bs.size(), 1);
    bp.insert(bp.end(), bs.begin(), bs.end());
    for (int op = PLINTH_BINARY_ADD; op <= PLINTH_BINARY_MIN; ++op) {
      plinth_tensor *out = zeros(as);
      ASSERT_EQ(ops->binary(ctx, op, from(a, as), from(b, bs), out), PLINTH_OK) << last_error();
      const std::vector<float> got = get(out);
      for (int64_t i0 = 0; i0 < 2; ++i0)
        for (int64_t i1 = 0; i1 < 3; ++i1)
          for (int64_t i2 = 0; i2 < 4; ++i2)
            for (int64_t i3 = 0; i3 < 5; ++i3) {
              const int64_t ai = ((i0 * 3 + i1) * 4 + i2) * 5 + i3;
              const int64_t j0 = bp[0] == 1 ? 0 : i0, j1 = bp[1] == 1 ? 0 : i1,
                            j2 = bp[2] == 1 ? 0 : i2, j3 = bp[3] == 1 ? 0 : i3;
              const int64_t bi = ((j0 * bp[1] + j1) * bp[2] + j2) * bp[3] + j3;
              const float x = a[ai], y = b[bi];
              const float want = op == 0   ? x + y
                                 : op == 1 ? x - y
                                 : op == 2 ? x * y
                                 : op == 3 ? x / y
                                 : op == 4 ? std::max(x, y)
                                           : std::min(x, y);
              ASSERT_EQ(got[ai], want) << "op " << op << " b rank " << bs.size();
            }
    }
  }
  plinth_tensor *x = from(a, as);
  expect_rejected(ops->binary(ctx, 0, x, from(random_floats(4, 1), {4}), zeros(as)), "binary");
  expect_rejected(ops->binary(ctx, 0, x, from(random_floats(10, 1), {2, 5}), zeros(as)), "binary");
  expect_rejected(ops->binary(ctx, 0, x, from(random_floats(5, 1), {5}), zeros({5})), "binary");
  // In place on a.
  ASSERT_EQ(ops->binary(ctx, PLINTH_BINARY_ADD, x, from(std::vector<float>{1}, {1}), x), PLINTH_OK);
  EXPECT_EQ(get(x)[7], a[7] + 1.0f);
}

TEST_F(CpuOps, Affine) {
  const std::vector<float> v = random_floats(100, 7);
  plinth_tensor *out = zeros({10, 10});
  ASSERT_EQ(ops->affine(ctx, from(v, {10, 10}), 2.0f, -0.5f, out), PLINTH_OK);
  const std::vector<float> got = get(out);
  for (size_t i = 0; i < v.size(); ++i)
    EXPECT_EQ(got[i], 2.0f * v[i] - 0.5f);
}

TEST_F(CpuOps, LayerNormAndRmsNorm) {
  const int64_t R = 6, D = 33;
  const std::vector<float> x = random_floats(R * D, 8, -3.0f, 3.0f);
  const std::vector<float> w = random_floats(D, 9), b = random_floats(D, 10);
  plinth_tensor *out = zeros({2, 3, D});
  ASSERT_EQ(ops->layer_norm(ctx, from(x, {2, 3, D}), from(w, {D}), from(b, {D}), 1e-5f, out),
            PLINTH_OK);
  std::vector<float> want(x.size()), want_rms(x.size());
  for (int64_t r = 0; r < R; ++r) {
    double mean = 0, var = 0, sq = 0;
    for (int64_t j = 0; j < D; ++j)
      mean += x[r * D + j];
    mean /= D;
    for (int64_t j = 0; j < D; ++j) {
      var += (x[r * D + j] - mean) * (x[r * D + j] - mean);
      sq += double(x[r * D + j]) * x[r * D + j];
    }
    var /= D;
    for (int64_t j = 0; j < D; ++j) {
      want[r * D + j] = float((x[r * D + j] - mean) / std::sqrt(var + 1e-5) * w[j] + b[j]);
      want_rms[r * D + j] = float(x[r * D + j] / std::sqrt(sq / D + 1e-6) * w[j]);
    }
  }
  expect_near_all(get(out), want, 1e-5f, "layer_norm");
  plinth_tensor *rms = zeros({2, 3, D});
  ASSERT_EQ(ops->rms_norm(ctx, from(x, {2, 3, D}), from(w, {D}), 1e-6f, rms), PLINTH_OK);
  expect_near_all(get(rms), want_rms, 1e-5f, "rms_norm");
  // f16 weights are accepted (converted), in-place works.
  plinth_tensor *xi = from(x, {R, D});
  ASSERT_EQ(ops->rms_norm(ctx, xi, from_as(w, {D}, PLINTH_DTYPE_F32), 1e-6f, xi), PLINTH_OK);
  expect_near_all(get(xi), want_rms, 1e-5f, "rms_norm in place");
  expect_rejected(ops->rms_norm(ctx, from(x, {R, D}),
                                from(std::vector<float>(b.begin(), b.end() - 1), {D - 1}), 1e-6f,
                                zeros({R, D})),
                  "rms_norm");
  expect_rejected(ops->layer_norm(ctx, from(x, {R, D}), nullptr, nullptr, 1e-5f, zeros({R, D + 1})),
                  "layer_norm");
}

TEST_F(CpuOps, SoftmaxReduceArgmaxTopk) {
  const int64_t R = 5, D = 17;
  std::vector<float> x = random_floats(R * D, 11, -4.0f, 4.0f);
  x[3] = x[5]; // a tie in row 0
  x[2 * D + 1] = -std::numeric_limits<float>::infinity();
  plinth_tensor *xt = from(x, {R, D});
  plinth_tensor *sm = zeros({R, D});
  ASSERT_EQ(ops->softmax(ctx, xt, sm), PLINTH_OK);
  const std::vector<float> s = get(sm);
  for (int64_t r = 0; r < R; ++r) {
    const float mx = *std::max_element(x.begin() + r * D, x.begin() + (r + 1) * D);
    double sum = 0;
    for (int64_t j = 0; j < D; ++j)
      sum += std::exp(double(x[r * D + j]) - mx);
    for (int64_t j = 0; j < D; ++j)
      EXPECT_NEAR(s[r * D + j], std::exp(double(x[r * D + j]) - mx) / sum, 1e-7);
  }
  const char *names[] = {"sum", "mean", "max", "min"};
  for (int op = PLINTH_REDUCE_SUM; op <= PLINTH_REDUCE_MIN; ++op) {
    plinth_tensor *out = zeros({R, 1});
    ASSERT_EQ(ops->reduce(ctx, op, xt, out), PLINTH_OK);
    const std::vector<float> got = get(out);
    for (int64_t r = 0; r < R; ++r) {
      auto b = x.begin() + r * D, e = b + D;
      const double want = op == 0   ? std::accumulate(b, e, 0.0)
                          : op == 1 ? std::accumulate(b, e, 0.0) / D
                          : op == 2 ? *std::max_element(b, e)
                                    : *std::min_element(b, e);
      if (std::isinf(want))
        EXPECT_EQ(got[r], want) << names[op];
      else
        EXPECT_NEAR(got[r], want, 1e-5) << names[op];
    }
  }
  plinth_tensor *am = make(PLINTH_DTYPE_I32, {R});
  ASSERT_EQ(ops->argmax(ctx, xt, am), PLINTH_OK);
  const std::vector<int32_t> a = get_i32(am);
  for (int64_t r = 0; r < R; ++r)
    EXPECT_EQ(a[r],
              std::max_element(x.begin() + r * D, x.begin() + (r + 1) * D) - (x.begin() + r * D));
  // Ties: lower index first, in argmax and in topk.
  plinth_tensor *tie = from({1, 3, 2, 3, 3}, {1, 5});
  plinth_tensor *one = make(PLINTH_DTYPE_I32, {1, 1});
  ASSERT_EQ(ops->argmax(ctx, tie, one), PLINTH_OK);
  EXPECT_EQ(get_i32(one)[0], 1);
  plinth_tensor *tv = zeros({1, 4});
  plinth_tensor *ti = make(PLINTH_DTYPE_I32, {1, 4});
  ASSERT_EQ(ops->topk(ctx, tie, 4, tv, ti), PLINTH_OK);
  EXPECT_EQ(get(tv), (std::vector<float>{3, 3, 3, 2}));
  EXPECT_EQ(get_i32(ti), (std::vector<int32_t>{1, 3, 4, 2}));
  const int k = 6;
  plinth_tensor *vals = zeros({R, k});
  plinth_tensor *idx = make(PLINTH_DTYPE_I32, {R, k});
  ASSERT_EQ(ops->topk(ctx, xt, k, vals, idx), PLINTH_OK);
  const std::vector<float> gv = get(vals);
  const std::vector<int32_t> gi = get_i32(idx);
  for (int64_t r = 0; r < R; ++r) {
    std::vector<int32_t> order(D);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t p, int32_t q) { return x[r * D + p] > x[r * D + q]; });
    for (int j = 0; j < k; ++j) {
      EXPECT_EQ(gi[r * k + j], order[j]);
      EXPECT_EQ(gv[r * k + j], x[r * D + order[j]]);
    }
  }
  expect_rejected(ops->topk(ctx, xt, D + 1, nullptr, make(PLINTH_DTYPE_I32, {R, D + 1})), "topk");
  expect_rejected(ops->reduce(ctx, 0, xt, zeros({R, 2})), "reduce");
  expect_rejected(ops->argmax(ctx, xt, zeros({R})), "argmax"); // must be i32
}

TEST_F(CpuOps, RejectsForeignAndNullHandles) {
  plinth_tensor fake{};
  fake.dtype = PLINTH_DTYPE_F32;
  fake.ndim = 1;
  fake.shape[0] = 4;
  expect_rejected(ops->affine(ctx, &fake, 1.0f, 0.0f, zeros({4})), "affine");
  expect_rejected(ops->affine(ctx, nullptr, 1.0f, 0.0f, zeros({4})), "affine");
  expect_rejected(ops->fill(nullptr, zeros({4}), 0.0f), "fill");
}

// Results must not depend on the thread count.
class CpuOpsThreads : public CpuBackend {
protected:
  CpuOpsThreads() : CpuBackend(3) {}
};

TEST_F(CpuOpsThreads, ElementwiseMatchesSingleThread) {
  const std::vector<float> v = random_floats(100000, 12);
  plinth_tensor *out = zeros({100, 1000});
  ASSERT_EQ(ops->unary(ctx, PLINTH_UNARY_GELU, from(v, {100, 1000}), out), PLINTH_OK);
  const std::vector<float> got = get(out);
  for (size_t i = 0; i < v.size(); i += 97)
    EXPECT_NEAR(got[i], ref_unary(PLINTH_UNARY_GELU, v[i]), 1e-6f);
}

} // namespace
