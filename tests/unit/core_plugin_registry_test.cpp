// Plugin discovery and validation: manifests first, ABI checks before and after opening,
// and a clear message for every refusal — never a crash.
#include <algorithm>

#include <gtest/gtest.h>

#include "error.hpp"
#include "plugin_manifest.hpp"
#include "plugin_registry.hpp"

using plinth::PluginEntry;
using plinth::PluginRegistry;

namespace {
PluginEntry *find(PluginRegistry &r, const std::string &name) {
  for (auto &e : r.entries())
    if (e.manifest.name == name) return &e;
  return nullptr;
}
} // namespace

TEST(PluginRegistry, RejectsDescriptorWithOtherAbi) {
  PluginRegistry r;
  r.discover({PLINTH_TEST_BAD_PLUGIN_DIR});
  auto *e = find(r, "bad_abi");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, PLINTH_PLUGIN_STATE_AVAILABLE);
  EXPECT_FALSE(r.open(*e));
  EXPECT_EQ(e->state, PLINTH_PLUGIN_STATE_REJECTED);
  EXPECT_NE(e->message.find("ABI version 999"), std::string::npos) << e->message;
}

TEST(PluginRegistry, RejectsManifestWithOtherAbiWithoutOpening) {
  PluginRegistry r;
  r.discover({PLINTH_TEST_BAD_PLUGIN_DIR});
  auto *e = find(r, "old_abi");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, PLINTH_PLUGIN_STATE_REJECTED);
  EXPECT_EQ(e->library, nullptr);
  EXPECT_NE(e->message.find("ABI version 0"), std::string::npos) << e->message;
}

TEST(PluginRegistry, AbiVersionBeyond32BitsIsRejected) {
  PluginRegistry r;
  r.discover({PLINTH_TEST_BAD_PLUGIN_DIR});
  auto *e = find(r, "huge_abi"); // a refused manifest is listed under its file's name
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state, PLINTH_PLUGIN_STATE_REJECTED);
  EXPECT_NE(e->message.find("not a 32-bit version number"), std::string::npos) << e->message;
}

// Found by tools/fuzz.sh: a float abi_version went through toml++'s float-to-int64 cast,
// undefined for 6.6e37. Numbers that are not integers are refused before any conversion.
TEST(PluginRegistry, AbiVersionMustBeAnInteger) {
  for (const char *v : {"6.66222e37", "1.0", "\"1\"", "-1"}) {
    const std::string text = std::string("name = \"x\"\nkind = \"backend\"\nabi_version = ") + v +
                             "\nlibrary = \"libx.so\"\ndevice_kinds = [\"cpu\"]\n";
    try {
      plinth::parse_plugin_manifest(text, "/fuzz/x.toml");
      ADD_FAILURE() << "accepted abi_version = " << v;
    } catch (const plinth::Error &e) {
      EXPECT_NE(std::string(e.what()).find("non-negative integer"), std::string::npos) << e.what();
    }
  }
}

TEST(PluginRegistry, GarbageManifestAndMissingLibraryAreReported) {
  PluginRegistry r;
  r.discover({PLINTH_TEST_BAD_PLUGIN_DIR});
  auto *g = find(r, "garbage");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->state, PLINTH_PLUGIN_STATE_REJECTED);
  EXPECT_NE(g->message.find("invalid TOML"), std::string::npos) << g->message;
  auto *m = find(r, "missing_lib");
  ASSERT_NE(m, nullptr);
  EXPECT_FALSE(r.open(*m));
  EXPECT_NE(m->message.find("not found"), std::string::npos) << m->message;
}

TEST(PluginRegistry, UnservedModelTypeIsClearError) {
  PluginRegistry r;
  r.discover({PLINTH_TEST_BAD_PLUGIN_DIR});
  try {
    r.architecture_for("bad_abi_model");
    FAIL();
  } catch (const plinth::Error &e) {
    EXPECT_EQ(e.status(), PLINTH_ERR_NOT_FOUND);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no plugin serves model_type 'bad_abi_model'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("ABI version 999"), std::string::npos) << msg;
  }
}

TEST(PluginRegistry, RealPluginsLoad) {
  PluginRegistry r;
  r.discover({PLINTH_TEST_PLUGIN_DIR});
  auto *cpu = find(r, "cpu");
  ASSERT_NE(cpu, nullptr) << "cpu backend manifest missing from " << PLINTH_TEST_PLUGIN_DIR;
  EXPECT_TRUE(r.open(*cpu)) << cpu->message;
  EXPECT_GE(cpu->backend()->device_count(), 1);
}
