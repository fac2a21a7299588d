#include "json_config.hpp"

#include <fstream>
#include <sstream>

#include "error.hpp"
#include "file_read.hpp"

namespace plinth {

nlohmann::json read_json_file(const std::filesystem::path &path) {
  const std::string text = read_text_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error &e) {
    throw Error(PLINTH_ERR_FORMAT, path.string() + ": invalid JSON: " + e.what());
  }
}

JsonConfig JsonConfig::from_file(const std::filesystem::path &path) {
  auto j = read_json_file(path);
  if (!j.is_object()) throw Error(PLINTH_ERR_FORMAT, path.string() + ": expected a JSON object");
  return JsonConfig(std::move(j));
}

const nlohmann::json *JsonConfig::find(const std::string &path) const {
  const nlohmann::json *cur = &j_;
  if (path.empty()) return cur;
  size_t pos = 0;
  while (pos <= path.size()) {
    const size_t dot = path.find('.', pos);
    const std::string part =
        path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      char *end = nullptr;
      const long idx = std::strtol(part.c_str(), &end, 10);
      if (part.empty() || *end != '\0' || idx < 0 || static_cast<size_t>(idx) >= cur->size())
        return nullptr;
      cur = &(*cur)[static_cast<size_t>(idx)];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return cur;
}

plinth_config_type JsonConfig::type(const std::string &path) const {
  const auto *v = find(path);
  if (!v) return PLINTH_CONFIG_MISSING;
  switch (v->type()) {
  case nlohmann::json::value_t::null: return PLINTH_CONFIG_NULL;
  case nlohmann::json::value_t::boolean: return PLINTH_CONFIG_BOOL;
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned: return PLINTH_CONFIG_INT;
  case nlohmann::json::value_t::number_float: return PLINTH_CONFIG_FLOAT;
  case nlohmann::json::value_t::string: return PLINTH_CONFIG_STRING;
  case nlohmann::json::value_t::array: return PLINTH_CONFIG_ARRAY;
  case nlohmann::json::value_t::object: return PLINTH_CONFIG_OBJECT;
  default: return PLINTH_CONFIG_MISSING;
  }
}

std::optional<int64_t> JsonConfig::get_i64(const std::string &path) const {
  const auto *v = find(path);
  if (!v || !v->is_number_integer()) return std::nullopt;
  return json_integer(*v, path, INT64_MIN, INT64_MAX);
}

std::optional<double> JsonConfig::get_f64(const std::string &path) const {
  const auto *v = find(path);
  if (!v || !v->is_number()) return std::nullopt;
  return v->get<double>();
}

std::optional<std::string> JsonConfig::get_str(const std::string &path) const {
  const auto *v = find(path);
  if (!v || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

void normalize_model_config(nlohmann::json &c) {
  if (!c.is_object()) return;
  // Current transformers: rope_parameters {rope_theta, rope_type, ...}. Older hub configs:
  // top-level rope_theta plus an optional rope_scaling {type|rope_type, factor, ...}.
  nlohmann::json rp = c.contains("rope_parameters") && c["rope_parameters"].is_object()
                          ? c["rope_parameters"]
                          : nlohmann::json::object();
  if (c.contains("rope_scaling") && c["rope_scaling"].is_object()) {
    for (auto &[k, v] : c["rope_scaling"].items())
      if (!rp.contains(k)) rp[k] = v;
    if (!rp.contains("rope_type") && rp.contains("type")) rp["rope_type"] = rp["type"];
  }
  if (c.contains("rope_theta") && c["rope_theta"].is_number() && !rp.contains("rope_theta"))
    rp["rope_theta"] = c["rope_theta"];
  if (!rp.empty()) {
    if (!rp.contains("rope_type")) rp["rope_type"] = "default";
    c["rope_parameters"] = rp;
    if (rp.contains("rope_theta") && !c.contains("rope_theta")) c["rope_theta"] = rp["rope_theta"];
  }
}

} // namespace plinth
