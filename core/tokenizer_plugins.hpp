// Tokenizer providers from a runtime's plugins: the loader (tokenizer/tokenizer.hpp) asks by
// tokenizer_class, and a model's own plugin is asked for its model's tokenizer.
#pragma once

#include <memory>
#include <optional>

#include "plugin_registry.hpp"
#include "runtime.hpp"
#include "tokenizer/tokenizer.hpp"

namespace plinth {

// Finds, through the manifests, the architecture plugin listing a tokenizer_class, and opens it
// (under the runtime's lock). The lookup holds the runtime while it is used.
tok::ProviderLookup tokenizer_lookup(std::shared_ptr<Runtime> rt);
// The tokenizer a loaded architecture plugin provides, if any; keeps its library loaded.
std::optional<tok::TokenizerProvider> tokenizer_provider(const PluginEntry &e);
// A runtime of the default plugin directories, made once, for plinth_tokenizer_load(NULL, ...).
std::shared_ptr<Runtime> default_runtime();

} // namespace plinth
