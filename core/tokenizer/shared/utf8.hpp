// UTF-8 helpers shared by the tokenizer components. Character classes come from utf8proc so
// that no Unicode table is maintained here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plinth::tok::utf8 {

// Throws plinth::Error(INVALID_ARGUMENT) naming `what` if `s` is not valid UTF-8.
void validate(std::string_view s, std::string_view what);

// Decodes the code point starting at s[i] (s must be valid UTF-8); advances i.
char32_t next(std::string_view s, size_t &i);
// Byte length of the UTF-8 sequence that starts with byte b.
size_t seq_len(unsigned char b);
void append(std::string &out, char32_t c);
std::string encode(char32_t c);
std::vector<char32_t> decode(std::string_view s);
size_t char_count(std::string_view s);

// Rust's char::is_whitespace (Unicode White_Space).
bool is_whitespace(char32_t c);
// Python's str.isspace for one character.
bool is_python_space(char32_t c);
// General category helpers (utf8proc categories).
bool is_punctuation(char32_t c); // P*
bool is_other(char32_t c);       // C*
bool is_mark_nonspacing(char32_t c);
bool is_letter(char32_t c);
bool is_number(char32_t c);
char32_t to_lower(char32_t c);

// Rust's String::from_utf8_lossy: each maximal invalid subpart becomes U+FFFD.
std::string from_bytes_lossy(std::string_view bytes);

} // namespace plinth::tok::utf8
