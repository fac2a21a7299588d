// The ESM plugin's tokenizer (transformers' EsmTokenizer over vocab.txt), offered to the core
// through the architecture table's tokenizer members.
#pragma once

#include "plinth_plugin.h"

namespace plinth::esm {

inline constexpr const char *kTokenizerClasses[] = {"EsmTokenizer", nullptr};
extern const plinth_tokenizer_vtable kTokenizerTable;

} // namespace plinth::esm
