// The LUKE plugin's tokenizer (transformers' LukeTokenizer / MLukeTokenizer: entity-aware
// encoding around the checkpoint's word tokenizer), offered to the core through the
// architecture table's tokenizer members.
#pragma once

#include "plinth_plugin.h"

namespace plinth::luke {

inline constexpr const char *kTokenizerClasses[] = {"LukeTokenizer", "MLukeTokenizer", nullptr};
extern const plinth_tokenizer_vtable kTokenizerTable;

} // namespace plinth::luke
