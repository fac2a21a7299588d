// GPU backends (cuda, hip) against the CPU backend: every op on random inputs, results
// compared within float tolerances. The plugins are opened from the build tree with dlopen,
// exactly as the core opens them ($PLINTH_TEST_PLUGIN_DIR overrides the directory, for a
// build copied to another path, as tools/gpu-check.sh does). Without a device (this is always
// so in CI) the op tests skip with the reason the runtime gave; the load test still checks
// that the plugin opens and reports 0 devices cleanly. GpuVsCpu.RealSizes runs the ops at
// Mistral-7B / ESM-650M sizes and prints GPU timings; it needs PLINTH_GPU_BIG_TESTS=1.
#include "plinth_plugin.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" const plinth_plugin_descriptor *
plinth_cpu_backend_descriptor(const plinth_host_api *host);

namespace {

std::string &last_error() {
  static std::string message;
  return message;
}

plinth_status record_error(plinth_status status, const char *message) {
  last_error() = message ? message : "";
  return status;
}

const plinth_host_api *host() {
  static const plinth_host_api h = [] {
    plinth_host_api x{};
    x.struct_size = sizeof x;
    x.abi_version = PLINTH_ABI_VERSION;
    x.set_error = record_error;
    return x;
  }();
  return &h;
}

// A GPU plugin opened from the build tree (nullptr vtable when it was not built).
struct GpuPlugin {
  void *handle = nullptr;
  const plinth_plugin_descriptor *desc = nullptr;
  const plinth_backend_vtable *vt = nullptr;
  std::string why_not;
  explicit GpuPlugin(const std::string &name) {
    const char *dir = std::getenv("PLINTH_TEST_PLUGIN_DIR");
    const auto lib = std::filesystem::path(dir && *dir ? dir : PLINTH_TEST_PLUGIN_DIR) /
                     ("libplinth_" + name + ".so");
    if (!std::filesystem::exists(lib)) {
      why_not = lib.string() + " was not built (no " + name + " compiler on the build machine)";
      return;
    }
    handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      why_not = std::string("dlopen failed: ") + dlerror();
      return;
    }
    auto entry =
        reinterpret_cast<plinth_plugin_entry_fn>(dlsym(handle, PLINTH_PLUGIN_ENTRY_SYMBOL));
    if (!entry) {
      why_not = "no entry symbol";
      return;
    }
    desc = entry(host());
    vt = static_cast<const plinth_backend_vtable *>(desc->vtable);
  }
  ~GpuPlugin() {
    if (handle) dlclose(handle);
  }
};

using Shape = std::vector<int64_t>;

int64_t count(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

std::vector<float> randf(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v)
    x = dist(rng);
  return v;
}

uint16_t to_half(float f) { // round-to-nearest for normal values (all the tests need)
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int32_t e = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  if (e <= 0) return static_cast<uint16_t>(sign);
  uint32_t m = (x & 0x7fffffu) + 0x1000u;
  uint32_t ee = static_cast<uint32_t>(e);
  if (m & 0x800000u) {
    m = 0;
    ++ee;
  }
  return static_cast<uint16_t>(sign | (ee << 10) | (m >> 13));
}

uint16_t to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// Host bytes of a tensor of `dtype` holding (approximately) the given values.
std::vector<uint8_t> encode(const std::vector<float> &v, int32_t dtype, uint32_t seed) {
  std::vector<uint8_t> out;
  auto put16 = [&](uint16_t h) {
    out.push_back(static_cast<uint8_t>(h & 0xff));
    out.push_back(static_cast<uint8_t>(h >> 8));
  };
  switch (dtype) {
  case PLINTH_DTYPE_F32:
    out.resize(v.size() * 4);
    std::memcpy(out.data(), v.data(), out.size());
    break;
  case PLINTH_DTYPE_F16:
    for (float x : v)
      put16(to_half(x));
    break;
  case PLINTH_DTYPE_BF16:
    for (float x : v)
      put16(to_bf16(x));
    break;
  case PLINTH_DTYPE_I32:
    for (float x : v) {
      const int32_t i = static_cast<int32_t>(x * 100.0f);
      const auto *p = reinterpret_cast<const uint8_t *>(&i);
      out.insert(out.end(), p, p + 4);
    }
    break;
  case PLINTH_DTYPE_Q8_0:
  case PLINTH_DTYPE_Q4_0: {
    std::mt19937 rng(seed);
    for (size_t b = 0; b < v.size() / 32; ++b) {
      put16(to_half(0.01f + 0.05f * static_cast<float>(rng() % 100) / 100.0f));
      const int bytes = dtype == PLINTH_DTYPE_Q8_0 ? 32 : 16;
      for (int j = 0; j < bytes; ++j)
        out.push_back(static_cast<uint8_t>(rng()));
    }
    break;
  }
  default: ADD_FAILURE() << "encode: dtype " << dtype;
  }
  return out;
}

size_t bytes_of(int32_t dtype, int64_t n) {
  switch (dtype) {
  case PLINTH_DTYPE_Q8_0: return static_cast<size_t>(n / 32 * 34);
  case PLINTH_DTYPE_Q4_0: return static_cast<size_t>(n / 32 * 18);
  case PLINTH_DTYPE_F16:
  case PLINTH_DTYPE_BF16: return static_cast<size_t>(n) * 2;
  default: return static_cast<size_t>(n) * 4;
  }
}

// One tensor on each backend with the same contents.
struct Pair {
  plinth_tensor *cpu = nullptr, *gpu = nullptr;
};

class GpuVsCpu : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    plugin_ = std::make_unique<GpuPlugin>(GetParam());
    if (!plugin_->vt) GTEST_SKIP() << plugin_->why_not;
    if (plugin_->vt->device_count() == 0)
      GTEST_SKIP() << "no " << GetParam() << " device on this machine (device_count() == 0): "
                   << plugin_->vt->describe(nullptr);
    cpu_vt_ =
        static_cast<const plinth_backend_vtable *>(plinth_cpu_backend_descriptor(host())->vtable);
    plinth_backend_options o{};
    o.struct_size = sizeof o;
    ASSERT_EQ(cpu_vt_->context_create(&o, &cpu_), PLINTH_OK) << last_error();
    ASSERT_EQ(plugin_->vt->context_create(&o, &gpu_), PLINTH_OK) << last_error();
    c_ = cpu_vt_->ops;
    g_ = plugin_->vt->ops;
    static bool described = false; // once per run: which device, driver and GEMM
    if (!described) std::printf("[ device   ] %s\n", plugin_->vt->describe(gpu_));
    described = true;
  }
  void TearDown() override {
    for (auto &p : pairs_) {
      if (p.cpu) c_->tensor_free(cpu_, p.cpu);
      if (p.gpu) g_->tensor_free(gpu_, p.gpu);
    }
    if (gpu_) plugin_->vt->context_free(gpu_);
    if (cpu_) cpu_vt_->context_free(cpu_);
  }

  Pair make(const Shape &s, int32_t dtype, const std::vector<uint8_t> &bytes) {
    Pair p;
    EXPECT_EQ(c_->tensor_from_host(cpu_, dtype, static_cast<int32_t>(s.size()), s.data(),
                                   bytes.data(), 0, &p.cpu),
              PLINTH_OK)
        << last_error();
    EXPECT_EQ(g_->tensor_from_host(gpu_, dtype, static_cast<int32_t>(s.size()), s.data(),
                                   bytes.data(), 0, &p.gpu),
              PLINTH_OK)
        << last_error();
    pairs_.push_back(p);
    return p;
  }
  Pair rand(const Shape &s, uint32_t seed, int32_t dtype = PLINTH_DTYPE_F32, float lo = -1.0f,
            float hi = 1.0f) {
    return make(s, dtype, encode(randf(static_cast<size_t>(count(s)), seed, lo, hi), dtype, seed));
  }
  Pair ints(const Shape &s, const std::vector<int32_t> &v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return make(s, PLINTH_DTYPE_I32, b);
  }
  Pair zeros(const Shape &s, int32_t dtype = PLINTH_DTYPE_F32) {
    return make(s, dtype, std::vector<uint8_t>(bytes_of(dtype, count(s)), 0));
  }

  std::vector<uint8_t> read(const plinth_backend_ops *ops, plinth_backend_ctx *ctx,
                            const plinth_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; ++i)
      n *= t->shape[i];
    std::vector<uint8_t> out(bytes_of(t->dtype, n));
    EXPECT_EQ(ops->read(ctx, t, out.data(), out.size(), 0), PLINTH_OK) << last_error();
    return out;
  }

  // Compares f32 (or i32, exactly) contents: |gpu - cpu| <= atol + rtol * |cpu|.
  void expect_close(const Pair &p, float atol, float rtol, const std::string &what) {
    const auto a = read(c_, cpu_, p.cpu), b = read(g_, gpu_, p.gpu);
    ASSERT_EQ(a.size(), b.size()) << what;
    if (p.cpu->dtype != PLINTH_DTYPE_F32) {
      EXPECT_EQ(a, b) << what;
      return;
    }
    const auto *x = reinterpret_cast<const float *>(a.data());
    const auto *y = reinterpret_cast<const float *>(b.data());
    int bad = 0;
    for (size_t i = 0; i < a.size() / 4 && bad < 5; ++i) {
      const bool both_nan = std::isnan(x[i]) && std::isnan(y[i]);
      if (both_nan || std::fabs(x[i] - y[i]) <= atol + rtol * std::fabs(x[i])) continue;
      ADD_FAILURE() << what << ": element " << i << " cpu " << x[i] << " gpu " << y[i];
      ++bad;
    }
  }

  // The CPU backend's reference for a quantized weight: the same blocks dequantized to f32
  // (exact on both backends, FillCopyConvert checks). The CPU quantizes activations to 8 bits
  // for Q8_0/Q4_0 products and the GPU kernels keep them f32, so the GPU is held to the f32
  // product of the dequantized weights, at f32 tolerance; other dtypes are their own reference.
  // (In the harness self-check both sides are the CPU backend and take the same path.)
  Pair cpu_reference_weight(const Pair &w) {
    if (w.cpu->dtype != PLINTH_DTYPE_Q8_0 && w.cpu->dtype != PLINTH_DTYPE_Q4_0) return w;
    if (std::string(GetParam()) == "cpu") return w;
    Pair f = zeros(Shape(w.cpu->shape, w.cpu->shape + w.cpu->ndim));
    EXPECT_EQ(c_->copy(cpu_, w.cpu, f.cpu), PLINTH_OK) << last_error();
    return Pair{f.cpu, w.gpu};
  }

  void ok(plinth_status cs, plinth_status gs, const std::string &what) {
    ASSERT_EQ(cs, PLINTH_OK) << what << " (cpu): " << last_error();
    ASSERT_EQ(gs, PLINTH_OK) << what << " (gpu): " << last_error();
  }

  std::unique_ptr<GpuPlugin> plugin_;
  const plinth_backend_vtable *cpu_vt_ = nullptr;
  plinth_backend_ctx *cpu_ = nullptr, *gpu_ = nullptr;
  const plinth_backend_ops *c_ = nullptr, *g_ = nullptr;
  std::vector<Pair> pairs_;
};

#define BOTH(call_cpu, call_gpu, what) ok(call_cpu, call_gpu, what)

TEST_P(GpuVsCpu, FillCopyConvert) {
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16, PLINTH_DTYPE_I32}) {
    Pair t = zeros({3, 5}, dt);
    BOTH(c_->fill(cpu_, t.cpu, 1.7f), g_->fill(gpu_, t.gpu, 1.7f), "fill");
    EXPECT_EQ(read(c_, cpu_, t.cpu), read(g_, gpu_, t.gpu)) << "fill dtype " << dt;
  }
  Pair src = rand({4, 33}, 1);
  for (int32_t dt : {PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16, PLINTH_DTYPE_I32}) {
    Pair mid = zeros({4, 33}, dt), back = zeros({4, 33});
    BOTH(c_->copy(cpu_, src.cpu, mid.cpu), g_->copy(gpu_, src.gpu, mid.gpu), "copy to");
    EXPECT_EQ(read(c_, cpu_, mid.cpu), read(g_, gpu_, mid.gpu)) << "convert to " << dt;
    BOTH(c_->copy(cpu_, mid.cpu, back.cpu), g_->copy(gpu_, mid.gpu, back.gpu), "copy back");
    expect_close(back, 0, 0, "convert back from " + std::to_string(dt));
  }
  for (int32_t dt : {PLINTH_DTYPE_Q8_0, PLINTH_DTYPE_Q4_0}) {
    Pair q = rand({3, 64}, 2, dt), f = zeros({3, 64});
    BOTH(c_->copy(cpu_, q.cpu, f.cpu), g_->copy(gpu_, q.gpu, f.gpu), "dequantize");
    expect_close(f, 0, 0, "dequantize");
  }
}

TEST_P(GpuVsCpu, PermuteSliceSetSlice) {
  Pair x = rand({2, 3, 4, 5}, 3);
  const int32_t perm[4] = {2, 0, 3, 1};
  Pair y = zeros({4, 2, 5, 3});
  BOTH(c_->permute(cpu_, x.cpu, perm, y.cpu), g_->permute(gpu_, x.gpu, perm, y.gpu), "permute");
  expect_close(y, 0, 0, "permute");
  Pair s = zeros({2, 2, 4, 5});
  BOTH(c_->slice(cpu_, x.cpu, 1, 1, s.cpu), g_->slice(gpu_, x.gpu, 1, 1, s.gpu), "slice");
  expect_close(s, 0, 0, "slice");
  Pair cache = zeros({2, 9, 4, 5}); // a KV cache written step by step
  BOTH(c_->set_slice(cpu_, cache.cpu, 1, 6, x.cpu), g_->set_slice(gpu_, cache.gpu, 1, 6, x.gpu),
       "set_slice");
  BOTH(c_->set_slice(cpu_, cache.cpu, 1, 0, s.cpu), g_->set_slice(gpu_, cache.gpu, 1, 0, s.gpu),
       "set_slice");
  expect_close(cache, 0, 0, "set_slice");
}

TEST_P(GpuVsCpu, GetRowsEveryTableDtype) {
  Pair ids = ints({2, 3}, {4, 0, 9, 9, 2, 7});
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16, PLINTH_DTYPE_Q8_0,
                     PLINTH_DTYPE_Q4_0}) {
    Pair table = rand({10, 64}, 4, dt), out = zeros({2, 3, 64});
    BOTH(c_->get_rows(cpu_, table.cpu, ids.cpu, out.cpu),
         g_->get_rows(gpu_, table.gpu, ids.gpu, out.gpu), "get_rows");
    expect_close(out, 0, 0, "get_rows dtype " + std::to_string(dt));
  }
  // Out-of-range ids are found on the device and reported at the next synchronisation (the
  // CPU backend, standing in for a GPU in the harness self-check, refuses them at once).
  if (std::string(GetParam()) == "cpu") return;
  Pair table = rand({10, 64}, 4), bad = ints({1}, {10}), out = zeros({1, 64});
  EXPECT_EQ(g_->get_rows(gpu_, table.gpu, bad.gpu, out.gpu), PLINTH_OK);
  EXPECT_EQ(g_->synchronize(gpu_), PLINTH_ERR_INVALID_ARGUMENT);
  EXPECT_NE(last_error().find("outside [0, 10)"), std::string::npos) << last_error();
  EXPECT_EQ(g_->synchronize(gpu_), PLINTH_OK);
}

TEST_P(GpuVsCpu, LinearEveryWeightDtype) {
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16, PLINTH_DTYPE_Q8_0,
                     PLINTH_DTYPE_Q4_0}) {
    // Quantized weights are compared with the f32 product of their dequantized values (see
    // cpu_reference_weight): random Q8_0 weights reach +-4.5, so the CPU's 8-bit activations
    // alone move results by ~0.2.
    const float tol = 2e-4f;
    for (int64_t M : {1, 3, 8, 37, 130}) {
      Pair x = rand({M, 96}, 5), b = rand({70}, 7), y = zeros({M, 70});
      const Pair w = cpu_reference_weight(rand({70, 96}, 6, dt));
      BOTH(c_->linear(cpu_, x.cpu, w.cpu, b.cpu, y.cpu),
           g_->linear(gpu_, x.gpu, w.gpu, b.gpu, y.gpu), "linear");
      expect_close(y, tol, tol, "linear dtype " + std::to_string(dt) + " M " + std::to_string(M));
    }
  }
  // Rows of 100 elements: not 16-byte aligned, so the GEMV reads element by element.
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_F16, PLINTH_DTYPE_BF16})
    for (int64_t M : {1, 5, 20}) {
      Pair x = rand({M, 100}, 43), w = rand({30, 100}, 44, dt), y = zeros({M, 30});
      BOTH(c_->linear(cpu_, x.cpu, w.cpu, nullptr, y.cpu),
           g_->linear(gpu_, x.gpu, w.gpu, nullptr, y.gpu), "linear");
      expect_close(y, 2e-4f, 2e-4f, "linear K 100 dtype " + std::to_string(dt));
    }
}

TEST_P(GpuVsCpu, MatmulTransposesBroadcastBeta) {
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      Pair a = rand(ta ? Shape{3, 1, 17, 9} : Shape{3, 1, 9, 17}, 8);
      Pair b = rand(tb ? Shape{4, 11, 17} : Shape{4, 17, 11}, 9);
      Pair c = rand({3, 4, 9, 11}, 10);
      plinth_matmul_args m{
          sizeof(plinth_matmul_args), nullptr, nullptr, nullptr, ta, tb, 0.5f, 0.25f};
      plinth_matmul_args mc = m, mg = m;
      mc.a = a.cpu, mc.b = b.cpu, mc.c = c.cpu;
      mg.a = a.gpu, mg.b = b.gpu, mg.c = c.gpu;
      BOTH(c_->matmul(cpu_, &mc), g_->matmul(gpu_, &mg), "matmul");
      expect_close(c, 1e-4f, 1e-4f,
                   "matmul ta " + std::to_string(ta) + " tb " + std::to_string(tb));
    }
}

TEST_P(GpuVsCpu, LinearIndexedDecodeAndPrompt) {
  for (int32_t dt : {PLINTH_DTYPE_F32, PLINTH_DTYPE_BF16, PLINTH_DTYPE_Q8_0}) {
    const float tol = 2e-4f; // quantized: against the dequantized weights (cpu_reference_weight)
    for (int64_t M : {4, 75}) {
      std::vector<int32_t> id(static_cast<size_t>(M));
      for (int64_t m = 0; m < M; ++m)
        id[m] = static_cast<int32_t>((m * 7 + 3) % 5);
      Pair x = rand({M, 64}, 11), ids = ints({M}, id), y = zeros({M, 40});
      const Pair w = cpu_reference_weight(rand({5, 40, 64}, 12, dt));
      BOTH(c_->linear_indexed(cpu_, x.cpu, w.cpu, ids.cpu, y.cpu),
           g_->linear_indexed(gpu_, x.gpu, w.gpu, ids.gpu, y.gpu), "linear_indexed");
      expect_close(y, tol, tol, "linear_indexed M " + std::to_string(M));
    }
  }
}

TEST_P(GpuVsCpu, ElementwiseOps) {
  Pair x = rand({3, 7, 33}, 13, PLINTH_DTYPE_F32, -4.0f, 4.0f);
  for (int32_t op = PLINTH_UNARY_GELU; op <= PLINTH_UNARY_SOFTPLUS; ++op) {
    Pair y = zeros({3, 7, 33});
    BOTH(c_->unary(cpu_, op, x.cpu, y.cpu), g_->unary(gpu_, op, x.gpu, y.gpu), "unary");
    expect_close(y, 1e-6f, 2e-6f, "unary op " + std::to_string(op));
  }
  for (const Shape &bs : {Shape{3, 7, 33}, Shape{33}, Shape{7, 1}, Shape{3, 1, 33}}) {
    Pair b = rand(bs, 14, PLINTH_DTYPE_F32, 0.5f, 2.0f);
    for (int32_t op = PLINTH_BINARY_ADD; op <= PLINTH_BINARY_MIN; ++op) {
      Pair y = zeros({3, 7, 33});
      BOTH(c_->binary(cpu_, op, x.cpu, b.cpu, y.cpu), g_->binary(gpu_, op, x.gpu, b.gpu, y.gpu),
           "binary");
      expect_close(y, 0, 0, "binary op " + std::to_string(op));
    }
  }
  Pair y = zeros({3, 7, 33});
  BOTH(c_->affine(cpu_, x.cpu, 0.3f, -1.25f, y.cpu), g_->affine(gpu_, x.gpu, 0.3f, -1.25f, y.gpu),
       "affine");
  expect_close(y, 0, 0, "affine");
}

TEST_P(GpuVsCpu, NormsSoftmaxReductions) {
  for (int64_t width : {5, 64, 1000, 4096}) {
    Pair x = rand({6, width}, 15, PLINTH_DTYPE_F32, -3.0f, 3.0f);
    Pair w = rand({width}, 16, PLINTH_DTYPE_BF16), b = rand({width}, 17);
    Pair y = zeros({6, width});
    BOTH(c_->layer_norm(cpu_, x.cpu, w.cpu, b.cpu, 1e-5f, y.cpu),
         g_->layer_norm(gpu_, x.gpu, w.gpu, b.gpu, 1e-5f, y.gpu), "layer_norm");
    expect_close(y, 2e-5f, 2e-5f, "layer_norm");
    BOTH(c_->rms_norm(cpu_, x.cpu, w.cpu, 1e-6f, y.cpu),
         g_->rms_norm(gpu_, x.gpu, w.gpu, 1e-6f, y.gpu), "rms_norm");
    expect_close(y, 2e-5f, 2e-5f, "rms_norm");
    BOTH(c_->softmax(cpu_, x.cpu, y.cpu), g_->softmax(gpu_, x.gpu, y.gpu), "softmax");
    expect_close(y, 1e-6f, 2e-5f, "softmax");
    for (int32_t op = PLINTH_REDUCE_SUM; op <= PLINTH_REDUCE_MIN; ++op) {
      Pair r = zeros({6, 1});
      BOTH(c_->reduce(cpu_, op, x.cpu, r.cpu), g_->reduce(gpu_, op, x.gpu, r.gpu), "reduce");
      expect_close(r, 1e-4f, 1e-5f, "reduce op " + std::to_string(op));
    }
    Pair am = zeros({6}, PLINTH_DTYPE_I32);
    BOTH(c_->argmax(cpu_, x.cpu, am.cpu), g_->argmax(gpu_, x.gpu, am.gpu), "argmax");
    expect_close(am, 0, 0, "argmax");
    const int32_t k = static_cast<int32_t>(std::min<int64_t>(width, 5));
    Pair tv = zeros({6, k}), ti = zeros({6, k}, PLINTH_DTYPE_I32);
    BOTH(c_->topk(cpu_, x.cpu, k, tv.cpu, ti.cpu), g_->topk(gpu_, x.gpu, k, tv.gpu, ti.gpu),
         "topk");
    expect_close(tv, 0, 0, "topk values");
    expect_close(ti, 0, 0, "topk indices");
  }
  // Ties and NaN: NaN ranks first, equal values by lower index.
  std::vector<float> v = {1.0f, 3.0f, NAN, 3.0f, -2.0f, 3.0f};
  std::vector<uint8_t> bytes(v.size() * 4);
  std::memcpy(bytes.data(), v.data(), bytes.size());
  Pair x = make({1, 6}, PLINTH_DTYPE_F32, bytes);
  Pair ti = zeros({1, 4}, PLINTH_DTYPE_I32);
  BOTH(c_->topk(cpu_, x.cpu, 4, nullptr, ti.cpu), g_->topk(gpu_, x.gpu, 4, nullptr, ti.gpu),
       "topk");
  expect_close(ti, 0, 0, "topk ties");
}

TEST_P(GpuVsCpu, RopeVariants) {
  Pair pos = ints({2, 3}, {0, 1, 2, 7, 8, 4093});
  Pair inv = rand({8}, 18, PLINTH_DTYPE_F32, 0.0f, 1.0f);
  for (int neox = 0; neox < 2; ++neox)
    for (int32_t rot : {16, 10})
      for (int use_inv = 0; use_inv < 2; ++use_inv) {
        if (use_inv && rot != 16) continue;
        Pair x = rand({2, 3, 4, 16}, 19), y = zeros({2, 3, 4, 16});
        plinth_rope_args r{
            sizeof(plinth_rope_args), nullptr, nullptr, nullptr, 10000.0f, rot, neox, nullptr,
            use_inv ? 1.2f : 1.0f, 0};
        plinth_rope_args rc = r, rg = r;
        rc.x = x.cpu, rc.positions = pos.cpu, rc.out = y.cpu,
        rc.inv_freq = use_inv ? inv.cpu : nullptr;
        rg.x = x.gpu, rg.positions = pos.gpu, rg.out = y.gpu,
        rg.inv_freq = use_inv ? inv.gpu : nullptr;
        BOTH(c_->rope(cpu_, &rc), g_->rope(gpu_, &rg), "rope");
        expect_close(y, 2e-5f, 2e-5f, "rope neox " + std::to_string(neox));
        rc.out = x.cpu; // in place
        rg.out = x.gpu;
        BOTH(c_->rope(cpu_, &rc), g_->rope(gpu_, &rg), "rope in place");
        expect_close(x, 2e-5f, 2e-5f, "rope in place");
      }
}

struct AttnCase {
  int64_t B, Tq, Tk, Hq, Hkv, D, Dv, kv_len, q_offset;
  int32_t causal, window;
  bool mask, bias, probs;
  bool bias_batched = false; // bias [B, 1, Tq, Tk] instead of [1, Hq, Tq, Tk]
};

TEST_P(GpuVsCpu, AttentionMasksGqaBiasProbs) {
  const AttnCase cases[] = {
      {2, 19, 19, 4, 2, 32, 32, 0, 0, 1, 0, false, false, true},        // prompt, causal, GQA
      {1, 40, 64, 2, 1, 64, 48, 40, 0, 1, 7, true, false, false},       // sliding window + mask
      {2, 24, 24, 2, 2, 16, 16, 0, 0, 0, 0, true, true, true},          // encoder: padding + bias
      {1, 1, 700, 8, 2, 128, 128, 513, 512, 1, 0, false, false, false}, // decode, long cache
      {2, 1, 300, 4, 4, 64, 64, 300, 299, 1, 100, true, false, true},   // decode, window
      {1, 3, 50, 2, 1, 320, 320, 50, 47, 1, 0, false, true, false},     // large heads: row path
      // Chunked prefill: tiled queries at an offset into a partly filled cache.
      {1, 20, 64, 4, 2, 64, 64, 50, 30, 1, 0, true, false, true},
      {2, 37, 37, 2, 1, 64, 32, 0, 0, 1, 9, true, true, false, true}, // Dv < D, window, bias
      // Head dim 256: tiled with the shared-memory opt-in (CUDA), the row kernel otherwise.
      {1, 20, 20, 2, 2, 256, 256, 0, 0, 1, 0, false, false, true},
      {2, 6, 5, 3, 3, 8, 8, 0, 0, 0, 0, true, false, true}, // tiny heads; row 0 sees no key
  };
  uint32_t seed = 20;
  for (const AttnCase &t : cases) {
    Pair q = rand({t.B, t.Tq, t.Hq, t.D}, seed++), k = rand({t.B, t.Tk, t.Hkv, t.D}, seed++);
    Pair v = rand({t.B, t.Tk, t.Hkv, t.Dv}, seed++), out = zeros({t.B, t.Tq, t.Hq, t.Dv});
    Pair mask{}, bias{}, probs{};
    if (t.mask) {
      std::vector<int32_t> m(static_cast<size_t>(t.B * t.Tk), 1);
      for (int64_t j = 0; j < 5 && j < t.Tk; ++j)
        m[static_cast<size_t>(j)] = 0; // left padding in row 0 (all-masked queries included)
      mask = ints({t.B, t.Tk}, m);
    }
    if (t.bias)
      bias =
          t.bias_batched ? rand({t.B, 1, t.Tq, t.Tk}, seed++) : rand({1, t.Hq, t.Tq, t.Tk}, seed++);
    if (t.probs) probs = zeros({t.B, t.Hq, t.Tq, t.Tk});
    plinth_attention_args a{};
    a.struct_size = sizeof a;
    a.kv_len = t.kv_len;
    a.q_offset = t.q_offset;
    a.scale = 1.0f / std::sqrt(static_cast<float>(t.D));
    a.causal = t.causal;
    a.window = t.window;
    plinth_attention_args ac = a, ag = a;
    ac.q = q.cpu, ac.k = k.cpu, ac.v = v.cpu, ac.out = out.cpu;
    ag.q = q.gpu, ag.k = k.gpu, ag.v = v.gpu, ag.out = out.gpu;
    ac.key_mask = mask.cpu, ag.key_mask = mask.gpu;
    ac.bias = bias.cpu, ag.bias = bias.gpu;
    ac.probs = probs.cpu, ag.probs = probs.gpu;
    BOTH(c_->attention(cpu_, &ac), g_->attention(gpu_, &ag), "attention");
    const std::string what = "attention Tq " + std::to_string(t.Tq) + " Tk " + std::to_string(t.Tk);
    expect_close(out, 2e-5f, 1e-4f, what);
    if (t.probs) expect_close(probs, 1e-6f, 1e-4f, what + " probs");
  }
}

// set_slice_dev against set_slice at every start, and a start outside the tensor: refused by
// the op (CPU) or reported at the next synchronisation with nothing written (GPU).
TEST_P(GpuVsCpu, SetSliceDevEveryStart) {
  Pair dev_cache = zeros({2, 9, 3, 5}); // cpu: set_slice with host starts; gpu: set_slice_dev
  uint32_t seed = 60;
  for (int32_t start : {0, 3, 7}) {
    Pair src = rand({2, 2, 3, 5}, seed++), at = ints({1}, {start});
    BOTH(c_->set_slice(cpu_, dev_cache.cpu, 1, start, src.cpu),
         g_->set_slice_dev(gpu_, dev_cache.gpu, 1, at.gpu, src.gpu), "set_slice_dev");
  }
  expect_close(dev_cache, 0, 0, "set_slice_dev");
  const auto before = read(g_, gpu_, dev_cache.gpu);
  Pair bad = ints({1}, {8}), src = rand({2, 2, 3, 5}, seed);
  const plinth_status st = g_->set_slice_dev(gpu_, dev_cache.gpu, 1, bad.gpu, src.gpu);
  const plinth_status synced = st == PLINTH_OK ? g_->synchronize(gpu_) : st;
  EXPECT_NE(synced, PLINTH_OK) << "start 8 of 9 slots for 2 rows must be refused";
  EXPECT_NE(last_error().find("set_slice_dev"), std::string::npos) << last_error();
  EXPECT_EQ(read(g_, gpu_, dev_cache.gpu), before) << "a refused set_slice_dev wrote";
}

// Attention with kv_len / q_offset in i32 tensors (the host kv_len an upper bound) equals the
// CPU with host values: decode (row kernel, splits planned from the bound) and a chunk of
// queries (tiled kernel), with masks, windows and probs.
TEST_P(GpuVsCpu, AttentionDeviceSlots) {
  struct Case {
    int64_t B, Tq, Tk, Hq, Hkv, D, kv_len, bound;
    int32_t window;
    bool mask, probs;
  };
  const Case cases[] = {
      {1, 1, 4096, 8, 2, 128, 37, 0, 0, false, false},  // short runtime kv_len, long bound
      {2, 1, 700, 4, 4, 64, 513, 600, 100, true, true}, // window, mask, probs
      {1, 20, 128, 4, 2, 64, 70, 0, 0, true, true},     // tiled queries at an offset
      {1, 1, 300, 2, 1, 32, 0, 0, 0, false, true},      // nothing in use yet: zeros
  };
  uint32_t seed = 70;
  for (const Case &t : cases) {
    Pair q = rand({t.B, t.Tq, t.Hq, t.D}, seed++), k = rand({t.B, t.Tk, t.Hkv, t.D}, seed++);
    Pair v = rand({t.B, t.Tk, t.Hkv, t.D}, seed++), out = zeros({t.B, t.Tq, t.Hq, t.D});
    Pair mask{}, probs{};
    if (t.mask) {
      std::vector<int32_t> m(static_cast<size_t>(t.B * t.Tk), 1);
      for (int64_t j = 0; j < 5; ++j)
        m[static_cast<size_t>(j)] = 0;
      mask = ints({t.B, t.Tk}, m);
    }
    if (t.probs) probs = zeros({t.B, t.Hq, t.Tq, t.Tk});
    const int64_t q_offset = std::max<int64_t>(0, t.kv_len - t.Tq);
    Pair kv_len = ints({1}, {static_cast<int32_t>(t.kv_len)});
    Pair offset = ints({1}, {static_cast<int32_t>(q_offset)});
    plinth_attention_args a{};
    a.struct_size = sizeof a;
    a.scale = 1.0f / std::sqrt(static_cast<float>(t.D));
    a.causal = 1;
    a.window = t.window;
    // Both sides read the values from tensors (the CPU's device-slot form equals its host
    // form: backend_cpu_device_slots_test.cpp); the host q_offset must be ignored.
    a.kv_len = t.bound;
    a.q_offset = 999;
    plinth_attention_args ac = a, ag = a;
    ac.kv_len_dev = kv_len.cpu, ag.kv_len_dev = kv_len.gpu;
    ac.q_offset_dev = offset.cpu, ag.q_offset_dev = offset.gpu;
    ac.q = q.cpu, ac.k = k.cpu, ac.v = v.cpu, ac.out = out.cpu;
    ag.q = q.gpu, ag.k = k.gpu, ag.v = v.gpu, ag.out = out.gpu;
    ac.key_mask = mask.cpu, ag.key_mask = mask.gpu;
    ac.probs = probs.cpu, ag.probs = probs.gpu;
    BOTH(c_->attention(cpu_, &ac), g_->attention(gpu_, &ag), "attention (device slots)");
    const std::string what = "attention kv_len_dev " + std::to_string(t.kv_len) + " of bound " +
                             std::to_string(t.bound ? t.bound : t.Tk);
    expect_close(out, 2e-5f, 1e-4f, what);
    if (t.probs) expect_close(probs, 1e-6f, 1e-4f, what + " probs");
  }
}

// A toy decode step recorded once and replayed at ten positions, against the same step run
// eagerly on the CPU: the positions come from a written i32 tensor, a tensor made while
// recording (the step's output) stays valid across replays, and eager work between replays
// (allocations, frees, a product) does not disturb the graph's memory.
// Without graph slots (the CPU harness) the step runs eagerly each time instead.
TEST_P(GpuVsCpu, GraphReplaysDecodeSteps) {
  const bool graphs = g_->graph_begin != nullptr;
  const int64_t M = 16, H = 2, D = 32, W = H * D;
  Pair kc = zeros({1, M, H, D}), vc = zeros({1, M, H, D}), slots = zeros({2}, PLINTH_DTYPE_I32);
  Pair x = zeros({1, 1, W}), w = rand({W, W}, 90);
  Pair past = {}, end = {};
  // Views of the slots tensor: [0] = past, [1] = past + 1.
  const int64_t one[1] = {1};
  ASSERT_EQ(c_->tensor_view(cpu_, slots.cpu, 0, 1, one, &past.cpu), PLINTH_OK);
  ASSERT_EQ(g_->tensor_view(gpu_, slots.gpu, 0, 1, one, &past.gpu), PLINTH_OK);
  ASSERT_EQ(c_->tensor_view(cpu_, slots.cpu, 1, 1, one, &end.cpu), PLINTH_OK);
  ASSERT_EQ(g_->tensor_view(gpu_, slots.gpu, 1, 1, one, &end.gpu), PLINTH_OK);

  // The step: y = attention(x as q over the cache after writing x as k and v) @ w^T.
  const auto step = [&](const plinth_backend_ops *o, plinth_backend_ctx *c, const Pair &p_x,
                        bool gpu, plinth_tensor **y_out) -> plinth_status {
    auto pick = [&](const Pair &p) { return gpu ? p.gpu : p.cpu; };
    const int64_t s4[4] = {1, 1, H, D}, s3[3] = {1, 1, W};
    plinth_tensor *x4 = nullptr, *att = nullptr, *att3 = nullptr, *y = nullptr;
    plinth_status st = o->tensor_view(c, pick(p_x), 0, 4, s4, &x4);
    if (st == PLINTH_OK) st = o->set_slice_dev(c, pick(kc), 1, pick(past), x4);
    if (st == PLINTH_OK) st = o->set_slice_dev(c, pick(vc), 1, pick(past), x4);
    if (st == PLINTH_OK) st = o->tensor_new(c, PLINTH_DTYPE_F32, 4, s4, &att);
    if (st == PLINTH_OK) {
      plinth_attention_args a{};
      a.struct_size = sizeof a;
      a.q = x4, a.k = pick(kc), a.v = pick(vc), a.out = att;
      a.scale = 0.2f;
      a.causal = 1;
      a.kv_len_dev = pick(end);
      a.q_offset_dev = pick(past);
      st = o->attention(c, &a);
    }
    if (st == PLINTH_OK) st = o->tensor_view(c, att, 0, 3, s3, &att3);
    if (st == PLINTH_OK) st = o->tensor_new(c, PLINTH_DTYPE_F32, 3, s3, &y);
    if (st == PLINTH_OK) st = o->linear(c, att3, pick(w), nullptr, y);
    o->tensor_free(c, att3); // intermediates freed at once: their memory stays with the graph
    o->tensor_free(c, att);
    o->tensor_free(c, x4);
    *y_out = y;
    return st;
  };

  Pair y{};
  plinth_graph *graph = nullptr;
  if (graphs) {
    ASSERT_EQ(g_->graph_begin(gpu_), PLINTH_OK) << last_error();
    const plinth_status recorded = step(g_, gpu_, x, true, &y.gpu);
    ASSERT_EQ(g_->graph_end(gpu_, &graph), PLINTH_OK) << last_error();
    ASSERT_EQ(recorded, PLINTH_OK) << last_error();
    ASSERT_NE(graph, nullptr);
  }

  for (int32_t pos = 0; pos < 10; ++pos) {
    const std::vector<float> xv = randf(static_cast<size_t>(W), 91 + pos);
    const int32_t sv[2] = {pos, pos + 1};
    ASSERT_EQ(c_->write(cpu_, x.cpu, xv.data(), xv.size() * 4, 0), PLINTH_OK);
    ASSERT_EQ(g_->write(gpu_, x.gpu, xv.data(), xv.size() * 4, 0), PLINTH_OK);
    ASSERT_EQ(c_->write(cpu_, slots.cpu, sv, sizeof sv, 0), PLINTH_OK);
    ASSERT_EQ(g_->write(gpu_, slots.gpu, sv, sizeof sv, 0), PLINTH_OK);
    ASSERT_EQ(step(c_, cpu_, x, false, &y.cpu), PLINTH_OK) << last_error();
    if (graphs) {
      ASSERT_EQ(g_->graph_launch(gpu_, graph), PLINTH_OK) << last_error();
    } else {
      g_->tensor_free(gpu_, y.gpu);
      ASSERT_EQ(step(g_, gpu_, x, true, &y.gpu), PLINTH_OK) << last_error();
    }
    // Eager work between replays reuses the context's freed blocks, never the graph's.
    Pair noise = rand({4, W}, 200 + pos), prod = zeros({4, W});
    ASSERT_EQ(g_->linear(gpu_, noise.gpu, w.gpu, nullptr, prod.gpu), PLINTH_OK) << last_error();
    expect_close(y, 2e-5f, 1e-4f, "graph replay at position " + std::to_string(pos));
    c_->tensor_free(cpu_, y.cpu);
    y.cpu = nullptr;
  }
  expect_close(kc, 0, 0, "key cache after ten replays");
  if (graphs) {
    g_->graph_free(gpu_, graph);
    g_->graph_free(gpu_, nullptr);
  }
  g_->tensor_free(gpu_, y.gpu);          // made while recording: valid until here
  for (const Pair &view : {past, end}) { // views before their source (freed in TearDown)
    c_->tensor_free(cpu_, view.cpu);
    g_->tensor_free(gpu_, view.gpu);
  }
}

// What a recording refuses: host transfers and waits fail (and leave the recording usable),
// graph_end without graph_begin fails, and PLINTH_GPU_GRAPHS=0 turns graph_begin off.
TEST_P(GpuVsCpu, GraphRecordingRules) {
  if (!g_->graph_begin) GTEST_SKIP() << GetParam() << " has no graph slots (runs eagerly)";
  plinth_graph *graph = nullptr;
  EXPECT_NE(g_->graph_end(gpu_, &graph), PLINTH_OK);
  Pair t = zeros({8});
  float buf[8] = {};
  ASSERT_EQ(g_->graph_begin(gpu_), PLINTH_OK) << last_error();
  EXPECT_NE(g_->graph_begin(gpu_), PLINTH_OK) << "a second recording on one context";
  EXPECT_EQ(g_->write(gpu_, t.gpu, buf, sizeof buf, 0), PLINTH_ERR_UNSUPPORTED);
  EXPECT_EQ(g_->read(gpu_, t.gpu, buf, sizeof buf, 0), PLINTH_ERR_UNSUPPORTED);
  EXPECT_EQ(g_->synchronize(gpu_), PLINTH_ERR_UNSUPPORTED);
  EXPECT_EQ(g_->fill(gpu_, t.gpu, 2.0f), PLINTH_OK) << last_error(); // recorded, not run
  ASSERT_EQ(g_->graph_end(gpu_, &graph), PLINTH_OK) << last_error();
  EXPECT_EQ(read(g_, gpu_, t.gpu), std::vector<uint8_t>(32, 0)) << "a recorded op ran";
  ASSERT_EQ(g_->graph_launch(gpu_, graph), PLINTH_OK) << last_error();
  std::vector<float> twos(8, 2.0f);
  std::vector<uint8_t> want(32);
  std::memcpy(want.data(), twos.data(), 32);
  EXPECT_EQ(read(g_, gpu_, t.gpu), want) << "the replay did not run the recorded fill";
  g_->graph_free(gpu_, graph);

  setenv("PLINTH_GPU_GRAPHS", "0", 1);
  plinth_backend_ctx *off = nullptr;
  plinth_backend_options o{};
  o.struct_size = sizeof o;
  const plinth_status created = plugin_->vt->context_create(&o, &off);
  unsetenv("PLINTH_GPU_GRAPHS");
  ASSERT_EQ(created, PLINTH_OK) << last_error();
  EXPECT_EQ(g_->graph_begin(off), PLINTH_ERR_UNSUPPORTED);
  EXPECT_NE(last_error().find("PLINTH_GPU_GRAPHS"), std::string::npos) << last_error();
  plugin_->vt->context_free(off);
}

TEST_P(GpuVsCpu, LinearInConversionChunks) {
  // Past 64 MiB of f32 rows the vendor-BLAS path converts the weights in chunks (two here,
  // the second short); the own GEMM and the GEMV read them as stored.
  for (int32_t dt : {PLINTH_DTYPE_F16, PLINTH_DTYPE_Q8_0}) {
    const float tol = 1e-3f; // quantized: against the dequantized weights (cpu_reference_weight)
    const Pair w = cpu_reference_weight(rand({8300, 2048}, 40, dt));
    Pair b = rand({8300}, 41);
    for (int64_t M : {2, 16}) {
      Pair x = rand({M, 2048}, 42), y = zeros({M, 8300});
      BOTH(c_->linear(cpu_, x.cpu, w.cpu, b.cpu, y.cpu),
           g_->linear(gpu_, x.gpu, w.gpu, b.gpu, y.gpu), "linear");
      expect_close(y, tol, tol,
                   "chunked linear dtype " + std::to_string(dt) + " M " + std::to_string(M));
    }
  }
}

// The host target runs GEMMs of at most this many rows at real sizes (a 40-row LM head is
// 5 GFLOP, minutes for an emulator checking every shared-memory access).
constexpr int64_t kEmuMaxRows = 8;

// Mistral-7B and ESM-650M sizes: offsets past 2^31 bytes, the real launch grids, cuBLAS with
// chunked conversion, flash-decoding over a long cache. Prints GPU timings.
// On the host target (gpu-emu, every CI run) the same sizes run except the largest GEMMs and
// the timings, which would take the emulator minutes each; the real launch grids, 64-bit
// offsets and the long-cache decode run all the same.
TEST_P(GpuVsCpu, RealSizes) {
  const bool emu = std::string(GetParam()) == "gpu-emu";
  if (!std::getenv("PLINTH_GPU_BIG_TESTS") && !emu)
    GTEST_SKIP() << "set PLINTH_GPU_BIG_TESTS=1 to run (tools/gpu-check.sh does)";
  const auto gpu_ms = [&](const std::function<plinth_status()> &op, int reps) {
    if (emu) return 0.0;                        // an emulator's time says nothing about a GPU's
    EXPECT_EQ(op(), PLINTH_OK) << last_error(); // warm-up
    EXPECT_EQ(g_->synchronize(gpu_), PLINTH_OK) << last_error();
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r)
      EXPECT_EQ(op(), PLINTH_OK) << last_error();
    EXPECT_EQ(g_->synchronize(gpu_), PLINTH_OK) << last_error();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
               .count() /
           reps;
  };
  const auto report = [&](const std::string &what, double ms, const std::string &extra) {
    if (emu) return;
    std::printf("[ timing   ] %-44s %9.3f ms  %s\n", what.c_str(), ms, extra.c_str());
  };
  const auto gbs = [](double bytes, double ms) {
    return std::to_string(static_cast<int>(bytes / (ms * 1e6))) + " GB/s";
  };
  const auto tflops = [](double flop, double ms) {
    char b[32];
    std::snprintf(b, sizeof b, "%.1f TFLOP/s", flop / (ms * 1e9));
    return std::string(b);
  };

  // Mistral-7B: the f16 embedding / LM-head matrix [32000, 4096] (262 MB).
  const int64_t V = 32000, H = 4096;
  Pair table = rand({V, H}, 100, PLINTH_DTYPE_F16);
  Pair ids = ints({4}, {0, static_cast<int32_t>(V - 1), 17, static_cast<int32_t>(V - 2)});
  Pair emb = zeros({4, H});
  BOTH(c_->get_rows(cpu_, table.cpu, ids.cpu, emb.cpu),
       g_->get_rows(gpu_, table.gpu, ids.gpu, emb.gpu), "get_rows");
  expect_close(emb, 0, 0, "get_rows [32000, 4096] f16");
  for (int64_t M : {1, 4, 40}) {
    if (emu && M > kEmuMaxRows) continue;
    Pair x = rand({M, H}, 101), y = zeros({M, V});
    BOTH(c_->linear(cpu_, x.cpu, table.cpu, nullptr, y.cpu),
         g_->linear(gpu_, x.gpu, table.gpu, nullptr, y.gpu), "lm head");
    expect_close(y, 2e-3f, 1e-3f, "lm head M " + std::to_string(M));
    const double ms =
        gpu_ms([&] { return g_->linear(gpu_, x.gpu, table.gpu, nullptr, y.gpu); }, 10);
    report("linear f16 [" + std::to_string(M) + ", 4096] x [32000, 4096]^T", ms,
           M <= 8 ? gbs(2.0 * V * H, ms) : tflops(2.0 * M * V * H, ms));
  }

  // Mistral-7B attention: decoding over a 4096-slot cache, and a 512-token prompt.
  {
    Pair q = rand({1, 1, 32, 128}, 102), k = rand({1, 4096, 8, 128}, 103);
    Pair v = rand({1, 4096, 8, 128}, 104), out = zeros({1, 1, 32, 128});
    plinth_attention_args a{};
    a.struct_size = sizeof a;
    a.kv_len = 4000;
    a.q_offset = 3999;
    a.scale = 1.0f / std::sqrt(128.0f);
    a.causal = 1;
    plinth_attention_args ac = a, ag = a;
    ac.q = q.cpu, ac.k = k.cpu, ac.v = v.cpu, ac.out = out.cpu;
    ag.q = q.gpu, ag.k = k.gpu, ag.v = v.gpu, ag.out = out.gpu;
    BOTH(c_->attention(cpu_, &ac), g_->attention(gpu_, &ag), "decode attention");
    expect_close(out, 2e-5f, 1e-4f, "decode attention, 4000 of 4096 slots");
    const double ms = gpu_ms([&] { return g_->attention(gpu_, &ag); }, 20);
    report("attention decode 32x128 heads, 4000 keys", ms, gbs(2.0 * 4000 * 8 * 128 * 4, ms));
  }
  {
    Pair q = rand({1, 512, 32, 128}, 105), k = rand({1, 512, 8, 128}, 106);
    Pair v = rand({1, 512, 8, 128}, 107), out = zeros({1, 512, 32, 128});
    plinth_attention_args a{};
    a.struct_size = sizeof a;
    a.scale = 1.0f / std::sqrt(128.0f);
    a.causal = 1;
    plinth_attention_args ac = a, ag = a;
    ac.q = q.cpu, ac.k = k.cpu, ac.v = v.cpu, ac.out = out.cpu;
    ag.q = q.gpu, ag.k = k.gpu, ag.v = v.gpu, ag.out = out.gpu;
    BOTH(c_->attention(cpu_, &ac), g_->attention(gpu_, &ag), "prompt attention");
    expect_close(out, 2e-5f, 1e-4f, "prompt attention 512");
    const double ms = gpu_ms([&] { return g_->attention(gpu_, &ag); }, 10);
    report("attention prompt 512, 32x128 heads, causal", ms,
           tflops(2.0 * 2 * 32 * 512 * 512 * 128 / 2, ms));
  }

  // ESM-650M, batch 16 x 512 tokens: FFN up-projection, layer norm, padded attention.
  {
    const int64_t B = emu ? 2 : 16, T = 512, E = 1280, F = 5120, Hh = 20, D = 64;
    Pair x = rand({B, T, E}, 108);
    double ms = 0;
    if (!emu) {
      Pair w = rand({F, E}, 109), b = rand({F}, 110), y = zeros({B, T, F});
      BOTH(c_->linear(cpu_, x.cpu, w.cpu, b.cpu, y.cpu),
           g_->linear(gpu_, x.gpu, w.gpu, b.gpu, y.gpu), "esm ffn");
      expect_close(y, 1e-3f, 1e-3f, "esm ffn [8192, 1280] x [5120, 1280]^T");
      ms = gpu_ms([&] { return g_->linear(gpu_, x.gpu, w.gpu, b.gpu, y.gpu); }, 5);
      report("linear f32 [8192, 1280] x [5120, 1280]^T", ms, tflops(2.0 * B * T * E * F, ms));
    }
    Pair ln = zeros({B, T, E}), lw = rand({E}, 111), lb = rand({E}, 112);
    BOTH(c_->layer_norm(cpu_, x.cpu, lw.cpu, lb.cpu, 1e-5f, ln.cpu),
         g_->layer_norm(gpu_, x.gpu, lw.gpu, lb.gpu, 1e-5f, ln.gpu), "layer_norm");
    expect_close(ln, 2e-5f, 2e-5f, "layer_norm [16, 512, 1280]");

    Pair q = rand({B, T, Hh, D}, 113), k = rand({B, T, Hh, D}, 114), v = rand({B, T, Hh, D}, 115);
    Pair out = zeros({B, T, Hh, D});
    std::vector<int32_t> m(static_cast<size_t>(B * T), 1);
    for (int64_t r = 0; r < B; ++r) // right padding: row r holds 512 - 24 r tokens
      for (int64_t j = T - 24 * r; j < T; ++j)
        m[static_cast<size_t>(r * T + j)] = 0;
    Pair mask = ints({B, T}, m);
    plinth_attention_args a{};
    a.struct_size = sizeof a;
    a.scale = 0.125f;
    plinth_attention_args ac = a, ag = a;
    ac.q = q.cpu, ac.k = k.cpu, ac.v = v.cpu, ac.out = out.cpu, ac.key_mask = mask.cpu;
    ag.q = q.gpu, ag.k = k.gpu, ag.v = v.gpu, ag.out = out.gpu, ag.key_mask = mask.gpu;
    BOTH(c_->attention(cpu_, &ac), g_->attention(gpu_, &ag), "esm attention");
    expect_close(out, 2e-5f, 1e-4f, "esm attention 16 x 512, 20 heads, padding");
    ms = gpu_ms([&] { return g_->attention(gpu_, &ag); }, 5);
    report("attention 16 x 512, 20x64 heads, padded", ms, tflops(2.0 * 2 * B * Hh * T * T * D, ms));
  }

  // Sampling-side reductions over the vocabulary.
  Pair logits = rand({16, V}, 116, PLINTH_DTYPE_F32, -10.0f, 10.0f);
  Pair am = zeros({16}, PLINTH_DTYPE_I32), tv = zeros({16, 40}),
       ti = zeros({16, 40}, PLINTH_DTYPE_I32);
  BOTH(c_->argmax(cpu_, logits.cpu, am.cpu), g_->argmax(gpu_, logits.gpu, am.gpu), "argmax");
  expect_close(am, 0, 0, "argmax [16, 32000]");
  BOTH(c_->topk(cpu_, logits.cpu, 40, tv.cpu, ti.cpu),
       g_->topk(gpu_, logits.gpu, 40, tv.gpu, ti.gpu), "topk");
  expect_close(ti, 0, 0, "topk 40 of [16, 32000]");
}

// PLINTH_GPU_TORCH_ORDER=1: attention, softmax and prompt-sized weight products in the rounding
// order of torch's CPU kernels, as the CPU backend always computes them: bit for bit equal.
TEST_P(GpuVsCpu, TorchOrderIsBitExact) {
  if (std::string(GetParam()) == "cpu") GTEST_SKIP() << "the CPU backend is always torch-ordered";
  setenv("PLINTH_GPU_TORCH_ORDER", "1", 1);
  plinth_backend_options o{};
  o.struct_size = sizeof o;
  plinth_backend_ctx *exact = nullptr;
  const plinth_status st = plugin_->vt->context_create(&o, &exact);
  unsetenv("PLINTH_GPU_TORCH_ORDER");
  ASSERT_EQ(st, PLINTH_OK) << last_error();
  EXPECT_NE(std::string(plugin_->vt->describe(exact)).find("torch rounding order"),
            std::string::npos);
  // Tensors of the exact context, filled from the same bytes as the fixture's pairs.
  const auto copy = [&](const Pair &p) {
    plinth_tensor *t = nullptr;
    const auto bytes = read(c_, cpu_, p.cpu);
    EXPECT_EQ(
        g_->tensor_from_host(exact, p.cpu->dtype, p.cpu->ndim, p.cpu->shape, bytes.data(), 0, &t),
        PLINTH_OK)
        << last_error();
    return t;
  };
  std::vector<plinth_tensor *> made;
  const auto same_bits = [&](const Pair &cpu_side, plinth_tensor *t, const std::string &what) {
    made.push_back(t);
    std::vector<uint8_t> got(read(c_, cpu_, cpu_side.cpu).size());
    ASSERT_EQ(g_->read(exact, t, got.data(), got.size(), 0), PLINTH_OK) << last_error();
    EXPECT_EQ(read(c_, cpu_, cpu_side.cpu), got) << what;
  };
  // Attention with everything: GQA, padding mask, causal window, bias, probs, large values.
  const int64_t B = 2, T = 13, Hq = 4, Hkv = 2, D = 24;
  Pair q = rand({B, T, Hq, D}, 60, PLINTH_DTYPE_F32, -30.0f, 30.0f);
  Pair k = rand({B, T, Hkv, D}, 61, PLINTH_DTYPE_F32, -30.0f, 30.0f);
  Pair v = rand({B, T, Hkv, D}, 62, PLINTH_DTYPE_F32, -30.0f, 30.0f);
  Pair bias = rand({B, Hq, T, T}, 63);
  std::vector<int32_t> m(static_cast<size_t>(B * T), 1);
  m[static_cast<size_t>(T + 11)] = m[static_cast<size_t>(T + 12)] = 0;
  Pair mask = ints({B, T}, m), out = zeros({B, T, Hq, D}), probs = zeros({B, Hq, T, T});
  plinth_attention_args a{};
  a.struct_size = sizeof a;
  a.scale = 1.0f / std::sqrt(static_cast<float>(D));
  a.causal = 1;
  a.window = 9;
  plinth_attention_args ac = a, ag = a;
  ac.q = q.cpu, ac.k = k.cpu, ac.v = v.cpu, ac.out = out.cpu, ac.key_mask = mask.cpu;
  ac.bias = bias.cpu, ac.probs = probs.cpu;
  ag.q = copy(q), ag.k = copy(k), ag.v = copy(v), ag.key_mask = copy(mask), ag.bias = copy(bias);
  for (const plinth_tensor *t : {ag.q, ag.k, ag.v, ag.key_mask, ag.bias})
    made.push_back(const_cast<plinth_tensor *>(t));
  ag.out = copy(out);
  ag.probs = copy(probs);
  ASSERT_EQ(c_->attention(cpu_, &ac), PLINTH_OK) << last_error();
  ASSERT_EQ(g_->attention(exact, &ag), PLINTH_OK) << last_error();
  same_bits(out, ag.out, "attention out");
  same_bits(probs, ag.probs, "attention probs");
  // Softmax over rows of several lengths (the 16-lane sum's tails).
  for (int64_t width : {1, 15, 16, 17, 100}) {
    Pair x = rand({3, width}, 64, PLINTH_DTYPE_F32, -20.0f, 20.0f), y = zeros({3, width});
    plinth_tensor *gx = copy(x), *gy = copy(y);
    made.push_back(gx);
    ASSERT_EQ(c_->softmax(cpu_, x.cpu, y.cpu), PLINTH_OK) << last_error();
    ASSERT_EQ(g_->softmax(exact, gx, gy), PLINTH_OK) << last_error();
    same_bits(y, gy, "softmax width " + std::to_string(width));
  }
  // A prompt-sized product: one FMA chain over k from 0, then the bias.
  Pair x = rand({37, 96}, 65, PLINTH_DTYPE_F32, -50.0f, 50.0f), w = rand({70, 96}, 66);
  Pair bb = rand({70}, 67), y = zeros({37, 70});
  plinth_tensor *gx = copy(x), *gw = copy(w), *gb = copy(bb), *gy = copy(y);
  made.insert(made.end(), {gx, gw, gb});
  ASSERT_EQ(c_->linear(cpu_, x.cpu, w.cpu, bb.cpu, y.cpu), PLINTH_OK) << last_error();
  ASSERT_EQ(g_->linear(exact, gx, gw, gb, gy), PLINTH_OK) << last_error();
  same_bits(y, gy, "linear [37, 96] x [70, 96]^T");
  for (plinth_tensor *t : made)
    g_->tensor_free(exact, t);
  plugin_->vt->context_free(exact);
}

TEST_P(GpuVsCpu, Conv1dDepthwise) {
  Pair x = rand({2, 13, 24}, 30), kern = rand({24, 5}, 31, PLINTH_DTYPE_F16),
       y = zeros({2, 13, 24});
  BOTH(c_->conv1d_depthwise(cpu_, x.cpu, kern.cpu, 2, y.cpu),
       g_->conv1d_depthwise(gpu_, x.gpu, kern.gpu, 2, y.gpu), "conv1d_depthwise");
  expect_close(y, 1e-6f, 1e-5f, "conv1d_depthwise");
}

INSTANTIATE_TEST_SUITE_P(Backends, GpuVsCpu, ::testing::Values("cuda", "hip", "gpu-emu"));
// The CPU plugin in the GPU's place: every run, with or without a GPU, executes the whole
// harness (shapes, arguments, tolerances of each case), so a mistake in a test shows up here
// and not first on a rented GPU.
INSTANTIATE_TEST_SUITE_P(HarnessSelfCheck, GpuVsCpu, ::testing::Values("cpu"));

// Runs on every machine where the plugin was built: it must open without a GPU or driver,
// and with no device report 0 and refuse create() with a clear message.
class GpuPluginLoad : public ::testing::TestWithParam<const char *> {};

TEST_P(GpuPluginLoad, OpensAndCountsDevices) {
  GpuPlugin p(GetParam());
  if (!p.vt) GTEST_SKIP() << p.why_not;
  EXPECT_EQ(p.desc->abi_version, PLINTH_ABI_VERSION);
  EXPECT_STREQ(p.desc->name, GetParam());
  ASSERT_NE(p.vt->device_kinds, nullptr);
  EXPECT_STREQ(p.vt->device_kinds[0], GetParam());
  EXPECT_GE(p.vt->ops->struct_size, sizeof(plinth_backend_ops));
  const int32_t n = p.vt->device_count();
  EXPECT_GE(n, 0);
  if (n == 0) {
    plinth_backend_ctx *ctx = nullptr;
    EXPECT_EQ(p.vt->context_create(nullptr, &ctx), PLINTH_ERR_BACKEND);
    EXPECT_EQ(ctx, nullptr);
    EXPECT_NE(last_error().find("found no"), std::string::npos) << last_error();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, GpuPluginLoad, ::testing::Values("cuda", "hip", "gpu-emu"));

} // namespace
