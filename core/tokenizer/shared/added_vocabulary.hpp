// Added tokens (tokenizer.json "added_tokens"): matched in the text before the model runs,
// leftmost-longest, honouring lstrip / rstrip / single_word, as HF's AddedVocabulary does.
// Tokens with normalized=false are matched on the raw text, the others on normalized text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace plinth::tok {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// A byte trie of literal patterns answering "longest pattern starting here".
class PatternTrie {
public:
  void insert(std::string_view pattern, size_t index);
  // Index and length of the longest pattern that starts at text[pos], if any.
  std::optional<std::pair<size_t, size_t>> longest_at(std::string_view text, size_t pos) const;
  bool empty() const { return terminal_.size() <= 1; }

private:
  std::unordered_map<uint64_t, uint32_t> edges_;
  std::vector<int64_t> terminal_{-1};
};

class AddedVocabulary {
public:
  // `normalized_form` gives, for tokens with normalized=true, the text to look for.
  void add(AddedToken t, std::string normalized_form);
  const AddedToken *find(std::string_view content) const;
  const AddedToken *find(int32_t id) const;
  const std::vector<AddedToken> &tokens() const { return tokens_; }

  struct Piece {
    size_t start, end;       // bytes
    const AddedToken *token; // null: ordinary text
  };
  // Splits `text` into added-token matches and the text between them.
  std::vector<Piece> split(std::string_view text, bool normalized) const;

private:
  std::vector<AddedToken> tokens_;
  std::unordered_map<std::string, size_t> by_content_;
  std::unordered_map<int32_t, size_t> by_id_;
  PatternTrie raw_, norm_;
};

} // namespace plinth::tok
