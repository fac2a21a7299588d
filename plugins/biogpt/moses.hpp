// The Moses tokenizer and detokenizer for English, as sacremoses implements them and
// transformers' BioGptTokenizer calls them: tokenize(text, aggressive_dash_splits=True,
// escape=True) and detokenize(tokens). Each regex substitution of sacremoses is one pass
// here, with the same left-to-right, non-overlapping semantics as Python's re.sub.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace plinth::tok::moses {

// `text` must be valid UTF-8.
std::vector<std::string> tokenize(std::string_view text);
std::string detokenize(const std::vector<std::string> &tokens);

// sacremoses' Perl Unicode property classes (moses_charsets.cpp).
bool is_alnum(char32_t c);
bool is_alpha(char32_t c);
bool is_detok_alpha(char32_t c);
bool is_number(char32_t c);
bool is_lower(char32_t c);
bool is_currency(char32_t c);
bool is_cjk(char32_t c);

} // namespace plinth::tok::moses
