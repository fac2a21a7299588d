// Runs a tokenizer fixture directory (tokenizer files + cases.json, optionally mLUKE's
// entity_cases.json) through the C API. Every entry is one case.
#pragma once

#include <filesystem>
#include <vector>

#include "golden_case.hpp"
#include "plinth.h"

namespace plinth_cli {

std::vector<CaseOutcome> run_tokenizer_cases(plinth_runtime *rt, const std::filesystem::path &dir,
                                             const CheckOptions &opts);

} // namespace plinth_cli
