// The safetensors format: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data.
// Every offset and size is validated against the file before anything points into it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mapped_file.hpp"

namespace plinth {

struct TensorRecord {
  std::string name;
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr; // into the mapping
  size_t nbytes = 0;
  // data lies in a read-only file mapping (not in memory the reader owns), so its pages may be
  // dropped from the process (madvise) and are read back from the file if touched again.
  bool in_mapping = false;
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

// A file of named tensors (safetensors or a PyTorch checkpoint), memory-mapped.
class TensorFile {
public:
  virtual ~TensorFile() = default;
  virtual const std::map<std::string, TensorRecord> &tensors() const = 0;
  const TensorRecord *find(const std::string &name) const {
    auto it = tensors().find(name);
    return it == tensors().end() ? nullptr : &it->second;
  }
  // The mapped file the records point into (null for in-memory buffers).
  virtual MappedFile *mapping() const { return nullptr; }
};

class SafetensorsFile : public TensorFile {
public:
  explicit SafetensorsFile(const std::filesystem::path &path); // throws plinth::Error(FORMAT)
  // Parses an in-memory buffer (used by tests for malformed headers). The buffer must outlive
  // the object.
  SafetensorsFile(const uint8_t *data, size_t size, const std::string &label);

  const std::map<std::string, TensorRecord> &tensors() const override { return tensors_; }
  MappedFile *mapping() const override { return file_.get(); }
  const std::map<std::string, std::string> &metadata() const { return metadata_; }
  const std::string &label() const { return label_; }

private:
  void parse(const uint8_t *data, size_t size);
  std::unique_ptr<MappedFile> file_;
  std::string label_;
  std::map<std::string, TensorRecord> tensors_;
  std::map<std::string, std::string> metadata_;
};

} // namespace plinth
