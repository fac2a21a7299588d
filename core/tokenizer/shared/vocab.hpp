// String <-> id tables shared by the models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace plinth::tok {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class Vocab {
public:
  void add(std::string token, int32_t id);
  std::optional<int32_t> find(std::string_view token) const {
    const auto it = map_.find(token);
    return it == map_.end() ? std::nullopt : std::optional<int32_t>(it->second);
  }
  const std::string *token(int32_t id) const {
    if (id >= 0 && static_cast<size_t>(id) < rev_.size())
      return has_[static_cast<size_t>(id)] ? &rev_[static_cast<size_t>(id)] : nullptr;
    const auto it = sparse_.find(id);
    return it == sparse_.end() ? nullptr : &it->second;
  }
  size_t size() const { return map_.size(); }

  // Ids below this index a dense table (real vocabularies: up to ~250k); larger ones, rare
  // and possibly hostile (one id of 50,000,000 made a 1.5 GB table), a hash map.
  static constexpr int32_t kDenseIds = 1 << 21;

private:
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> map_;
  std::vector<std::string> rev_;
  std::vector<bool> has_;
  std::unordered_map<int32_t, std::string> sparse_;
};

// Ids of the "<0xAB>" tokens of byte-fallback vocabularies, indexed by byte; -1 if absent.
std::vector<int32_t> byte_fallback_ids(const Vocab &v);
std::string byte_token(uint8_t b);

} // namespace plinth::tok
