// Writes small seed inputs for the checkpoint fuzzers: pytorch_model.bin archives and their
// data.pkl (made with the unit tests' writer; the golden fixtures ship safetensors only), and
// safetensors files of a few tensors (the golden checkpoints are megabytes, which slows every
// execution). Usage: plinth_fuzz_seeds OUT_DIR (writes OUT_DIR/torch_checkpoint/,
// OUT_DIR/pickle/ and OUT_DIR/safetensors/).
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
  fs::create_directories(out / "safetensors");
  const std::string headers[] = {
      R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"BF16","shape":[2,2],"data_offsets":[8,16]},)"
      R"("c":{"dtype":"I64","shape":[1],"data_offsets":[16,24]}})",
  };
  for (size_t k = 0; k < 2; ++k) {
    std::string file(8, '\0');
    for (int b = 0; b < 8; ++b)
      file[static_cast<size_t>(b)] = static_cast<char>((headers[k].size() >> (8 * b)) & 0xff);
    file += headers[k] + std::string(24, '\x3c');
    std::ofstream(out / "safetensors" / ("seed" + std::to_string(k) + ".safetensors"),
                  std::ios::binary)
        << file;
  }
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
