// plinth.toml: known settings are read, unknown ones and bad values are clear errors.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "error.hpp"
#include "runtime_config.hpp"

namespace fs = std::filesystem;

namespace {
// One file per test: CTest runs these tests in parallel processes.
fs::path write_toml(const std::string &text) {
  const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  auto p = fs::temp_directory_path() / ("plinth_rt_test_" + name + ".toml");
  std::ofstream(p) << text;
  return p;
}
} // namespace

TEST(RuntimeConfig, ReadsSettings) {
  auto p = write_toml("plugin_paths = [\"plug\", \"/abs\"]\ndefault_backend = \"cuda\"\n"
                      "threads = 3\nlog_level = \"debug\"\n");
  auto c = plinth::read_runtime_config(p);
  ASSERT_EQ(c.plugin_paths.size(), 2u);
  EXPECT_EQ(c.plugin_paths[0], p.parent_path() / "plug"); // relative to the file
  EXPECT_EQ(c.plugin_paths[1], fs::path("/abs"));
  EXPECT_EQ(c.default_backend, "cuda");
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(c.log_level, PLINTH_LOG_DEBUG);
  EXPECT_TRUE(c.mmap_weights); // default: device-format weights are lent from the mapping
  EXPECT_FALSE(plinth::read_runtime_config(write_toml("mmap_weights = false\n")).mmap_weights);
  EXPECT_TRUE(c.huge_page_cache); // default: lent files are re-read into 2 MiB page-cache pages
  EXPECT_FALSE(
      plinth::read_runtime_config(write_toml("huge_page_cache = false\n")).huge_page_cache);
}

TEST(RuntimeConfig, UnknownSettingIsRejected) {
  auto p = write_toml("thread = 2\n");
  try {
    plinth::read_runtime_config(p);
    FAIL();
  } catch (const plinth::Error &e) {
    EXPECT_NE(std::string(e.what()).find("unknown setting 'thread'"), std::string::npos);
  }
}

TEST(RuntimeConfig, BadTomlAndMissingFile) {
  EXPECT_THROW(plinth::read_runtime_config(write_toml("threads = = 2")), plinth::Error);
  EXPECT_THROW(plinth::read_runtime_config("/no/such/plinth.toml"), plinth::Error);
  EXPECT_THROW(plinth::read_runtime_config(write_toml("log_level = \"loud\"")), plinth::Error);
  EXPECT_THROW(plinth::read_runtime_config(write_toml("mmap_weights = 1")), plinth::Error);
  EXPECT_THROW(plinth::read_runtime_config(write_toml("huge_page_cache = \"yes\"")), plinth::Error);
}

// A setting of the wrong type was silently ignored, leaving the default in force.
TEST(RuntimeConfig, WronglyTypedSettingsAreErrors) {
  for (const char *text : {"threads = \"4\"\n", "default_backend = 3\n", "log_level = 1\n",
                           "plugin_paths = \"/opt/plugins\"\n", "threads = 2.5\n"}) {
    try {
      plinth::read_runtime_config(write_toml(text));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const plinth::Error &e) {
      EXPECT_NE(std::string(e.what()).find(" must be "), std::string::npos) << e.what();
    }
  }
}

TEST(RuntimeConfig, LimitsAreReadAndChecked) {
  const auto dflt = plinth::read_runtime_config(write_toml("")).limits;
  EXPECT_EQ(dflt.threads, 1024);
  EXPECT_EQ(dflt.file_bytes, int64_t{1} << 30);
  const auto c = plinth::read_runtime_config(
      write_toml("threads = 8\n[limits]\nthreads = 8\nbatch = 2\ncontext = 64\nnew_tokens = 5\n"
                 "text_bytes = 100\nfile_bytes = 5000000000\n"));
  EXPECT_EQ(c.limits.threads, 8);
  EXPECT_EQ(c.limits.batch, 2);
  EXPECT_EQ(c.limits.context, 64);
  EXPECT_EQ(c.limits.new_tokens, 5);
  EXPECT_EQ(c.limits.text_bytes, 100);
  EXPECT_EQ(c.limits.file_bytes, 5000000000);
  EXPECT_EQ(c.threads, 8);
  const std::pair<const char *, const char *> bad[] = {
      {"[limits]\nbatches = 2\n", "unknown limit 'batches'"},
      {"[limits]\nbatch = 0\n", "limits.batch must be an integer from 1"},
      {"[limits]\ncontext = 3000000000\n",
       "limits.context must be an integer from 1 to 2147483647"},
      {"[limits]\nnew_tokens = \"5\"\n", "limits.new_tokens must be"},
      {"limits = 3\n", "limits must be a table"},
      {"threads = 9\n[limits]\nthreads = 8\n",
       "threads 9 is out of range (0 to limits.threads, 8)"},
  };
  for (const auto &[text, needle] : bad) {
    try {
      plinth::read_runtime_config(write_toml(text));
      ADD_FAILURE() << "accepted: " << text;
    } catch (const plinth::Error &e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

TEST(RuntimeConfig, CheckLimitNamesTheLimit) {
  EXPECT_NO_THROW(plinth::check_limit(4, 4, "batch", "session batch"));
  try {
    plinth::check_limit(5, 4, "batch", "session batch");
    FAIL();
  } catch (const plinth::Error &e) {
    EXPECT_EQ(e.status(), PLINTH_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(e.what(), "session batch 5 is above the limit of 4 (limits.batch in plinth.toml)");
  }
}
