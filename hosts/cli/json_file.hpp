// Reading the fixtures' JSON files (case.json, cases.json, tokenizer_config.json, ...).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace plinth_cli {

// Parses a JSON file; throws std::runtime_error naming the file when it cannot.
nlohmann::json read_json_file(const std::filesystem::path &path);

} // namespace plinth_cli
