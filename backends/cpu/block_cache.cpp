#include "block_cache.hpp"

#include <cstring>

namespace plinth::cpu {

BlockCache::~BlockCache() {
  for (auto &entry : free_)
    release_(entry.second);
}

BlockCache::Block BlockCache::take(size_t bytes) {
  auto it = free_.find(bytes);
  if (it == free_.end()) return {};
  const Block block = it->second;
  free_.erase(it);
  held_ -= bytes;
  std::memset(block.alloc, 0, bytes);
  return block;
}

void BlockCache::give(size_t bytes, const Block &block) {
  if (bytes < kMinBytes || bytes > kMaxBytes || held_ + bytes > kMaxHeld) {
    release_(block);
    return;
  }
  free_.emplace(bytes, block);
  held_ += bytes;
}

} // namespace plinth::cpu
