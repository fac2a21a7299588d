#include "vocab.hpp"

#include <cstdio>

#include "tok_error.hpp"

namespace plinth::tok {

void Vocab::add(std::string token, int32_t id) {
  if (id < 0) throw Error(PLINTH_ERR_FORMAT, "token id " + std::to_string(id) + " is negative");
  if (id >= kDenseIds) {
    sparse_[id] = token;
  } else {
    const auto i = static_cast<size_t>(id);
    if (i >= rev_.size()) {
      rev_.resize(i + 1);
      has_.resize(i + 1, false);
    }
    rev_[i] = token;
    has_[i] = true;
  }
  map_[std::move(token)] = id;
}

std::string byte_token(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
  return buf;
}

std::vector<int32_t> byte_fallback_ids(const Vocab &v) {
  std::vector<int32_t> ids(256, -1);
  for (int b = 0; b < 256; ++b) {
    if (const auto id = v.find(byte_token(static_cast<uint8_t>(b)))) {
      ids[static_cast<size_t>(b)] = *id;
    }
  }
  return ids;
}

} // namespace plinth::tok
