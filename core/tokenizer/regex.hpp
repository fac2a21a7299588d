// PCRE2 (UTF + UCP) regular expressions, as the Rust `regex`/`onig` patterns of tokenizer.json
// need them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::tok {

class Regex {
public:
  explicit Regex(const std::string &pattern);
  ~Regex();
  Regex(const Regex &) = delete;
  Regex &operator=(const Regex &) = delete;
  // All non-overlapping matches, left to right, as byte ranges. Empty matches are skipped.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace plinth::tok
