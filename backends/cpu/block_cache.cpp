#include "block_cache.hpp"

#include <cstring>

namespace plinth::cpu {

BlockCache::~BlockCache() {
  for (auto &entry : free_)
    release_(entry.second);
}

BlockCache::Block BlockCache::take(size_t bytes) {
  Block block;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(bytes);
    if (it == free_.end()) return {};
    block = it->second;
    free_.erase(it);
    held_ -= bytes;
  }
  std::memset(block.alloc, 0, bytes);
  return block;
}

void BlockCache::give(size_t bytes, const Block &block) {
  if (bytes >= kMinBytes && bytes <= kMaxBytes) {
    try { // called from tensor_free, at the C edge: an allocation failure just releases
      std::lock_guard<std::mutex> lock(mutex_);
      if (held_ + bytes <= kMaxHeld) {
        free_.emplace(bytes, block);
        held_ += bytes;
        return;
      }
    } catch (...) {
    }
  }
  release_(block);
}

} // namespace plinth::cpu
