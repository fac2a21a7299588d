#include "mapped_file.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.hpp"
#include "file_read.hpp"

namespace plinth {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// Maps the file read-only at a 2 MiB-aligned address and advises huge pages. Where the page
// cache holds the file in 2 MiB folios (recent kernels with large-folio file systems such as
// ext4 read a file into them when it is first faulted in through such a mapping), they are
// then mapped whole: weights read in place get the TLB reach and the physically contiguous
// rows of huge pages, which decoding streams ~10% faster than 4 KiB pages. Elsewhere the
// advice does nothing. Falls back to a plain mapping when the address space is tight.
void *map_huge_aligned(int fd, size_t size) {
  if (size >= kHugePage) {
    void *area = ::mmap(nullptr, size + kHugePage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area != MAP_FAILED) {
      const auto base = reinterpret_cast<uintptr_t>(area);
      const uintptr_t a = (base + kHugePage - 1) & ~uintptr_t{kHugePage - 1};
      void *p =
          ::mmap(reinterpret_cast<void *>(a), size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
      if (p != MAP_FAILED) {
        // Give back the reservation around the file mapping.
        if (a > base) ::munmap(area, a - base);
        const uintptr_t end = a + ((size + 4095) & ~size_t{4095});
        if (base + size + kHugePage > end)
          ::munmap(reinterpret_cast<void *>(end), base + size + kHugePage - end);
        ::madvise(p, size, MADV_HUGEPAGE); // advice only: failure is harmless
        return p;
      }
      ::munmap(area, size + kHugePage);
    }
  }
  return ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
}

// Reads one byte in every 2 MiB of [p, p + len): a fault through a MADV_HUGEPAGE mapping
// reads (or maps) the whole 2 MiB folio around it, so this maps the range without reading
// every page.
void touch_every_2mib(const uint8_t *p, size_t len) {
  const volatile uint8_t *v = p;
  uint8_t sink = 0;
  for (size_t off = 0; off < len; off += kHugePage)
    sink ^= v[off];
  (void)sink;
}

} // namespace

const char *HugePageResult::name() const {
  switch (kind) {
  case kSkipped: return "skipped";
  case kAlready: return "already";
  case kUnsupported: return "unsupported";
  case kMoved: return "moved";
  case kSlowStorage: return "slow storage";
  }
  return "?";
}

std::optional<uint64_t> file_pmd_mapped_kb(const void *addr) {
#ifdef __linux__
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) return std::nullopt;
  const auto a = reinterpret_cast<uintptr_t>(addr);
  bool inside = false;
  std::string line;
  while (std::getline(smaps, line)) {
    // A mapping's block starts with "start-end perms offset dev inode [path]"; the key lines
    // ("Size:", "FilePmdMapped:", ...) never parse as two hex numbers joined by '-'.
    uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2) {
      inside = a >= lo && a < hi;
      continue;
    }
    unsigned long long kb = 0;
    if (inside && std::sscanf(line.c_str(), "FilePmdMapped: %llu kB", &kb) == 1)
      return static_cast<uint64_t>(kb);
  }
#else
  (void)addr;
#endif
  return std::nullopt;
}

MappedFile::MappedFile(const std::filesystem::path &path) : path_(path) {
  const int fd = open_regular_file(path, &size_);
  // The descriptor stays open: prefer_huge_pages() works on the file's cached pages through it.
  if (size_ > 0) {
    void *p = map_huge_aligned(fd, size_);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      throw Error(PLINTH_ERR_IO, "cannot map " + path.string() + ": " + std::strerror(err));
    }
    data_ = static_cast<const uint8_t *>(p);
  }
  fd_ = fd;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t *>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

HugePageResult MappedFile::prefer_huge_pages(size_t min_bytes, const Progress &progress) {
  std::lock_guard<std::mutex> lock(huge_mutex_);
  if (!huge_result_) {
    const auto t0 = std::chrono::steady_clock::now();
    HugePageResult r = make_huge_pages(min_bytes, progress);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    huge_result_ = r;
    r.first = true;
    return r;
  }
  return *huge_result_;
}

HugePageResult MappedFile::make_huge_pages(size_t min_bytes, const Progress &progress) {
  HugePageResult r;
#ifdef __linux__
  const auto base = reinterpret_cast<uintptr_t>(data_);
  const bool worth_it = fd_ >= 0 && data_ && size_ >= std::max(min_bytes, kHugePage);
  if (!worth_it || base % kHugePage != 0) return r; // kSkipped
  const size_t chunks = size_ / kHugePage;          // only whole 2 MiB chunks can be mapped huge
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));

  // Probe: map the file as it is cached now. A file read from disk for the first time comes in
  // 2 MiB folios already (the fault through this mapping asks readahead for them).
  touch_every_2mib(data_, chunks * kHugePage);
  const auto probed = file_pmd_mapped_kb(data_);
  if (!probed) return r; // no smaps: nothing can be checked, so nothing is changed
  r.huge_bytes = *probed * 1024;
  if (r.huge_bytes * 10 >= uint64_t{chunks} * kHugePage * 9) {
    r.kind = HugePageResult::kAlready;
    return r;
  }

  // Drops [off, off + len) from the page cache so the next fault reads it again. Dirty pages
  // are written back first (fadvise would skip them); our own mapping is unmapped first (it
  // is PROT_READ and never written, so this only unmaps, but mapped pages are not evicted).
  // Pages other processes map stay cached (fadvise skips them): they simply stay small.
  auto drop = [&](size_t off, size_t len) {
    ::sync_file_range(fd_, static_cast<off_t>(off), static_cast<off_t>(len),
                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                          SYNC_FILE_RANGE_WAIT_AFTER);
    ::madvise(const_cast<uint8_t *>(data_) + off, (len + page - 1) & ~(page - 1), MADV_DONTNEED);
    ::posix_fadvise(fd_, static_cast<off_t>(off), static_cast<off_t>(len), POSIX_FADV_DONTNEED);
  };

  // Trial on one whole chunk: if re-reading it does not give a 2 MiB page, the kernel or the
  // file system cannot, and re-reading the whole file would only cost a disk read per load.
  const size_t trial = (chunks / 2) * kHugePage;
  drop(trial, kHugePage);
  const auto before = file_pmd_mapped_kb(data_);
  const auto t0 = std::chrono::steady_clock::now();
  touch_every_2mib(data_ + trial, kHugePage);
  const double trial_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto after = file_pmd_mapped_kb(data_);
  if (!before || !after || *after < *before + kHugePage / 1024) {
    r.kind = HugePageResult::kUnsupported;
    return r;
  }
  // The re-read costs one read of the file from its storage: on a disk slower than
  // kMinReadBytesPerS (a spinning disk, a network share) that is minutes for a large model,
  // more than the faster decoding wins back, so such files are left as they are.
  r.read_bytes_per_s = static_cast<double>(kHugePage) / std::max(trial_s, 1e-6);
  if (r.read_bytes_per_s < kMinReadBytesPerS) {
    r.kind = HugePageResult::kSlowStorage;
    return r;
  }

  // The whole file, a slice at a time (the slice is read back before the next is dropped, so
  // at most one slice is out of the cache at once).
  constexpr size_t kSlice = size_t{64} << 20;
  for (size_t off = 0; off < size_; off += kSlice) {
    const size_t len = std::min(kSlice, size_ - off);
    drop(off, len);
#ifdef MADV_POPULATE_READ
    if (::madvise(const_cast<uint8_t *>(data_) + off, (len + page - 1) & ~(page - 1),
                  MADV_POPULATE_READ) != 0)
#endif
      touch_every_2mib(data_ + off, len); // kernels before 5.14
    if (progress && !progress(off + len, size_)) break;
  }
  r.kind = HugePageResult::kMoved;
  r.huge_bytes = file_pmd_mapped_kb(data_).value_or(0) * 1024;
#else
  (void)min_bytes;
  (void)progress;
#endif
  return r;
}

} // namespace plinth
