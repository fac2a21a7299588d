// The tokenizers the ESM, BioGPT and LUKE plugins provide, compiled into the unit tests from the
// plugins' sources and found by tokenizer_class through their tables, as the core finds them in
// the plugin libraries: the same code path (table_tokenizer) without dlopen.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "biogpt_tokenizer.hpp"
#include "esm_tokenizer.hpp"
#include "luke_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"

namespace plugin_tokenizers {

inline plinth::tok::ProviderLookup lookup() {
  return [](const std::string &cls) -> std::optional<plinth::tok::TokenizerProvider> {
    auto serves = [&](const char *const *classes) {
      for (; *classes != nullptr; ++classes)
        if (cls == *classes) return true;
      return false;
    };
    if (serves(plinth::esm::kTokenizerClasses))
      return plinth::tok::TokenizerProvider{"esm", &plinth::esm::kTokenizerTable, {}};
    if (serves(plinth::biogpt::kTokenizerClasses))
      return plinth::tok::TokenizerProvider{"biogpt", &plinth::biogpt::kTokenizerTable, {}};
    if (serves(plinth::luke::kTokenizerClasses))
      return plinth::tok::TokenizerProvider{"luke", &plinth::luke::kTokenizerTable, {}};
    return std::nullopt;
  };
}

// load_tokenizer with these providers.
inline std::unique_ptr<plinth::tok::Tokenizer> load(const std::filesystem::path &dir) {
  return plinth::tok::load_tokenizer(dir, lookup());
}

} // namespace plugin_tokenizers
