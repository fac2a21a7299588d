// Reads the central directory of a zip archive held in memory (a mapped file) and exposes each
// STORED entry as a pointer into the mapping. PyTorch's checkpoint format is a zip whose
// entries are stored uncompressed, so tensors can be used in place without a copy.
// Compressed entries are reported, not inflated. ZIP64 is supported (checkpoints > 4 GB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace plinth {

struct ZipEntry {
  std::string name;
  const uint8_t *data = nullptr; // nullptr when compressed
  uint64_t size = 0;             // uncompressed size
  uint16_t method = 0;           // 0 = stored
};

class ZipArchive {
public:
  // Throws plinth::Error(FORMAT) naming `label` when the archive is malformed or truncated.
  ZipArchive(const uint8_t *data, size_t size, const std::string &label);
  const std::map<std::string, ZipEntry> &entries() const { return entries_; }
  // A stored entry; throws FORMAT if absent or compressed.
  const ZipEntry &stored(const std::string &name) const;

private:
  std::string label_;
  std::map<std::string, ZipEntry> entries_;
};

bool looks_like_zip(const uint8_t *data, size_t size);

} // namespace plinth
