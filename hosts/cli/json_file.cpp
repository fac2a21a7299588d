#include "json_file.hpp"

#include <fstream>
#include <stdexcept>

namespace plinth_cli {

nlohmann::json read_json_file(const std::filesystem::path &path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error(path.string() + ": " + e.what());
  }
}

} // namespace plinth_cli
