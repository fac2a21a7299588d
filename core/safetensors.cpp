#include "safetensors.hpp"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "dtype.hpp"
#include "error.hpp"

namespace plinth {

namespace {
// A header larger than this is not a real checkpoint header (the format's own limit is 100 MB).
constexpr uint64_t kMaxHeader = 100ull * 1024 * 1024;
} // namespace

SafetensorsFile::SafetensorsFile(const std::filesystem::path &path)
    : file_(std::make_unique<MappedFile>(path)), label_(path.string()) {
  parse(file_->data(), file_->size());
}

SafetensorsFile::SafetensorsFile(const uint8_t *data, size_t size, const std::string &label)
    : label_(label) {
  parse(data, size);
}

void SafetensorsFile::parse(const uint8_t *data, size_t size) {
  auto fail = [&](const std::string &why) {
    throw Error(PLINTH_ERR_FORMAT, label_ + ": not a valid safetensors file: " + why);
  };
  if (size < 8) fail("file shorter than its 8-byte header length");
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i)
    hlen = (hlen << 8) | data[i];
  if (hlen > kMaxHeader) fail("header length " + std::to_string(hlen) + " is implausible");
  if (hlen > size - 8) fail("header length " + std::to_string(hlen) + " exceeds the file size");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(data + 8, data + 8 + hlen);
  } catch (const std::exception &e) {
    fail(std::string("header is not JSON (") + e.what() + ")");
  }
  if (!header.is_object()) fail("header is not a JSON object");
  const uint8_t *base = data + 8 + hlen;
  const size_t data_size = size - 8 - hlen;
  struct Range {
    uint64_t begin, end;
    const std::string *name;
  };
  std::vector<Range> ranges;
  for (auto &[name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (entry.is_object())
        for (auto &[k, v] : entry.items())
          if (v.is_string()) metadata_[k] = v.get<std::string>();
      continue;
    }
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      fail("tensor '" + name + "' lacks dtype, shape or data_offsets");
    const auto &jd = entry["dtype"];
    const auto &js = entry["shape"];
    const auto &jo = entry["data_offsets"];
    if (!jd.is_string() || !js.is_array() || !jo.is_array() || jo.size() != 2)
      fail("tensor '" + name + "' has a malformed entry");
    TensorRecord rec;
    rec.name = name;
    auto dt = dtype_from_safetensors(jd.get<std::string>());
    if (!dt) fail("tensor '" + name + "' has unsupported dtype " + jd.get<std::string>());
    rec.dtype = *dt;
    uint64_t numel = 1;
    for (const auto &d : js) {
      if (!d.is_number_unsigned()) fail("tensor '" + name + "' has a negative or non-integer dim");
      const uint64_t v = d.get<uint64_t>();
      if (v != 0 && numel > (uint64_t(1) << 62) / v) fail("tensor '" + name + "' is too large");
      numel *= v;
      rec.shape.push_back(static_cast<int64_t>(v));
    }
    if (!jo[0].is_number_unsigned() || !jo[1].is_number_unsigned())
      fail("tensor '" + name + "' has invalid data_offsets");
    const uint64_t b = jo[0].get<uint64_t>(), e = jo[1].get<uint64_t>();
    if (b > e || e > data_size)
      fail("tensor '" + name + "' data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
           "] lie outside the " + std::to_string(data_size) +
           "-byte data section (truncated file?)");
    uint64_t need = 0;
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(dtype_size(rec.dtype)), &need))
      fail("tensor '" + name + "' is too large");
    if (e - b != need)
      fail("tensor '" + name + "' holds " + std::to_string(e - b) + " bytes but its shape needs " +
           std::to_string(need));
    ranges.push_back({b, e, &name});
    rec.data = base + b;
    rec.nbytes = e - b;
    rec.in_mapping = file_ != nullptr;
    tensors_.emplace(name, std::move(rec));
  }
  // As the format requires (and the reference implementation checks): the tensors' byte
  // ranges tile the data section, no two sharing a byte. Overlapping tensors would alias each
  // other's weights without a word.
  std::sort(ranges.begin(), ranges.end(), [](const Range &x, const Range &y) {
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
  });
  uint64_t covered = 0;
  for (const Range &r : ranges) {
    if (r.begin < covered)
      fail("tensor '" + *r.name + "' data_offsets [" + std::to_string(r.begin) + ", " +
           std::to_string(r.end) + "] overlap another tensor's bytes");
    if (r.begin > covered)
      fail("bytes [" + std::to_string(covered) + ", " + std::to_string(r.begin) +
           ") of the data section belong to no tensor");
    covered = r.end;
  }
  if (covered != data_size)
    fail("bytes [" + std::to_string(covered) + ", " + std::to_string(data_size) +
         ") of the data section belong to no tensor");
}

} // namespace plinth
