#include "utf8.hpp"

#include <algorithm>

#include <utf8proc.h>

#include "tok_error.hpp"

namespace plinth::tok::utf8 {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if the bytes there are not one; `max_valid`
// receives the length of the longest valid prefix (the "maximal subpart").
size_t valid_seq(std::string_view s, size_t i, size_t &max_valid) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  max_valid = 0;
  if (b0 < 0x80) {
    return 1;
  }
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) {
      lo = 0xA0;
    } else if (b0 == 0xED) {
      hi = 0x9F;
    }
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) {
      lo = 0x90;
    } else if (b0 == 0xF4) {
      hi = 0x8F;
    }
  } else {
    return 0;
  }
  max_valid = 1;
  for (size_t k = 1; k < n; ++k) {
    if (i + k >= s.size()) {
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
    if (b < l || b > h) {
      return 0;
    }
    max_valid = k + 1;
  }
  return n;
}

int category(char32_t c) { return utf8proc_category(static_cast<utf8proc_int32_t>(c)); }

} // namespace

void validate(std::string_view s, std::string_view what) {
  size_t i = 0;
  while (i < s.size()) {
    size_t mv = 0;
    const size_t n = valid_seq(s, i, mv);
    if (n == 0) {
      throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                  std::string(what) + ": invalid UTF-8 at byte " + std::to_string(i));
    }
    i += n;
  }
}

size_t seq_len(unsigned char b) {
  if (b < 0x80) {
    return 1;
  }
  if ((b >> 5) == 0x6) {
    return 2;
  }
  if ((b >> 4) == 0xE) {
    return 3;
  }
  if ((b >> 3) == 0x1E) {
    return 4;
  }
  return 1;
}

char32_t next(std::string_view s, size_t &i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const size_t n = std::min(seq_len(b0), s.size() - i);
  char32_t c = n == 1 ? b0 : (n == 2 ? (b0 & 0x1F) : (n == 3 ? (b0 & 0x0F) : (b0 & 0x07)));
  for (size_t k = 1; k < n; ++k) {
    c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += n;
  return c;
}

void append(std::string &out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string encode(char32_t c) {
  std::string s;
  append(s, c);
  return s;
}

std::vector<char32_t> decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    out.push_back(next(s, i));
  }
  return out;
}

size_t char_count(std::string_view s) {
  size_t n = 0;
  for (char ch : s) {
    n += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
  }
  return n;
}

bool is_whitespace(char32_t c) {
  if ((c >= 0x09 && c <= 0x0D) || c == 0x85) {
    return true;
  }
  const int cat = category(c);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

bool is_python_space(char32_t c) {
  if (category(c) == UTF8PROC_CATEGORY_ZS) {
    return true;
  }
  const auto *p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  return p->bidi_class == UTF8PROC_BIDI_CLASS_WS || p->bidi_class == UTF8PROC_BIDI_CLASS_B ||
         p->bidi_class == UTF8PROC_BIDI_CLASS_S;
}

bool is_punctuation(char32_t c) {
  const int cat = category(c);
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool is_other(char32_t c) {
  const int cat = category(c);
  return cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_CC ||
         cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CS || cat == UTF8PROC_CATEGORY_CO;
}

bool is_mark_nonspacing(char32_t c) { return category(c) == UTF8PROC_CATEGORY_MN; }

bool is_letter(char32_t c) {
  const int cat = category(c);
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

bool is_number(char32_t c) {
  const int cat = category(c);
  return cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO;
}

char32_t to_lower(char32_t c) {
  return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
}

std::string from_bytes_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    size_t mv = 0;
    const size_t n = valid_seq(bytes, i, mv);
    if (n > 0) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      i += std::max<size_t>(mv, 1);
    }
  }
  return out;
}

} // namespace plinth::tok::utf8
