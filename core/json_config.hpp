// config.json access by dotted path ("rope_parameters.rope_theta", "eos_token_id.0"), with the
// normalisation between older hub configs and current transformers configs done in one place.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "json_integer.hpp" // json_integer, json_integer_or
#include "plinth_plugin.h"

namespace plinth {

class JsonConfig {
public:
  JsonConfig() = default;
  explicit JsonConfig(nlohmann::json j) : j_(std::move(j)) {}
  static JsonConfig from_file(const std::filesystem::path &path); // throws plinth::Error

  const nlohmann::json &json() const { return j_; }
  // nullptr when the path does not exist. "" is the root.
  const nlohmann::json *find(const std::string &path) const;
  plinth_config_type type(const std::string &path) const;
  std::optional<int64_t> get_i64(const std::string &path) const;
  std::optional<double> get_f64(const std::string &path) const;
  std::optional<std::string> get_str(const std::string &path) const;

private:
  nlohmann::json j_;
};

// Reads a JSON file with a clear error naming the file.
nlohmann::json read_json_file(const std::filesystem::path &path);

// Makes older and newer config styles look the same to plugins: a top-level rope_theta and a
// rope_scaling dict are mirrored into rope_parameters, and vice versa.
void normalize_model_config(nlohmann::json &config);

} // namespace plinth
