// The zip reader behind pytorch_model.bin: records that point outside a short file are
// refused with a message, never followed.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "error.hpp"
#include "zip_archive.hpp"

namespace {

void put(std::vector<uint8_t> &f, size_t at, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    f[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}

// A ZIP64 locator whose end record would lie far past the end of a 42-byte file: the check
// `z64 > size - 56` wrapped around for files shorter than 56 bytes.
TEST(ZipArchive, Zip64LocatorInAFileShorterThanItsRecordIsRefused) {
  std::vector<uint8_t> f(42, 0);
  put(f, 0, 0x07064b50, 4);  // ZIP64 end-of-central-directory locator
  put(f, 8, 1u << 30, 8);    // its record's offset: 1 GiB into a 42-byte file
  put(f, 20, 0x06054b50, 4); // end-of-central-directory record
  try {
    plinth::ZipArchive zip(f.data(), f.size(), "tiny.bin");
    FAIL() << "accepted";
  } catch (const plinth::Error &e) {
    EXPECT_NE(std::string(e.what()).find("bad ZIP64 end record"), std::string::npos) << e.what();
  }
}

} // namespace
