// PyTorch `pytorch_model.bin` checkpoints (the zip format of torch.save since 1.6): the state
// dict's pickle is read by the restricted reader (core/torch_pickle.hpp) and every tensor
// points into the mapped archive; only non-contiguous views are copied.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "mapped_file.hpp"
#include "safetensors.hpp"

namespace plinth {

class TorchCheckpointFile : public TensorFile {
public:
  explicit TorchCheckpointFile(const std::filesystem::path &path); // throws plinth::Error
  // In-memory variant for tests; the buffer must outlive the object.
  TorchCheckpointFile(const uint8_t *data, size_t size, const std::string &label);
  const std::map<std::string, TensorRecord> &tensors() const override { return tensors_; }
  MappedFile *mapping() const override { return file_.get(); }

private:
  void parse(const uint8_t *data, size_t size);
  std::unique_ptr<MappedFile> file_;
  std::string label_;
  std::map<std::string, TensorRecord> tensors_;
  std::vector<std::vector<uint8_t>> owned_; // materialised strided views
};

} // namespace plinth
