// A Hugging Face model directory: config.json (+ generation_config.json) and weights from
// model.safetensors, a sharded model.safetensors.index.json, or (older checkpoints)
// pytorch_model.bin / pytorch_model.bin.index.json — all memory-mapped.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "json_config.hpp"
#include "safetensors.hpp"

namespace plinth {

class Checkpoint {
public:
  explicit Checkpoint(const std::filesystem::path &dir); // throws plinth::Error

  const std::filesystem::path &dir() const { return dir_; }
  const JsonConfig &config() const { return config_; }
  const std::optional<JsonConfig> &generation_config() const { return generation_config_; }
  std::string model_type() const;
  std::string architecture() const; // architectures[0] or ""

  const TensorRecord *find(const std::string &name) const;
  // The mapped file (shard) a record's bytes lie in; null for bytes the reader owns.
  MappedFile *mapping_of(const TensorRecord &r) const;
  const std::vector<const TensorRecord *> &tensors() const { return ordered_; }
  int64_t n_parameters() const;
  int32_t dominant_dtype() const; // the float dtype holding most parameters
  // eos ids: generation_config.json first, then config.json (int or list).
  std::vector<int32_t> eos_token_ids() const;
  std::optional<int32_t> pad_token_id() const;

private:
  void load_weights();
  void load_index(const std::filesystem::path &index, bool torch);
  std::unique_ptr<TensorFile> open_file(const std::filesystem::path &path, bool torch) const;
  std::filesystem::path dir_;
  JsonConfig config_;
  std::optional<JsonConfig> generation_config_;
  std::vector<std::unique_ptr<TensorFile>> shards_;
  std::map<std::string, const TensorRecord *> index_;
  std::vector<const TensorRecord *> ordered_;
};

} // namespace plinth
