#include "tokenizer_plugins.hpp"

#include <algorithm>
#include <mutex>

namespace plinth {

std::optional<tok::TokenizerProvider> tokenizer_provider(const PluginEntry &e) {
  if (e.state != PLINTH_PLUGIN_STATE_LOADED || e.manifest.kind != "architecture") return {};
  const plinth_tokenizer_vtable *t = e.tokenizer_table();
  if (t == nullptr) return {};
  return tok::TokenizerProvider{e.manifest.name, t, e.library};
}

tok::ProviderLookup tokenizer_lookup(std::shared_ptr<Runtime> rt) {
  return [rt = std::move(rt)](const std::string &cls) -> std::optional<tok::TokenizerProvider> {
    std::lock_guard<std::mutex> lock(rt->mutex);
    for (auto &e : rt->registry.entries()) {
      const auto &classes = e.manifest.tokenizer_classes;
      if (e.manifest.kind != "architecture" ||
          std::find(classes.begin(), classes.end(), cls) == classes.end())
        continue;
      if (rt->registry.open(e))
        if (auto p = tokenizer_provider(e)) return p;
    }
    return std::nullopt;
  };
}

std::shared_ptr<Runtime> default_runtime() {
  static const std::shared_ptr<Runtime> rt = [] {
    auto r = std::make_shared<Runtime>();
    r->registry.discover(default_plugin_dirs());
    return r;
  }();
  return rt;
}

} // namespace plinth
