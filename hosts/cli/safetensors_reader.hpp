// A small reader for .safetensors files (the golden fixtures' inputs and expected outputs).
// Format: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data,
// offsets relative to its start.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace plinth_cli {

struct StTensor {
  std::string name;
  std::string dtype; // safetensors spelling: F32, I64, I32, F16, BF16, F64, U8, I8, I16, BOOL
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;

  int64_t numel() const;
  bool is_float() const;
  // Element i converted to double / int64 (any supported dtype).
  double value(int64_t i) const;
  int64_t int_value(int64_t i) const;
  std::vector<double> to_doubles() const;
  std::vector<int64_t> to_int64s() const;
};

// "[2, 3, 4]"
std::string shape_string(const std::vector<int64_t> &shape);

class SafetensorsFile {
public:
  // Reads and validates the whole file; throws std::runtime_error naming the file on any
  // problem (missing, truncated, bad JSON, offsets out of range, unknown dtype).
  static SafetensorsFile read(const std::string &path);

  const StTensor *find(const std::string &name) const;
  // Tensor names in the order their data appears in the file.
  const std::vector<std::string> &names() const { return names_; }

private:
  std::map<std::string, StTensor> tensors_;
  std::vector<std::string> names_;
};

} // namespace plinth_cli
