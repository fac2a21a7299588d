#include "added_vocabulary.hpp"

#include "utf8.hpp"

namespace plinth::tok {

namespace {

bool is_word_char(char32_t c) { return utf8::is_letter(c) || utf8::is_number(c) || c == '_'; }

char32_t last_char(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) {
    --i;
  }
  return utf8::next(s, i);
}

char32_t first_char(std::string_view s) {
  size_t i = 0;
  return utf8::next(s, i);
}

// Byte index where the run of whitespace ending `s` starts.
size_t trailing_space_start(std::string_view s) {
  size_t e = s.size();
  while (e > 0) {
    size_t b = e - 1;
    while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xC0) == 0x80) {
      --b;
    }
    size_t i = b;
    if (!utf8::is_whitespace(utf8::next(s, i))) {
      break;
    }
    e = b;
  }
  return e;
}

size_t leading_space_len(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!utf8::is_whitespace(utf8::next(s, j))) {
      break;
    }
    i = j;
  }
  return i;
}

} // namespace

void PatternTrie::insert(std::string_view pattern, size_t index) {
  if (pattern.empty()) {
    return;
  }
  uint32_t node = 0;
  for (char c : pattern) {
    const uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(c);
    const auto it = edges_.find(key);
    if (it != edges_.end()) {
      node = it->second;
    } else {
      const auto fresh = static_cast<uint32_t>(terminal_.size());
      terminal_.push_back(-1);
      edges_.emplace(key, fresh);
      node = fresh;
    }
  }
  terminal_[node] = static_cast<int64_t>(index);
}

std::optional<std::pair<size_t, size_t>> PatternTrie::longest_at(std::string_view text,
                                                                 size_t pos) const {
  std::optional<std::pair<size_t, size_t>> best;
  uint32_t node = 0;
  for (size_t k = pos; k < text.size(); ++k) {
    const uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(text[k]);
    const auto it = edges_.find(key);
    if (it == edges_.end()) {
      break;
    }
    node = it->second;
    if (terminal_[node] >= 0) {
      best = std::make_pair(static_cast<size_t>(terminal_[node]), k + 1 - pos);
    }
  }
  return best;
}

void AddedVocabulary::add(AddedToken t, std::string normalized_form) {
  if (t.content.empty()) {
    return;
  }
  if (const auto it = by_content_.find(t.content); it != by_content_.end()) {
    tokens_[it->second].special = tokens_[it->second].special || t.special;
    return;
  }
  const size_t idx = tokens_.size();
  by_content_[t.content] = idx;
  by_id_[t.id] = idx;
  if (t.normalized) {
    norm_.insert(normalized_form, idx);
  } else {
    raw_.insert(t.content, idx);
  }
  tokens_.push_back(std::move(t));
}

const AddedToken *AddedVocabulary::find(std::string_view content) const {
  const auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken *AddedVocabulary::find(int32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

std::vector<AddedVocabulary::Piece> AddedVocabulary::split(std::string_view text,
                                                           bool normalized) const {
  const PatternTrie &trie = normalized ? norm_ : raw_;
  std::vector<Piece> out;
  size_t done = 0; // bytes already assigned to pieces
  if (!trie.empty()) {
    size_t pos = 0;
    while (pos < text.size()) {
      const auto m = trie.longest_at(text, pos);
      if (!m) {
        ++pos;
        continue;
      }
      const AddedToken &tok = tokens_[m->first];
      size_t start = pos, stop = pos + m->second;
      if (tok.single_word) {
        const bool left_ok = start == 0 || !is_word_char(last_char(text.substr(0, start)));
        const bool right_ok = stop == text.size() || !is_word_char(first_char(text.substr(stop)));
        if (!left_ok || !right_ok) {
          ++pos;
          continue;
        }
      }
      if (tok.lstrip) {
        start = std::max(trailing_space_start(text.substr(0, start)), done);
      }
      if (tok.rstrip) {
        stop += leading_space_len(text.substr(stop));
      }
      if (start > done) {
        out.push_back({done, start, nullptr});
      }
      out.push_back({start, stop, &tok});
      done = stop;
      pos = stop;
    }
  }
  if (done < text.size() || out.empty()) {
    out.push_back({done, text.size(), nullptr});
  }
  return out;
}

} // namespace plinth::tok
