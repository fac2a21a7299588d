#include "safetensors_writer.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace make_model {

void write_safetensors(const std::string &path, const std::vector<WriteTensor> &tensors,
                       const std::string &dtype, size_t es,
                       const std::function<void(size_t, int64_t, int64_t, uint8_t *)> &fill,
                       const std::function<void(uint64_t, uint64_t)> &progress) {
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  std::vector<int64_t> numels;
  for (const auto &t : tensors) {
    int64_t n = 1;
    for (auto d : t.shape) n *= d;
    numels.push_back(n);
    header[t.name] = {{"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + n * es}}};
    offset += static_cast<uint64_t>(n) * es;
  }
  std::string h = header.dump();
  while ((h.size() + 8) % 8) h.push_back(' '); // keep the data 8-byte aligned
  std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) throw std::runtime_error("cannot write " + path);
  uint64_t hl = h.size();
  uint8_t lenb[8];
  for (int i = 0; i < 8; ++i) lenb[i] = static_cast<uint8_t>(hl >> (8 * i));
  std::fwrite(lenb, 1, 8, f.get());
  std::fwrite(h.data(), 1, h.size(), f.get());
  const int64_t chunk = 1 << 20;
  std::vector<uint8_t> buf(static_cast<size_t>(chunk) * es);
  uint64_t done = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    for (int64_t e = 0; e < numels[i]; e += chunk) {
      const int64_t n = std::min(chunk, numels[i] - e);
      fill(i, e, n, buf.data());
      if (std::fwrite(buf.data(), es, static_cast<size_t>(n), f.get()) != static_cast<size_t>(n))
        throw std::runtime_error("write failed (disk full?): " + path);
      done += static_cast<uint64_t>(n) * es;
      progress(done, offset);
    }
  }
}

} // namespace make_model
