#include "config.hpp"

#include "error.hpp"

namespace plinth::plugin {

namespace {

const char *type_name(plinth_config_type t) {
  switch (t) {
  case PLINTH_CONFIG_MISSING: return "missing";
  case PLINTH_CONFIG_NULL: return "null";
  case PLINTH_CONFIG_BOOL: return "a boolean";
  case PLINTH_CONFIG_INT: return "an integer";
  case PLINTH_CONFIG_FLOAT: return "a number";
  case PLINTH_CONFIG_STRING: return "a string";
  case PLINTH_CONFIG_ARRAY: return "an array";
  case PLINTH_CONFIG_OBJECT: return "an object";
  }
  return "unknown";
}

[[noreturn]] void wrong(const std::string &key, const char *wanted, plinth_config_type got) {
  fail(PLINTH_ERR_FORMAT,
       "config.json: '" + key + "' should be " + wanted + ", found " + type_name(got));
}

} // namespace

plinth_config_type Config::type(const std::string &key) const {
  return static_cast<plinth_config_type>(host_->config_type(model_, key.c_str()));
}

bool Config::has(const std::string &key) const {
  plinth_config_type t = type(key);
  return t != PLINTH_CONFIG_MISSING && t != PLINTH_CONFIG_NULL;
}

std::optional<int64_t> Config::opt_i64(const std::string &key) const {
  plinth_config_type t = type(key);
  if (t == PLINTH_CONFIG_MISSING || t == PLINTH_CONFIG_NULL) return std::nullopt;
  if (t == PLINTH_CONFIG_BOOL) // transformers treats a bool as 0/1 where it expects an int
    return bool_or(key, false) ? 1 : 0;
  if (t != PLINTH_CONFIG_INT) wrong(key, "an integer", t);
  int64_t v = 0;
  if (host_->config_i64(model_, key.c_str(), &v) != PLINTH_OK) wrong(key, "an integer", t);
  return v;
}

std::optional<double> Config::opt_f64(const std::string &key) const {
  plinth_config_type t = type(key);
  if (t == PLINTH_CONFIG_MISSING || t == PLINTH_CONFIG_NULL) return std::nullopt;
  if (t != PLINTH_CONFIG_INT && t != PLINTH_CONFIG_FLOAT) wrong(key, "a number", t);
  double v = 0;
  if (host_->config_f64(model_, key.c_str(), &v) != PLINTH_OK) wrong(key, "a number", t);
  return v;
}

std::optional<std::string> Config::opt_str(const std::string &key) const {
  plinth_config_type t = type(key);
  if (t == PLINTH_CONFIG_MISSING || t == PLINTH_CONFIG_NULL) return std::nullopt;
  if (t != PLINTH_CONFIG_STRING) wrong(key, "a string", t);
  std::string buf(64, '\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    size_t len = 0;
    plinth_status st = host_->config_str(model_, key.c_str(), buf.data(), buf.size(), &len);
    if (st == PLINTH_OK) {
      buf.resize(len);
      return buf;
    }
    if (st != PLINTH_ERR_BUFFER_TOO_SMALL) break;
    buf.assign(len + 1, '\0');
  }
  wrong(key, "a string", t);
}

int64_t Config::i64(const std::string &key) const {
  auto v = opt_i64(key);
  if (!v) fail(PLINTH_ERR_FORMAT, "config.json: required option '" + key + "' is missing");
  return *v;
}

double Config::f64(const std::string &key) const {
  auto v = opt_f64(key);
  if (!v) fail(PLINTH_ERR_FORMAT, "config.json: required option '" + key + "' is missing");
  return *v;
}

bool Config::boolean(const std::string &key) const {
  plinth_config_type t = type(key);
  if (t == PLINTH_CONFIG_MISSING || t == PLINTH_CONFIG_NULL)
    fail(PLINTH_ERR_FORMAT, "config.json: required option '" + key + "' is missing");
  if (t == PLINTH_CONFIG_INT) return i64(key) != 0;
  if (t != PLINTH_CONFIG_BOOL) wrong(key, "a boolean", t);
  int32_t v = 0;
  if (host_->config_bool(model_, key.c_str(), &v) != PLINTH_OK) wrong(key, "a boolean", t);
  return v != 0;
}

std::string Config::str(const std::string &key) const {
  auto v = opt_str(key);
  if (!v) fail(PLINTH_ERR_FORMAT, "config.json: required option '" + key + "' is missing");
  return *v;
}

int64_t Config::i64_or(const std::string &key, int64_t fallback) const {
  return opt_i64(key).value_or(fallback);
}

double Config::f64_or(const std::string &key, double fallback) const {
  return opt_f64(key).value_or(fallback);
}

bool Config::bool_or(const std::string &key, bool fallback) const {
  return has(key) ? boolean(key) : fallback;
}

std::string Config::str_or(const std::string &key, const std::string &fallback) const {
  return opt_str(key).value_or(fallback);
}

int64_t Config::length(const std::string &key) const {
  plinth_config_type t = type(key);
  if (t != PLINTH_CONFIG_ARRAY && t != PLINTH_CONFIG_OBJECT) return 0;
  int64_t n = 0;
  if (host_->config_len(model_, key.c_str(), &n) != PLINTH_OK) return 0;
  return n;
}

std::vector<std::string> Config::keys(const std::string &key) const {
  std::vector<std::string> out;
  if (!key.empty() && type(key) != PLINTH_CONFIG_OBJECT) return out;
  int64_t n = 0;
  if (host_->config_len(model_, key.c_str(), &n) != PLINTH_OK) return out;
  for (int64_t i = 0; i < n; ++i) {
    char buf[256] = {0};
    if (host_->config_key_at(model_, key.c_str(), i, buf, sizeof(buf)) == PLINTH_OK)
      out.emplace_back(buf);
  }
  return out;
}

std::vector<int64_t> Config::i64_list(const std::string &key) const {
  std::vector<int64_t> out;
  plinth_config_type t = type(key);
  if (t == PLINTH_CONFIG_ARRAY) {
    int64_t n = length(key);
    for (int64_t i = 0; i < n; ++i)
      out.push_back(i64(key + "." + std::to_string(i)));
  } else if (auto v = opt_i64(key)) {
    out.push_back(*v);
  }
  return out;
}

void Config::require_one_of(const std::string &key, std::initializer_list<const char *> supported,
                            const std::string &fallback) const {
  std::string value = str_or(key, fallback);
  std::string list;
  for (const char *s : supported) {
    if (value == s) return;
    list += list.empty() ? "" : ", ";
    list += std::string("'") + s + "'";
  }
  fail(PLINTH_ERR_UNSUPPORTED, "config.json: " + key + " = '" + value +
                                   "' is not supported by this plugin (supported: " + list + ")");
}

void Config::require_bool(const std::string &key, bool expected, bool fallback) const {
  if (bool_or(key, fallback) != expected)
    fail(PLINTH_ERR_UNSUPPORTED, "config.json: " + key + " = " + (expected ? "false" : "true") +
                                     " is not supported by this plugin");
}

} // namespace plinth::plugin
