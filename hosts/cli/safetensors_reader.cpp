#include "safetensors_reader.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace plinth_cli {

namespace {

size_t dtype_size(const std::string &dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "U8" || dtype == "I8" || dtype == "BOOL") return 1;
  return 0;
}

template <typename T> T load(const unsigned char *p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000U) << 16;
  uint32_t exponent = (h >> 10) & 0x1FU;
  uint32_t mantissa = h & 0x3FFU;
  uint32_t bits = 0;
  if (exponent == 0x1F) { // inf / nan
    bits = sign | 0x7F800000U | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) { // subnormal: normalise
    exponent = 113;
    while ((mantissa & 0x400U) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FFU) << 13);
  } else {
    bits = sign;
  }
  return std::bit_cast<float>(bits);
}

} // namespace

int64_t StTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

bool StTensor::is_float() const { return dtype[0] == 'F' || dtype == "BF16"; }

double StTensor::value(int64_t i) const {
  const unsigned char *p = bytes.data() + static_cast<size_t>(i) * dtype_size(dtype);
  if (dtype == "F32") return load<float>(p);
  if (dtype == "F64") return load<double>(p);
  if (dtype == "F16") return half_to_float(load<uint16_t>(p));
  if (dtype == "BF16") return std::bit_cast<float>(static_cast<uint32_t>(load<uint16_t>(p)) << 16);
  return static_cast<double>(int_value(i));
}

int64_t StTensor::int_value(int64_t i) const {
  const unsigned char *p = bytes.data() + static_cast<size_t>(i) * dtype_size(dtype);
  if (dtype == "I64") return load<int64_t>(p);
  if (dtype == "I32") return load<int32_t>(p);
  if (dtype == "I16") return load<int16_t>(p);
  if (dtype == "I8") return load<int8_t>(p);
  if (dtype == "U8" || dtype == "BOOL") return load<uint8_t>(p);
  if (dtype == "U16") return load<uint16_t>(p);
  if (dtype == "U32") return load<uint32_t>(p);
  if (dtype == "U64") return static_cast<int64_t>(load<uint64_t>(p));
  return static_cast<int64_t>(value(i));
}

std::vector<double> StTensor::to_doubles() const {
  std::vector<double> out(static_cast<size_t>(numel()));
  for (int64_t i = 0; i < numel(); ++i)
    out[static_cast<size_t>(i)] = value(i);
  return out;
}

std::vector<int64_t> StTensor::to_int64s() const {
  std::vector<int64_t> out(static_cast<size_t>(numel()));
  for (int64_t i = 0; i < numel(); ++i)
    out[static_cast<size_t>(i)] = int_value(i);
  return out;
}

std::string shape_string(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

SafetensorsFile SafetensorsFile::read(const std::string &path) {
  auto fail = [&](const std::string &what) -> std::runtime_error {
    return std::runtime_error(path + ": " + what);
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open");
  std::vector<unsigned char> file((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (file.size() < 8) throw fail("too short for a safetensors header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) // little-endian regardless of the host
    header_len = (header_len << 8) | file[static_cast<size_t>(i)];
  if (header_len > file.size() - 8)
    throw fail("header length " + std::to_string(header_len) + " exceeds the file size");
  const size_t data_start = 8 + static_cast<size_t>(header_len);
  const size_t data_size = file.size() - data_start;

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(file.begin() + 8, file.begin() + static_cast<long>(data_start));
  } catch (const nlohmann::json::exception &e) {
    throw fail(std::string("bad JSON header: ") + e.what());
  }
  if (!header.is_object()) throw fail("header is not a JSON object");

  SafetensorsFile result;
  std::vector<std::pair<uint64_t, std::string>> order;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const nlohmann::json &entry = it.value();
    StTensor t;
    t.name = it.key();
    try {
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = entry.at("shape").get<std::vector<int64_t>>();
      auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1] || offsets[1] > data_size)
        throw fail("tensor '" + t.name + "' has data offsets outside the file");
      const size_t elem = dtype_size(t.dtype);
      if (elem == 0) throw fail("tensor '" + t.name + "' has unsupported dtype " + t.dtype);
      for (int64_t d : t.shape)
        if (d < 0) throw fail("tensor '" + t.name + "' has a negative dimension");
      if (static_cast<uint64_t>(t.numel()) * elem != offsets[1] - offsets[0])
        throw fail("tensor '" + t.name + "' size does not match its shape " +
                   shape_string(t.shape));
      auto begin = file.begin() + static_cast<long>(data_start + offsets[0]);
      t.bytes.assign(begin, begin + static_cast<long>(offsets[1] - offsets[0]));
      order.emplace_back(offsets[0], t.name);
    } catch (const nlohmann::json::exception &e) {
      throw fail("bad entry for '" + it.key() + "': " + e.what());
    }
    result.tensors_.emplace(t.name, std::move(t));
  }
  std::sort(order.begin(), order.end());
  for (auto &entry : order)
    result.names_.push_back(entry.second);
  return result;
}

const StTensor *SafetensorsFile::find(const std::string &name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

} // namespace plinth_cli
