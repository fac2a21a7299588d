// Locates the demo model shipped with plinth (models/license-mistral).
#pragma once

#include <optional>
#include <string>

namespace plinth_cli {

// The demo model directory relative to the running executable: ../../models/license-mistral
// from the build tree's bin/, ../share/plinth/models/license-mistral when installed.
std::optional<std::string> find_demo_model();

} // namespace plinth_cli
