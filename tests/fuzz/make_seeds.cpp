// Writes seed inputs for the checkpoint fuzzers that the golden fixtures do not hold (they
// ship safetensors only): small pytorch_model.bin archives and their data.pkl, made with
// the unit tests' writer. Usage: plinth_fuzz_seeds OUT_DIR (writes OUT_DIR/torch_checkpoint/
// and OUT_DIR/pickle/).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "torch_bin_writer.hpp"

namespace fs = std::filesystem;

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: plinth_fuzz_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  fs::create_directories(out / "torch_checkpoint");
  fs::create_directories(out / "pickle");
  test_torch::Storage f{"0", "FloatStorage", 6, std::vector<uint8_t>(24, 0x3f)};
  test_torch::Storage h{"1", "HalfStorage", 4, std::vector<uint8_t>(8, 0x3c)};
  const std::vector<std::vector<test_torch::Tensor>> sets = {
      {{"w", 0, 0, {2, 3}, {3, 1}}},
      {{"a", 0, 0, {2, 3}, {3, 1}}, {"a_t", 0, 0, {3, 2}, {1, 3}}, {"h", 1, 1, {3}, {1}}},
  };
  int n = 0;
  for (const auto &ts : sets) {
    const auto bin = test_torch::checkpoint({f, h}, ts);
    std::ofstream(out / "torch_checkpoint" / ("seed" + std::to_string(n) + ".bin"),
                  std::ios::binary)
        .write(reinterpret_cast<const char *>(bin.data()),
               static_cast<std::streamsize>(bin.size()));
    const auto pkl = test_torch::pickle({f, h}, ts, {});
    std::ofstream(out / "pickle" / ("seed" + std::to_string(n) + ".pkl"), std::ios::binary)
        .write(reinterpret_cast<const char *>(pkl.data()),
               static_cast<std::streamsize>(pkl.size()));
    ++n;
  }
  return 0;
}
