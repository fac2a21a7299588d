// A tiny writer of PyTorch zip checkpoints for the tests (no Python here): stored zip entries
// and a protocol-2 pickle of an OrderedDict of _rebuild_tensor_v2 records — the layout
// torch.save produces. Options let tests corrupt it in specific ways.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace test_torch {

struct Storage {
  std::string key;  // archive/data/<key>
  std::string type; // "FloatStorage", "HalfStorage", ...
  int64_t numel = 0;
  std::vector<uint8_t> bytes;
};

struct Tensor {
  std::string name;
  size_t storage = 0; // index into the storages
  int64_t offset = 0;
  std::vector<int64_t> shape, stride;
};

struct Options {
  std::string extra_global; // e.g. "os\nsystem" to plant a hostile global
  int64_t numel_delta = 0;  // declare storages larger than their bytes
};

inline void put(std::vector<uint8_t> &b, const std::string &s) {
  b.insert(b.end(), s.begin(), s.end());
}
inline void put32(std::vector<uint8_t> &b, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put16(std::vector<uint8_t> &b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
inline void pstr(std::vector<uint8_t> &b, const std::string &s) {
  b.push_back('X');
  put32(b, static_cast<uint32_t>(s.size()));
  put(b, s);
}
inline void pint(std::vector<uint8_t> &b, int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) {
    b.push_back('J'); // BININT
    put32(b, static_cast<uint32_t>(static_cast<int32_t>(v)));
    return;
  }
  b.push_back(static_cast<uint8_t>(0x8a)); // LONG1: 8 little-endian two's-complement bytes
  b.push_back(8);
  for (int i = 0; i < 8; ++i)
    b.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
}

inline std::vector<uint8_t> pickle(const std::vector<Storage> &st, const std::vector<Tensor> &ts,
                                   const Options &o) {
  std::vector<uint8_t> b{0x80, 0x02};
  put(b, "ccollections\nOrderedDict\n)R");
  if (!o.extra_global.empty()) { // a hostile call planted inside the dict
    pstr(b, "evil");
    put(b, "c" + o.extra_global + "\n");
    b.push_back('(');
    pstr(b, "echo pwned");
    put(b, "tRs");
  }
  for (const auto &t : ts) {
    const Storage &s = st[t.storage];
    pstr(b, t.name);
    put(b, "ctorch._utils\n_rebuild_tensor_v2\n(");
    b.push_back('(');
    pstr(b, "storage");
    put(b, "ctorch\n" + s.type + "\n");
    pstr(b, s.key);
    pstr(b, "cpu");
    pint(b, s.numel + o.numel_delta);
    put(b, "tQ");
    pint(b, t.offset);
    b.push_back('(');
    for (auto v : t.shape)
      pint(b, v);
    b.push_back('t');
    b.push_back('(');
    for (auto v : t.stride)
      pint(b, v);
    b.push_back('t');
    b.push_back(0x89);
    put(b, "ccollections\nOrderedDict\n)R");
    put(b, "tRs");
  }
  b.push_back('.');
  return b;
}

inline std::vector<uint8_t>
zip(const std::vector<std::pair<std::string, std::vector<uint8_t>>> &files) {
  std::vector<uint8_t> out, cd;
  uint16_t n = 0;
  for (const auto &[name, data] : files) {
    const uint32_t off = static_cast<uint32_t>(out.size());
    put32(out, 0x04034b50);
    put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0);
    put32(out, 0), put32(out, static_cast<uint32_t>(data.size())),
        put32(out, static_cast<uint32_t>(data.size()));
    put16(out, static_cast<uint16_t>(name.size())), put16(out, 0);
    put(out, name);
    out.insert(out.end(), data.begin(), data.end());
    put32(cd, 0x02014b50);
    put16(cd, 20), put16(cd, 20), put16(cd, 0), put16(cd, 0), put16(cd, 0), put16(cd, 0);
    put32(cd, 0), put32(cd, static_cast<uint32_t>(data.size())),
        put32(cd, static_cast<uint32_t>(data.size()));
    put16(cd, static_cast<uint16_t>(name.size())), put16(cd, 0), put16(cd, 0), put16(cd, 0),
        put16(cd, 0);
    put32(cd, 0), put32(cd, off);
    put(cd, name);
    ++n;
  }
  const uint32_t cd_off = static_cast<uint32_t>(out.size());
  out.insert(out.end(), cd.begin(), cd.end());
  put32(out, 0x06054b50);
  put16(out, 0), put16(out, 0), put16(out, n), put16(out, n);
  put32(out, static_cast<uint32_t>(cd.size())), put32(out, cd_off), put16(out, 0);
  return out;
}

inline std::vector<uint8_t> checkpoint(const std::vector<Storage> &st,
                                       const std::vector<Tensor> &ts, const Options &o = {}) {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> files;
  files.emplace_back("archive/data.pkl", pickle(st, ts, o));
  files.emplace_back("archive/byteorder", std::vector<uint8_t>{'l', 'i', 't', 't', 'l', 'e'});
  for (const auto &s : st)
    files.emplace_back("archive/data/" + s.key, s.bytes);
  files.emplace_back("archive/version", std::vector<uint8_t>{'3', '\n'});
  return zip(files);
}

} // namespace test_torch
