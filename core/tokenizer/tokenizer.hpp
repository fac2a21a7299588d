// Loading a model directory's tokenizer. The interface every family implements is
// tok_interface.hpp (shared with tokenizer plugins); the core's own families are the
// tokenizer.json pipeline, sentencepiece models and the slow tokenizers' vocab.txt /
// vocab.json + merges.txt. Tokenizers with model-specific behaviour (ESM, BioGPT, LUKE) come
// from architecture plugins, found by tokenizer_config.json's tokenizer_class or as the
// model's own plugin. Errors are plinth::Error.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "plinth_plugin.h"
#include "tok_interface.hpp"
#include "tokenizer/tokenizer_config.hpp"

namespace plinth::tok {

// A plugin's tokenizer table, and what must stay loaded while its tokenizers live.
struct TokenizerProvider {
  std::string name; // the plugin, for messages
  const plinth_tokenizer_vtable *table = nullptr;
  std::shared_ptr<const void> keepalive;
};
// The provider serving a tokenizer_class, if any.
using ProviderLookup =
    std::function<std::optional<TokenizerProvider>(const std::string &tokenizer_class)>;

// The tokenizer of `dir`: a plugin's, when `by_class` finds one for tokenizer_class or the
// model's own plugin provides one (either may decline), otherwise the core's own families
// (tokenizer.json first, then the files older checkpoints ship). Throws
// plinth::Error(NOT_FOUND) if there is none.
std::unique_ptr<Tokenizer>
load_tokenizer(const std::filesystem::path &dir, const ProviderLookup &by_class = {},
               const std::optional<TokenizerProvider> &model_plugin = {});

// The host table's tokenizer_file and tokenizer_base (abi/plinth_plugin.h).
plinth_status host_tokenizer_file(plinth_tokenizer_host *h, const char *name, const char **data,
                                  size_t *len);
plinth_status host_tokenizer_base(plinth_tokenizer_host *h, const plinth_tokenizer_vtable **vtable,
                                  plinth_arch_tokenizer **out);

} // namespace plinth::tok

// Completes the ABI's opaque plinth_tokenizer_host: the directory a provider reads, its
// tokenizer_config.json as the loader read it (for tokenizer_base), and the files the provider
// has read, which stay valid until its create() returns.
struct plinth_tokenizer_host {
  std::filesystem::path dir;
  const plinth::tok::TokenizerConfig &config;
  std::map<std::string, std::string> files;
};
