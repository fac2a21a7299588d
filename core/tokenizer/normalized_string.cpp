#include "tokenizer/normalized_string.hpp"

#include <algorithm>
#include <cstdlib>

#include <utf8proc.h>

#include "error.hpp"
#include "utf8.hpp"

namespace plinth::tok {

NormalizedString::NormalizedString(std::string_view original, int64_t char_base)
    : text_(original), origin_(char_base),
      limit_(std::max<size_t>(size_t{1} << 20, original.size() * 64)) {
  align_.resize(text_.size());
  int64_t c = char_base;
  for (size_t i = 0; i < text_.size();) {
    const size_t n =
        std::min(utf8::seq_len(static_cast<unsigned char>(text_[i])), text_.size() - i);
    for (size_t k = 0; k < n; ++k) {
      align_[i + k] = {c, c + 1};
    }
    i += n;
    ++c;
  }
}

Span NormalizedString::span(size_t b, size_t e) const {
  if (b >= e || b >= align_.size()) {
    const int64_t at =
        b < align_.size() ? align_[b].start : (align_.empty() ? origin_ : align_.back().end);
    return {at, at};
  }
  e = std::min(e, align_.size());
  int64_t s = align_[b].start, en = align_[b].end;
  for (size_t i = b; i < e; ++i) {
    s = std::min(s, align_[i].start);
    en = std::max(en, align_[i].end);
  }
  return {s, en};
}

void NormalizedString::map_chars(const std::function<void(char32_t, std::string &)> &f) {
  std::string out;
  std::vector<Span> al;
  out.reserve(text_.size());
  al.reserve(text_.size());
  std::string piece;
  for (size_t i = 0; i < text_.size();) {
    const size_t start = i;
    const char32_t c = utf8::next(text_, i);
    piece.clear();
    f(c, piece);
    out += piece;
    al.insert(al.end(), piece.size(), align_[start]);
  }
  if (!align_.empty()) {
    origin_ = align_.front().start;
  }
  text_ = std::move(out);
  align_ = std::move(al);
}

void NormalizedString::check_growth(size_t new_size) const {
  if (new_size > limit_)
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                "normalization would grow the text to more than " + std::to_string(limit_) +
                    " bytes (64 times the input, at least 1 MiB): check the normalizers' "
                    "Replace patterns");
}

void NormalizedString::replace_range(size_t b, size_t e, std::string_view content) {
  check_growth(text_.size() - (e - b) + content.size());
  const Span sp = span(b, e);
  text_.replace(b, e - b, content);
  align_.erase(align_.begin() + static_cast<ptrdiff_t>(b),
               align_.begin() + static_cast<ptrdiff_t>(e));
  align_.insert(align_.begin() + static_cast<ptrdiff_t>(b), content.size(), sp);
}

void NormalizedString::replace(std::string_view pattern, std::string_view content) {
  if (pattern.empty()) {
    return;
  }
  std::string out;
  std::vector<Span> al;
  size_t i = 0;
  while (i < text_.size()) {
    const size_t p = text_.find(pattern, i);
    const size_t stop = p == std::string::npos ? text_.size() : p;
    out.append(text_, i, stop - i);
    al.insert(al.end(), align_.begin() + static_cast<ptrdiff_t>(i),
              align_.begin() + static_cast<ptrdiff_t>(stop));
    if (p == std::string::npos) {
      break;
    }
    const Span sp = span(p, p + pattern.size());
    check_growth(out.size() + content.size() + (text_.size() - p - pattern.size()));
    out.append(content);
    al.insert(al.end(), content.size(), sp);
    i = p + pattern.size();
  }
  if (!align_.empty()) {
    origin_ = align_.front().start;
  }
  text_ = std::move(out);
  align_ = std::move(al);
}

void NormalizedString::prepend(std::string_view s) {
  const Span first = align_.empty() ? Span{origin_, origin_} : align_.front();
  text_.insert(0, s);
  align_.insert(align_.begin(), s.size(), first);
}

namespace {

std::string utf8proc_form(std::string_view s, std::string_view form) {
  int opts = UTF8PROC_STABLE;
  if (form == "NFC") {
    opts |= UTF8PROC_COMPOSE;
  } else if (form == "NFD") {
    opts |= UTF8PROC_DECOMPOSE;
  } else if (form == "NFKC") {
    opts |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
  } else if (form == "NFKD") {
    opts |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  } else {
    throw Error(PLINTH_ERR_FORMAT, "unknown unicode normalization form " + std::string(form));
  }
  utf8proc_uint8_t *out = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(s.data()),
                              static_cast<utf8proc_ssize_t>(s.size()), &out,
                              static_cast<utf8proc_option_t>(opts));
  if (n < 0) {
    throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                std::string("unicode normalization failed: ") + utf8proc_errmsg(n));
  }
  std::string r(reinterpret_cast<char *>(out), static_cast<size_t>(n));
  std::free(out);
  return r;
}

} // namespace

void NormalizedString::unicode_normalize(std::string_view form) {
  // Normalisation only reorders/combines within a starter and its following non-starters,
  // so normalising such segments one by one gives both the text and a per-segment alignment.
  std::string out;
  std::vector<Span> al;
  size_t seg = 0;
  auto flush = [&](size_t end) {
    if (end <= seg) {
      return;
    }
    const std::string r = utf8proc_form(std::string_view(text_).substr(seg, end - seg), form);
    const Span sp = span(seg, end);
    out += r;
    al.insert(al.end(), r.size(), sp);
    seg = end;
  };
  for (size_t i = 0; i < text_.size();) {
    const size_t start = i;
    const char32_t c = utf8::next(text_, i);
    if (start > seg &&
        utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class == 0) {
      flush(start);
    }
  }
  flush(text_.size());
  const std::string whole = utf8proc_form(text_, form);
  if (whole != out) {
    // Composition across segments (e.g. conjoining jamo): keep the exact text, coarse offsets.
    const Span sp = span(0, text_.size());
    al.assign(whole.size(), sp);
    out = whole;
  }
  if (!align_.empty()) {
    origin_ = align_.front().start;
  }
  text_ = std::move(out);
  align_ = std::move(al);
}

void NormalizedString::strip(bool left, bool right) {
  size_t b = 0, e = text_.size();
  if (left) {
    while (b < e) {
      size_t i = b;
      if (!utf8::is_whitespace(utf8::next(text_, i))) {
        break;
      }
      b = i;
    }
  }
  if (right) {
    while (e > b) {
      size_t s = e - 1;
      while (s > b && (static_cast<unsigned char>(text_[s]) & 0xC0) == 0x80) {
        --s;
      }
      size_t i = s;
      if (!utf8::is_whitespace(utf8::next(text_, i))) {
        break;
      }
      e = s;
    }
  }
  *this = slice(b, e);
}

NormalizedString NormalizedString::slice(size_t b, size_t e) const {
  NormalizedString r;
  r.text_ = text_.substr(b, e - b);
  r.align_.assign(align_.begin() + static_cast<ptrdiff_t>(b),
                  align_.begin() + static_cast<ptrdiff_t>(e));
  r.origin_ = span(b, e).start;
  r.limit_ = limit_;
  return r;
}

std::vector<NormalizedString>
NormalizedString::split(const std::vector<std::pair<size_t, size_t>> &matches,
                        SplitBehavior behavior) const {
  // (range, is_delimiter) covering the whole text.
  std::vector<std::pair<std::pair<size_t, size_t>, bool>> parts;
  size_t pos = 0;
  for (const auto &m : matches) {
    if (m.first > pos) {
      parts.push_back({{pos, m.first}, false});
    }
    if (m.second > m.first) {
      parts.push_back({m, true});
    }
    pos = std::max(pos, m.second);
  }
  if (pos < text_.size()) {
    parts.push_back({{pos, text_.size()}, false});
  }
  std::vector<std::pair<size_t, size_t>> pieces;
  switch (behavior) {
  case SplitBehavior::Removed:
    for (const auto &p : parts) {
      if (!p.second) {
        pieces.push_back(p.first);
      }
    }
    break;
  case SplitBehavior::Isolated:
    for (const auto &p : parts) {
      pieces.push_back(p.first);
    }
    break;
  case SplitBehavior::Contiguous: {
    bool prev_delim = false;
    for (const auto &p : parts) {
      if (p.second && prev_delim && !pieces.empty()) {
        pieces.back().second = p.first.second;
      } else {
        pieces.push_back(p.first);
      }
      prev_delim = p.second;
    }
    break;
  }
  case SplitBehavior::MergedWithPrevious: {
    bool prev_word = false;
    for (const auto &p : parts) {
      if (p.second && prev_word) {
        pieces.back().second = p.first.second;
        prev_word = false;
      } else {
        pieces.push_back(p.first);
        prev_word = !p.second;
      }
    }
    break;
  }
  case SplitBehavior::MergedWithNext: {
    // Mirror of MergedWithPrevious, walking from the end (as HF does).
    bool next_is_delim = false;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (it->second && !next_is_delim && !pieces.empty()) {
        pieces.back().first = it->first.first;
      } else {
        pieces.push_back(it->first);
      }
      next_is_delim = it->second;
    }
    std::reverse(pieces.begin(), pieces.end());
    break;
  }
  }
  std::vector<NormalizedString> out;
  out.reserve(pieces.size());
  for (const auto &p : pieces) {
    if (p.second > p.first) {
      out.push_back(slice(p.first, p.second));
    }
  }
  return out;
}

std::vector<NormalizedString>
NormalizedString::split_chars(const std::function<bool(char32_t)> &pred,
                              SplitBehavior behavior) const {
  std::vector<std::pair<size_t, size_t>> matches;
  for (size_t i = 0; i < text_.size();) {
    const size_t start = i;
    if (pred(utf8::next(text_, i))) {
      matches.push_back({start, i});
    }
  }
  return split(matches, behavior);
}

} // namespace plinth::tok
