// The BioGPT plugin's tokenizer (transformers' BioGptTokenizer: Moses, then BPE over
// vocab.json + merges.txt), offered to the core through the architecture table's tokenizer
// members.
#pragma once

#include "plinth_plugin.h"

namespace plinth::biogpt {

inline constexpr const char *kTokenizerClasses[] = {"BioGptTokenizer", nullptr};
extern const plinth_tokenizer_vtable kTokenizerTable;

} // namespace plinth::biogpt
