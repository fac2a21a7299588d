#include "zip_archive.hpp"

#include <cstring>

#include "error.hpp"

namespace plinth {

namespace {
uint16_t rd16(const uint8_t *p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t rd32(const uint8_t *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint64_t rd64(const uint8_t *p) { return rd32(p) | (static_cast<uint64_t>(rd32(p + 4)) << 32); }

constexpr uint32_t kEocd = 0x06054b50, kZip64Locator = 0x07064b50, kZip64Eocd = 0x06064b50,
                   kCentral = 0x02014b50, kLocal = 0x04034b50;
} // namespace

bool looks_like_zip(const uint8_t *data, size_t size) { return size >= 4 && rd32(data) == kLocal; }

ZipArchive::ZipArchive(const uint8_t *data, size_t size, const std::string &label) : label_(label) {
  auto fail = [&](const std::string &why) {
    throw Error(PLINTH_ERR_FORMAT, label_ + ": not a valid zip archive: " + why);
  };
  if (size < 22) fail("too short (truncated?)");
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  size_t eocd = SIZE_MAX;
  const size_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  for (size_t i = size - 22 + 1; i-- > lowest;)
    if (rd32(data + i) == kEocd) {
      eocd = i;
      break;
    }
  if (eocd == SIZE_MAX) fail("no end-of-central-directory record (truncated?)");
  uint64_t n_entries = rd16(data + eocd + 10);
  uint64_t cd_size = rd32(data + eocd + 12);
  uint64_t cd_offset = rd32(data + eocd + 16);
  if (eocd >= 20 && rd32(data + eocd - 20) == kZip64Locator) {
    const uint64_t z64 = rd64(data + eocd - 20 + 8);
    // size - 56 would wrap for a file shorter than the record it points to.
    if (size < 56 || z64 > size - 56 || rd32(data + z64) != kZip64Eocd)
      fail("bad ZIP64 end record");
    n_entries = rd64(data + z64 + 32);
    cd_size = rd64(data + z64 + 40);
    cd_offset = rd64(data + z64 + 48);
  }
  if (cd_offset > size || cd_size > size - cd_offset)
    fail("central directory lies outside the file");
  const uint8_t *p = data + cd_offset;
  const uint8_t *end = p + cd_size;
  for (uint64_t i = 0; i < n_entries; ++i) {
    if (end - p < 46 || rd32(p) != kCentral) fail("corrupt central directory entry");
    const uint16_t method = rd16(p + 10);
    uint64_t csize = rd32(p + 20), usize = rd32(p + 24);
    const uint16_t name_len = rd16(p + 28), extra_len = rd16(p + 30), comment_len = rd16(p + 32);
    uint64_t local = rd32(p + 42);
    if (static_cast<size_t>(end - p) < 46u + name_len + extra_len + comment_len)
      fail("central directory entry overruns the directory");
    std::string name(reinterpret_cast<const char *>(p + 46), name_len);
    // ZIP64 extra field: the 64-bit values of whichever 32-bit fields are saturated.
    const uint8_t *x = p + 46 + name_len, *xend = x + extra_len;
    while (xend - x >= 4) {
      const uint16_t id = rd16(x), len = rd16(x + 2);
      if (xend - x - 4 < len) break;
      if (id == 0x0001) {
        const uint8_t *f = x + 4, *fend = f + len;
        if (usize == 0xffffffffu && fend - f >= 8) usize = rd64(f), f += 8;
        if (csize == 0xffffffffu && fend - f >= 8) csize = rd64(f), f += 8;
        if (local == 0xffffffffu && fend - f >= 8) local = rd64(f), f += 8;
      }
      x += 4 + len;
    }
    if (local > size - 30 || rd32(data + local) != kLocal)
      fail("entry '" + name + "' has no local header");
    const uint64_t data_off = local + 30 + rd16(data + local + 26) + rd16(data + local + 28);
    if (data_off > size || csize > size - data_off)
      fail("entry '" + name + "' extends past the end of the file (truncated?)");
    ZipEntry e;
    e.name = name;
    e.method = method;
    e.size = usize;
    if (method == 0) {
      if (csize != usize) fail("stored entry '" + name + "' has inconsistent sizes");
      e.data = data + data_off;
    }
    entries_[name] = e;
    p += 46 + name_len + extra_len + comment_len;
  }
}

const ZipEntry &ZipArchive::stored(const std::string &name) const {
  auto it = entries_.find(name);
  if (it == entries_.end())
    throw Error(PLINTH_ERR_FORMAT, label_ + ": archive has no entry '" + name + "'");
  if (!it->second.data)
    throw Error(PLINTH_ERR_UNSUPPORTED,
                label_ + ": entry '" + name +
                    "' is compressed; PyTorch checkpoints store entries uncompressed");
  return it->second;
}

} // namespace plinth
