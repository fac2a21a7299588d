// CPU backend as a plugin: the built module exports plinth_plugin_entry, which returns the
// same backend table that plinth_cpu_backend_descriptor() gives the other tests.
#include "backend_cpu_fixture.hpp"

#include <dlfcn.h>

#include <filesystem>

namespace {

TEST(CpuPlugin, EntryPointReturnsBackendDescriptor) {
  const std::filesystem::path lib =
      std::filesystem::path(PLINTH_TEST_PLUGIN_DIR) / "libplinth_cpu.so";
  if (!std::filesystem::exists(lib)) GTEST_SKIP() << lib << " not built";
  void *handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto entry = reinterpret_cast<plinth_plugin_entry_fn>(dlsym(handle, PLINTH_PLUGIN_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  // Internal names stay hidden.
  EXPECT_EQ(dlsym(handle, "plinth_cpu_backend_descriptor"), nullptr);
  const plinth_plugin_descriptor *d = entry(cpu_test::test_host());
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->abi_version, PLINTH_ABI_VERSION);
  EXPECT_EQ(d->kind, PLINTH_PLUGIN_BACKEND);
  EXPECT_STREQ(d->name, "cpu");
  const auto *vt = static_cast<const plinth_backend_vtable *>(d->vtable);
  ASSERT_GE(vt->struct_size, sizeof(plinth_backend_vtable));
  ASSERT_GE(vt->ops->struct_size, sizeof(plinth_backend_ops));
  plinth_backend_ctx *ctx = nullptr;
  plinth_backend_options opts{sizeof(opts), 1, 0};
  ASSERT_EQ(vt->context_create(&opts, &ctx), PLINTH_OK);
  const float v[3] = {1, -2, 3};
  const int64_t shape[1] = {3};
  plinth_tensor *x = nullptr, *y = nullptr;
  ASSERT_EQ(vt->ops->tensor_from_host(ctx, PLINTH_DTYPE_F32, 1, shape, v, 0, &x), PLINTH_OK);
  ASSERT_EQ(vt->ops->tensor_new(ctx, PLINTH_DTYPE_F32, 1, shape, &y), PLINTH_OK);
  ASSERT_EQ(vt->ops->unary(ctx, PLINTH_UNARY_RELU, x, y), PLINTH_OK);
  float out[3];
  ASSERT_EQ(vt->ops->read(ctx, y, out, sizeof(out), 0), PLINTH_OK);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], 3.0f);
  vt->ops->tensor_free(ctx, x);
  vt->ops->tensor_free(ctx, y);
  vt->context_free(ctx);
  dlclose(handle);
}

} // namespace
