#include "runtime_config.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

#include <toml++/toml.h>

#include "error.hpp"
#include "file_read.hpp"
#include "logging.hpp"

namespace plinth {

void check_limit(int64_t asked, int64_t limit, const char *name, const std::string &what) {
  if (asked > limit)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT, what + " " + std::to_string(asked) +
                                                 " is above the limit of " + std::to_string(limit) +
                                                 " (limits." + name + " in plinth.toml)");
}

namespace {
// [limits]: every key known, every value a positive integer within the type it bounds.
void parse_limits(const toml::table &t, const std::filesystem::path &path, Limits &l) {
  const std::pair<const char *, int64_t *> keys[] = {
      {"threads", &l.threads},       {"batch", &l.batch},           {"context", &l.context},
      {"new_tokens", &l.new_tokens}, {"text_bytes", &l.text_bytes}, {"file_bytes", &l.file_bytes}};
  for (auto &&[k, v] : t) {
    const std::string_view key = k.str(); // (clang 15 cannot capture a structured binding)
    const auto *it = std::find_if(std::begin(keys), std::end(keys),
                                  [&](const auto &e) { return key == e.first; });
    if (it == std::end(keys))
      throw Error(PLINTH_ERR_FORMAT, path.string() + ": unknown limit '" + std::string(key) +
                                         "' (known: threads, batch, context, new_tokens, "
                                         "text_bytes, file_bytes)");
    const auto *n = v.as_integer();
    // Token and thread counts travel as int32 through the C API; byte counts as int64.
    const int64_t hi =
        it->second == &l.text_bytes || it->second == &l.file_bytes ? INT64_MAX : INT32_MAX;
    if (!n || n->get() < 1 || n->get() > hi)
      throw Error(PLINTH_ERR_FORMAT, path.string() + ": limits." + it->first +
                                         " must be an integer from 1 to " + std::to_string(hi));
    *it->second = n->get();
  }
}
} // namespace

RuntimeConfig read_runtime_config(const std::filesystem::path &path) {
  if (!std::filesystem::exists(path))
    throw Error(PLINTH_ERR_NOT_FOUND, "config file not found: " + path.string());
  return parse_runtime_config(read_text_file(path, kMaxManifestBytes), path);
}

RuntimeConfig parse_runtime_config(const std::string &text, const std::filesystem::path &path) {
  toml::table t;
  try {
    t = toml::parse(text, path.string());
  } catch (const toml::parse_error &e) {
    throw Error(PLINTH_ERR_FORMAT,
                path.string() + ": invalid TOML: " + std::string(e.description()));
  }
  RuntimeConfig c;
  for (auto &&[k, v] : t) {
    const std::string key(k.str());
    if (key != "plugin_paths" && key != "default_backend" && key != "threads" &&
        key != "log_level" && key != "mmap_weights" && key != "huge_page_cache" && key != "limits")
      throw Error(PLINTH_ERR_FORMAT, path.string() + ": unknown setting '" + key +
                                         "' (known: plugin_paths, default_backend, threads, "
                                         "log_level, mmap_weights, huge_page_cache, limits)");
  }
  // A setting of the wrong type is an error, not silently ignored.
  const auto require_type = [&](const char *key, bool ok, const char *what) {
    if (t.contains(key) && !ok)
      throw Error(PLINTH_ERR_FORMAT, path.string() + ": " + key + " must be " + what);
  };
  require_type("plugin_paths", t["plugin_paths"].is_array(), "an array of strings");
  require_type("default_backend", t["default_backend"].is_string(), "a string");
  require_type("threads", t["threads"].is_integer(), "an integer");
  require_type("log_level", t["log_level"].is_string(), "a string");
  require_type("limits", t["limits"].is_table(), "a table ([limits])");
  if (const auto *l = t["limits"].as_table()) parse_limits(*l, path, c.limits);
  if (auto *arr = t["plugin_paths"].as_array()) {
    for (auto &e : *arr) {
      auto s = e.value<std::string>();
      if (!s) throw Error(PLINTH_ERR_FORMAT, path.string() + ": plugin_paths must be strings");
      std::filesystem::path p(*s);
      c.plugin_paths.push_back(p.is_absolute() ? p : path.parent_path() / p);
    }
  }
  if (auto s = t["default_backend"].value<std::string>()) c.default_backend = *s;
  if (auto n = t["threads"].value<int64_t>()) {
    if (*n < 0 || *n > c.limits.threads)
      throw Error(PLINTH_ERR_FORMAT, path.string() + ": threads " + std::to_string(*n) +
                                         " is out of range (0 to limits.threads, " +
                                         std::to_string(c.limits.threads) + ")");
    c.threads = static_cast<int32_t>(*n);
  }
  if (auto s = t["log_level"].value<std::string>()) {
    c.log_level = log_level_from_name(*s);
    if (!c.log_level)
      throw Error(PLINTH_ERR_FORMAT, path.string() + ": unknown log_level '" + *s + "'");
  }
  // value<bool>() would also accept numbers
  for (auto [name, field] : {std::pair{"mmap_weights", &c.mmap_weights},
                             std::pair{"huge_page_cache", &c.huge_page_cache}})
    if (const auto *n = t.get(name)) {
      const auto *b = n->as_boolean();
      if (!b)
        throw Error(PLINTH_ERR_FORMAT, path.string() + ": " + name + " must be true or false");
      *field = b->get();
    }
  return c;
}

} // namespace plinth
