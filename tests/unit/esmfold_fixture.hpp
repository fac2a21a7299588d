// What the ESMFold unit tests share: where the fixtures are, and reading one of their tensors
// (a copy, in the stored element type) from a safetensors file.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "safetensors.hpp"

namespace esmfold_fixture {

inline const std::filesystem::path kCases =
    std::filesystem::path(PLINTH_TEST_DATA_DIR) / "esmfold";

// A value for failure messages.
inline std::string format_error(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

template <class T>
std::vector<T> read_tensor(const plinth::SafetensorsFile &f, const std::string &name, int32_t dtype,
                           std::vector<int64_t> *shape = nullptr) {
  const plinth::TensorRecord *r = f.find(name);
  if (r == nullptr) throw std::runtime_error("fixture lacks " + name);
  if (r->dtype != dtype || r->nbytes != r->numel() * sizeof(T))
    throw std::runtime_error("fixture " + name + " has an unexpected dtype");
  if (shape) *shape = r->shape;
  std::vector<T> out(r->numel());
  std::copy_n(reinterpret_cast<const uint8_t *>(r->data), r->nbytes,
              reinterpret_cast<uint8_t *>(out.data()));
  return out;
}

} // namespace esmfold_fixture
