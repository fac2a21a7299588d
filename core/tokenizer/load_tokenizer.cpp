// Family selection: a plugin's tokenizer (by tokenizer_class, or the model's plugin), else the
// core's own families; and the host functions tokenizer providers call back.
#include "error.hpp"
#include "file_read.hpp"
#include "host_api.hpp"
#include "table_tokenizer.hpp"
#include "tokenizer/families.hpp"

namespace plinth::tok {

namespace fs = std::filesystem;

namespace {

std::unique_ptr<Tokenizer> load_words(const fs::path &dir, const TokenizerConfig &cfg) {
  if (fs::exists(dir / "tokenizer.json")) {
    return load_tokenizer_json(dir / "tokenizer.json", cfg);
  }
  if (auto spm = load_sentencepiece_tokenizer(dir, cfg)) {
    return spm;
  }
  return load_legacy_tokenizer(dir, cfg);
}

void require_dir(const fs::path &dir) {
  if (!fs::is_directory(dir)) {
    throw Error(PLINTH_ERR_NOT_FOUND, "tokenizer directory not found: " + dir.string());
  }
}

// The core's own table, for host->tokenizer_base.
const plinth_tokenizer_vtable &core_table() {
  static const plinth_tokenizer_vtable table = tokenizer_table(nullptr);
  return table;
}

// A provider's tokenizer of `dir`, or nullptr when it declines.
std::unique_ptr<Tokenizer> from_provider(const TokenizerProvider &p, const fs::path &dir,
                                         const TokenizerConfig &cfg) {
  if (p.table == nullptr || p.table->create == nullptr) return nullptr;
  plinth_tokenizer_host host{dir, cfg, {}};
  const std::string d = dir.string();
  plinth_tokenizer_env env{};
  env.struct_size = sizeof env;
  env.host = host_api_table();
  env.tokenizer_host = &host;
  env.dir = d.c_str();
  env.tokenizer_class = cfg.tokenizer_class.c_str();
  plinth_arch_tokenizer *handle = nullptr;
  const plinth_status st = p.table->create(&env, &handle);
  if (st != PLINTH_OK)
    throw Error(st, "plugin '" + p.name + "' could not make the tokenizer of " + d + ": " +
                        last_error());
  if (handle == nullptr) return nullptr;
  return std::make_unique<TableTokenizer>(p.table, handle, p.keepalive);
}

} // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path &dir, const ProviderLookup &by_class,
                                          const std::optional<TokenizerProvider> &model_plugin) {
  set_table_host(host_api_table());
  require_dir(dir);
  const TokenizerConfig cfg = read_tokenizer_config(dir);
  std::optional<TokenizerProvider> named;
  if (by_class && !cfg.tokenizer_class.empty()) named = by_class(cfg.tokenizer_class);
  if (named)
    if (auto t = from_provider(*named, dir, cfg)) return t;
  if (model_plugin && (!named || named->table != model_plugin->table))
    if (auto t = from_provider(*model_plugin, dir, cfg)) return t;
  return load_words(dir, cfg);
}

plinth_status host_tokenizer_file(plinth_tokenizer_host *h, const char *name, const char **data,
                                  size_t *len) {
  bool absent = false;
  const plinth_status st = table_guard([&] {
    if (h == nullptr || name == nullptr || data == nullptr || len == nullptr)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "tokenizer_file: NULL argument");
    *data = nullptr;
    *len = 0;
    const std::string n = name;
    // A file of the directory itself, never a path out of it.
    if (n.empty() || n == "." || n == ".." || n.find('/') != std::string::npos)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "tokenizer_file: '" + n + "' is not a file name");
    auto it = h->files.find(n);
    if (it == h->files.end()) {
      const fs::path p = h->dir / n;
      if (!fs::exists(p)) {
        absent = true; // an answer, not an error: no message is recorded
        return;
      }
      it = h->files.emplace(n, read_text_file(p)).first;
    }
    *data = it->second.data();
    *len = it->second.size();
  });
  return st == PLINTH_OK && absent ? PLINTH_ERR_NOT_FOUND : st;
}

plinth_status host_tokenizer_base(plinth_tokenizer_host *h, const plinth_tokenizer_vtable **vtable,
                                  plinth_arch_tokenizer **out) {
  return table_guard([&] {
    if (h == nullptr || vtable == nullptr || out == nullptr)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT, "tokenizer_base: NULL argument");
    *out = to_handle(load_words(h->dir, h->config).release());
    *vtable = &core_table();
  });
}

} // namespace plinth::tok
