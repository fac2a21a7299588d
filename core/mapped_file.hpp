// A read-only memory-mapped file. Weights are used in place from the mapping, so an f32
// checkpoint on the CPU backend costs no second copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>

namespace plinth {

// What MappedFile::prefer_huge_pages() found or did.
struct HugePageResult {
  enum Kind {
    kSkipped,     // not Linux, file too small, or the mapping is not 2 MiB-aligned
    kAlready,     // the mapping was already (almost) all 2 MiB pages
    kUnsupported, // the kernel or file system gave small pages even after a re-read
    kMoved,       // the file's page cache was re-read in 2 MiB folios
    kSlowStorage, // could, but the file's storage reads too slowly for the re-read to pay
  };
  Kind kind = kSkipped;
  double seconds = 0;          // time the call took (probe, trial and re-read)
  uint64_t huge_bytes = 0;     // bytes of the mapping in 2 MiB pages afterwards (0 if unknown)
  double read_bytes_per_s = 0; // how fast the trial chunk came back from storage (0 if untried)
  bool first = false;          // true only in the call that did the work
  const char *name() const;    // "skipped", "already", ...
};

// Below this rate (measured on the trial chunk) the page-cache re-read is not attempted.
inline constexpr double kMinReadBytesPerS = 150e6;

class MappedFile {
public:
  explicit MappedFile(const std::filesystem::path &path); // throws plinth::Error
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  const std::filesystem::path &path() const { return path_; }
  bool contains(const void *p) const {
    const auto *b = static_cast<const uint8_t *>(p);
    return data_ && b >= data_ && b < data_ + size_;
  }

  // Makes the page cache hold this file in 2 MiB folios, so the mapping is mapped with 2 MiB
  // pages: decoding streams weights read in place from them at the machine's read bandwidth,
  // against ~82% of it from 4 KiB pages (docs/PERFORMANCE.md).
  // A file copied or written by a program sits in the page cache in small folios, and this
  // kernel cannot collapse file pages (no READ_ONLY_THP_FOR_FS: MADV_COLLAPSE fails), but
  // pages read back through a 2 MiB-aligned MADV_HUGEPAGE mapping come in as 2 MiB folios. So
  // the file's clean cached pages are dropped and read again through the mapping: once (a disk
  // read of the file), after which every load while the file stays cached finds huge folios.
  // A trial on one 2 MiB chunk first tells whether the kernel and file system can do it at all.
  // Does the work on the first call only; later calls return the first result. Never throws:
  // it changes speed only, never the bytes. `progress(done, total)` (bytes of the file) is
  // called after each slice of the re-read; returning false stops it there (the rest of the
  // file simply stays in small pages).
  using Progress = std::function<bool(uint64_t done, uint64_t total)>;
  HugePageResult prefer_huge_pages(size_t min_bytes = size_t{64} << 20,
                                   const Progress &progress = {});

private:
  HugePageResult make_huge_pages(size_t min_bytes, const Progress &progress);
  std::filesystem::path path_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1; // kept open for sync_file_range / posix_fadvise on the cached pages
  std::mutex huge_mutex_;
  std::optional<HugePageResult> huge_result_;
};

// kB of the mapping that contains `addr` mapped with 2 MiB file pages ("FilePmdMapped" in
// /proc/self/smaps); nullopt where smaps cannot be read or has no such mapping.
std::optional<uint64_t> file_pmd_mapped_kb(const void *addr);

} // namespace plinth
