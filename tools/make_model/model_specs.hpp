// Architecture shapes for benchmark models: the config.json and the list of tensors a
// checkpoint of that shape holds, named as transformers names them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace make_model {

struct Shape {
  std::string arch = "mistral";
  int64_t hidden = 2048, layers = 16, heads = 16, kv_heads = 4, intermediate = 5632, vocab = 32000;
  int64_t max_positions = 32768;
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  bool ones = false; // norm weights: 1, so activations stay in a sane range
};

// Fills `s` from a preset name; returns false for an unknown preset.
bool apply_preset(const std::string &preset, Shape &s);
std::vector<std::string> preset_names(const std::string &arch);
nlohmann::json config_for(const Shape &s, const std::string &dtype_name);
std::vector<TensorSpec> tensors_for(const Shape &s);

} // namespace make_model
