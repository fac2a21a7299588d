// A piece of text under normalisation that remembers, for every byte of its current form,
// which characters of the caller's original text it came from. Offsets reported to callers
// are computed from this alignment, as HF tokenizers does with its NormalizedString.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace plinth::tok {

// [start, end) in characters (code points) of the original text.
struct Span {
  int64_t start = 0;
  int64_t end = 0;
};

// How a split keeps the delimiters it found (HF SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class NormalizedString {
public:
  NormalizedString() = default;
  // `original` starts at character `char_base` of the caller's text.
  NormalizedString(std::string_view original, int64_t char_base);

  const std::string &text() const { return text_; }
  bool empty() const { return text_.empty(); }
  // Original span covered by bytes [b, e) of the current text.
  Span span(size_t b, size_t e) const;
  // Where this piece starts in the original text, even when it is empty.
  int64_t original_start() const { return empty() ? origin_ : align_.front().start; }

  // Replaces every character by what `f` appends for it (possibly nothing); the new
  // characters keep the alignment of the character they replace.
  void map_chars(const std::function<void(char32_t, std::string &)> &f);
  // Replaces each non-overlapping occurrence of `pattern` (left to right).
  void replace(std::string_view pattern, std::string_view content);
  // Replaces byte range [b, e) by `content`, aligned to the union of what it replaces.
  void replace_range(size_t b, size_t e, std::string_view content);
  // Inserts `s` in front, aligned with the first character.
  void prepend(std::string_view s);
  // Unicode normalisation forms via utf8proc ("NFC", "NFD", "NFKC", "NFKD").
  void unicode_normalize(std::string_view form);
  // Removes leading/trailing whitespace.
  void strip(bool left, bool right);

  NormalizedString slice(size_t b, size_t e) const;
  // Splits by the byte ranges `matches` (sorted, non-overlapping) with HF's delimiter
  // behaviours; empty pieces are dropped.
  std::vector<NormalizedString> split(const std::vector<std::pair<size_t, size_t>> &matches,
                                      SplitBehavior behavior) const;
  // Splits where `pred` holds for a character; each such character is one delimiter.
  std::vector<NormalizedString> split_chars(const std::function<bool(char32_t)> &pred,
                                            SplitBehavior behavior) const;

private:
  // Replacements may grow the text, but not without bound: a chain of Replace normalizers grew
  // 64 KB into 5.6 GB. The limit is 64 times the input, and at least 1 MiB.
  void check_growth(size_t new_size) const;
  std::string text_;
  std::vector<Span> align_; // one per byte of text_
  int64_t origin_ = 0;
  size_t limit_ = size_t{1} << 20; // slices inherit their parent's
};

} // namespace plinth::tok
