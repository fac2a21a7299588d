// Shared set-up for the CPU backend tests: a minimal host table whose set_error records the
// message, a backend context, and helpers to move std::vectors in and out of tensors.
#pragma once

#include "plinth_plugin.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" const plinth_plugin_descriptor *
plinth_cpu_backend_descriptor(const plinth_host_api *host);

namespace cpu_test {

inline std::string &last_error() {
  static std::string message;
  return message;
}

inline plinth_status record_error(plinth_status status, const char *message) {
  last_error() = message ? message : "";
  return status;
}

inline const plinth_host_api *test_host() {
  static const plinth_host_api host = [] {
    plinth_host_api h{};
    h.struct_size = sizeof(plinth_host_api);
    h.abi_version = PLINTH_ABI_VERSION;
    h.set_error = record_error;
    return h;
  }();
  return &host;
}

inline const plinth_backend_vtable *vtable() {
  const plinth_plugin_descriptor *d = plinth_cpu_backend_descriptor(test_host());
  return static_cast<const plinth_backend_vtable *>(d->vtable);
}

using Shape = std::vector<int64_t>;

inline int64_t count(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s)
    n *= d;
  return n;
}

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v)
    x = dist(rng);
  return v;
}

// A backend context plus tensor helpers; tensors made through it are freed at the end.
class CpuBackend : public ::testing::Test {
protected:
  explicit CpuBackend(int threads = 2) : threads_(threads) {}

  void SetUp() override {
    vt = vtable();
    ops = vt->ops;
    plinth_backend_options opts{sizeof(plinth_backend_options), threads_, 0};
    ASSERT_EQ(vt->context_create(&opts, &ctx), PLINTH_OK);
    last_error().clear();
  }

public: // helpers are public so free functions taking the fixture can use them
  void TearDown() override {
    // Views first: they must be freed before their source.
    for (auto it = tensors_.rbegin(); it != tensors_.rend(); ++it)
      ops->tensor_free(ctx, *it);
    if (ctx) vt->context_free(ctx);
  }

  plinth_tensor *make(int32_t dtype, const Shape &shape) {
    plinth_tensor *t = nullptr;
    EXPECT_EQ(ops->tensor_new(ctx, dtype, static_cast<int32_t>(shape.size()), shape.data(), &t),
              PLINTH_OK)
        << last_error();
    tensors_.push_back(t);
    return t;
  }
  plinth_tensor *from(const std::vector<float> &v, const Shape &shape) {
    EXPECT_EQ(static_cast<int64_t>(v.size()), count(shape));
    plinth_tensor *t = nullptr;
    EXPECT_EQ(ops->tensor_from_host(ctx, PLINTH_DTYPE_F32, static_cast<int32_t>(shape.size()),
                                    shape.data(), v.data(), 0, &t),
              PLINTH_OK)
        << last_error();
    tensors_.push_back(t);
    return t;
  }
  plinth_tensor *from_i32(const std::vector<int32_t> &v, const Shape &shape) {
    EXPECT_EQ(static_cast<int64_t>(v.size()), count(shape));
    plinth_tensor *t = nullptr;
    EXPECT_EQ(ops->tensor_from_host(ctx, PLINTH_DTYPE_I32, static_cast<int32_t>(shape.size()),
                                    shape.data(), v.data(), 0, &t),
              PLINTH_OK)
        << last_error();
    tensors_.push_back(t);
    return t;
  }
  // A tensor of another dtype holding `v` converted by the backend's copy().
  plinth_tensor *from_as(const std::vector<float> &v, const Shape &shape, int32_t dtype) {
    plinth_tensor *src = from(v, shape);
    plinth_tensor *dst = make(dtype, shape);
    EXPECT_EQ(ops->copy(ctx, src, dst), PLINTH_OK) << last_error();
    return dst;
  }
  plinth_tensor *zeros(const Shape &shape) { return make(PLINTH_DTYPE_F32, shape); }

  std::vector<float> get(const plinth_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; ++i)
      n *= t->shape[i];
    std::vector<float> v(static_cast<size_t>(n));
    EXPECT_EQ(ops->read(ctx, t, v.data(), v.size() * 4, 0), PLINTH_OK) << last_error();
    return v;
  }
  std::vector<int32_t> get_i32(const plinth_tensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->ndim; ++i)
      n *= t->shape[i];
    std::vector<int32_t> v(static_cast<size_t>(n));
    EXPECT_EQ(ops->read(ctx, t, v.data(), v.size() * 4, 0), PLINTH_OK) << last_error();
    return v;
  }
  // Values of a f16/bf16/f32 tensor as f32 (through the backend's copy).
  std::vector<float> get_as_f32(const plinth_tensor *t) {
    Shape s(t->shape, t->shape + t->ndim);
    plinth_tensor *f = make(PLINTH_DTYPE_F32, s);
    EXPECT_EQ(ops->copy(ctx, t, f), PLINTH_OK) << last_error();
    return get(f);
  }

  // Expects `status` to be INVALID_ARGUMENT with a message that names `op`.
  void expect_rejected(plinth_status status, const std::string &op) {
    EXPECT_EQ(status, PLINTH_ERR_INVALID_ARGUMENT);
    EXPECT_NE(last_error().find("cpu." + op), std::string::npos) << last_error();
    last_error().clear();
  }

  const plinth_backend_vtable *vt = nullptr;
  const plinth_backend_ops *ops = nullptr;
  plinth_backend_ctx *ctx = nullptr;

private:
  int threads_;
  std::vector<plinth_tensor *> tensors_;
};

inline void expect_near_all(const std::vector<float> &got, const std::vector<float> &want,
                            float tol, const char *what = "") {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1.0f + std::abs(want[i]))) << what << " at " << i;
}

} // namespace cpu_test
