// Files the core reads whole (configs, tokenizer files, manifests, plinth.toml) and maps
// (checkpoints): special files are refused at once instead of blocking in open() or read(),
// and oversized ones before anything is allocated for them.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "error.hpp"
#include "file_read.hpp"
#include "mapped_file.hpp"
#include "plugin_manifest.hpp"
#include "runtime_config.hpp"

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("plinth_file_read_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

template <class F> std::string error_of(F &&f) {
  try {
    f();
  } catch (const plinth::Error &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FileRead, AFifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const fs::path fifo = dir.path / "config.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Each of these blocked forever in open() before: nobody writes to the FIFO.
  EXPECT_NE(error_of([&] { plinth::read_text_file(fifo); }).find("not a regular file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { plinth::MappedFile m(fifo); }).find("not a regular file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { plinth::read_runtime_config(fifo); }).find("not a regular file"),
            std::string::npos);
  EXPECT_NE(error_of([&] { plinth::read_plugin_manifest(fifo); }).find("not a regular file"),
            std::string::npos);
}

TEST(FileRead, OversizedFilesAreRefusedBeforeReading) {
  TempDir dir;
  const fs::path f = dir.path / "vocab.txt";
  std::ofstream(f) << "a\r\nb\n\nc";
  EXPECT_EQ(plinth::read_text_lines(f), (std::vector<std::string>{"a", "b", "", "c"}));
  const std::string e = error_of([&] { plinth::read_text_file(f, 4); });
  EXPECT_NE(e.find("7 bytes, above the limit of 4"), std::string::npos) << e;
}

} // namespace
