// MappedFile::prefer_huge_pages: whatever the kernel can do, the mapped bytes never change, the
// work is done once, and a "moved"/"already" result shows up as 2 MiB pages in smaps.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "mapped_file.hpp"

namespace fs = std::filesystem;

namespace {

constexpr size_t kMiB = size_t{1} << 20;

// A file of `bytes` bytes whose every 64-bit word is a function of its index, written 4 KiB at
// a time and flushed after each piece, so the page cache holds it in small folios (what
// prefer_huge_pages is for; one large write can get large folios straight away).
fs::path write_pattern_file(const std::string &tag, size_t bytes) {
  auto p = fs::temp_directory_path() /
           ("plinth_mapped_" + tag + "_" + std::to_string(::getpid()) + ".bin");
  std::vector<uint64_t> words(bytes / 8);
  for (size_t i = 0; i < words.size(); ++i)
    words[i] = i * 0x9E3779B97F4A7C15ull + 7;
  std::ofstream out(p, std::ios::binary);
  const char *b = reinterpret_cast<const char *>(words.data());
  for (size_t off = 0; off < bytes; off += 4096) {
    out.write(b + off, static_cast<std::streamsize>(std::min<size_t>(4096, bytes - off)));
    out.flush();
  }
  return p;
}

uint64_t checksum(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

bool matches_pattern(const plinth::MappedFile &f) {
  const auto *w = reinterpret_cast<const uint64_t *>(f.data());
  for (size_t i = 0; i < f.size() / 8; ++i)
    if (w[i] != i * 0x9E3779B97F4A7C15ull + 7) return false;
  return true;
}

} // namespace

TEST(MappedFile, PreferHugePagesKeepsBytesAndRunsOnce) {
  const auto path = write_pattern_file("huge", 8 * kMiB);
  {
    plinth::MappedFile f(path);
    ASSERT_EQ(f.size(), 8 * kMiB);
    const uint64_t sum = checksum(f.data(), f.size());
    const auto r = f.prefer_huge_pages(4 * kMiB);
    EXPECT_TRUE(r.first);
    EXPECT_NE(r.kind, plinth::HugePageResult::kSkipped) << "an 8 MiB file at a 2 MiB-aligned "
                                                           "address is worth the attempt";
    EXPECT_EQ(checksum(f.data(), f.size()), sum);
    EXPECT_TRUE(matches_pattern(f));
    if (r.kind == plinth::HugePageResult::kMoved || r.kind == plinth::HugePageResult::kAlready) {
      const auto kb = plinth::file_pmd_mapped_kb(f.data());
      ASSERT_TRUE(kb.has_value());
      EXPECT_GT(*kb, 0u);
    }
    const auto again = f.prefer_huge_pages(4 * kMiB);
    EXPECT_FALSE(again.first);
    EXPECT_EQ(again.kind, r.kind);
    EXPECT_EQ(again.seconds, r.seconds);
    EXPECT_EQ(checksum(f.data(), f.size()), sum);
    std::printf("prefer_huge_pages on 8 MiB: %s in %.3f s, %llu bytes in 2 MiB pages\n", r.name(),
                r.seconds, static_cast<unsigned long long>(r.huge_bytes));
  }
  fs::remove(path);
}

// The re-read reports its progress in bytes of the file, and a false return stops it without
// changing a byte.
TEST(MappedFile, PreferHugePagesReportsProgressAndStops) {
  const auto path = write_pattern_file("progress", 8 * kMiB);
  {
    plinth::MappedFile f(path);
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    const auto r = f.prefer_huge_pages(4 * kMiB, [&](uint64_t done, uint64_t total) {
      calls.emplace_back(done, total);
      return false; // stop after the first slice
    });
    EXPECT_TRUE(matches_pattern(f));
    if (r.kind == plinth::HugePageResult::kMoved) { // only a re-read reports
      ASSERT_EQ(calls.size(), 1u);
      EXPECT_EQ(calls[0].second, f.size());
      EXPECT_GT(calls[0].first, 0u);
      EXPECT_LE(calls[0].first, f.size());
    } else {
      EXPECT_TRUE(calls.empty()) << r.name();
    }
  }
  fs::remove(path);
}

TEST(MappedFile, PreferHugePagesSkipsSmallFiles) {
  const auto path = write_pattern_file("small", 3 * kMiB);
  {
    plinth::MappedFile f(path);
    EXPECT_EQ(f.prefer_huge_pages(4 * kMiB).kind, plinth::HugePageResult::kSkipped);
    EXPECT_TRUE(matches_pattern(f));
  }
  {
    plinth::MappedFile f(path); // the default threshold (64 MiB) also leaves it alone
    EXPECT_EQ(f.prefer_huge_pages().kind, plinth::HugePageResult::kSkipped);
  }
  fs::remove(path);
}

TEST(MappedFile, FindsTheMappingInSmaps) {
  const auto path = write_pattern_file("smaps", 4 * kMiB);
  {
    plinth::MappedFile f(path);
    EXPECT_TRUE(f.contains(f.data() + f.size() - 1));
    EXPECT_FALSE(f.contains(f.data() + f.size()));
    EXPECT_TRUE(plinth::file_pmd_mapped_kb(f.data()).has_value()); // 0 or more, but found
    EXPECT_FALSE(plinth::file_pmd_mapped_kb(reinterpret_cast<void *>(uintptr_t{16})).has_value());
  }
  fs::remove(path);
}
