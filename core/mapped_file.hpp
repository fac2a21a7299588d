// A read-only memory-mapped file. Weights are used in place from the mapping, so an f32
// checkpoint on the CPU backend costs no second copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace plinth {

class MappedFile {
public:
  explicit MappedFile(const std::filesystem::path &path); // throws plinth::Error
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

} // namespace plinth
