#include "demo_model.hpp"

#include <filesystem>
#include <system_error>

namespace plinth_cli {

namespace fs = std::filesystem;

std::optional<std::string> find_demo_model() {
  std::error_code ec;
  // /proc/self/exe rather than argv[0]: the command may have been found through $PATH.
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  const fs::path bin_dir = exe.parent_path();
  const fs::path candidates[] = {
      bin_dir / ".." / ".." / "models" / "license-mistral",
      bin_dir / ".." / "share" / "plinth" / "models" / "license-mistral",
  };
  for (const fs::path &dir : candidates) {
    if (!fs::is_regular_file(dir / "config.json", ec)) continue;
    fs::path canonical = fs::weakly_canonical(dir, ec);
    return ec ? dir.string() : canonical.string();
  }
  return std::nullopt;
}

} // namespace plinth_cli
