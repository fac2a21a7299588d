// Runs one model fixture (a directory with case.json, inputs.safetensors, expected.safetensors)
// through the C API: a forward pass compared with every expected output, then the greedy
// generation checks replayed step by step on a session.
#pragma once

#include <filesystem>

#include "golden_case.hpp"
#include "plinth.h"

namespace plinth_cli {

CaseOutcome run_model_case(plinth_runtime *rt, const std::filesystem::path &dir,
                           const CheckOptions &opts);

} // namespace plinth_cli
