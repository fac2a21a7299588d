// sacremoses' MosesTokenizer(lang="en").tokenize(text, aggressive_dash_splits=True,
// escape=True) and MosesDetokenizer(lang="en").detokenize(tokens), step by step. The steps
// work on code points; "space" is Python's \s (str.isspace), which is what re and str.split
// use.
#include "moses.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_set>

#include "utf8.hpp"

namespace plinth::tok::moses {

namespace {

using U32 = std::u32string;
using U32View = std::u32string_view;

bool space(char32_t c) { return utf8::is_python_space(c); }
bool has(std::u32string_view set, char32_t c) { return set.find(c) != std::u32string_view::npos; }

U32 to_u32(std::string_view s) {
  U32 out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    out.push_back(utf8::next(s, i));
  }
  return out;
}

std::string to_utf8(U32View s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    utf8::append(out, c);
  }
  return out;
}

// str.split(): runs of whitespace separate, none at either end.
std::vector<U32> split_ws(U32View s) {
  std::vector<U32> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) {
      ++i;
    }
    const size_t start = i;
    while (i < s.size() && !space(s[i])) {
      ++i;
    }
    if (i > start) {
      out.emplace_back(s.substr(start, i - start));
    }
  }
  return out;
}

U32 strip(U32View s) {
  size_t a = 0, b = s.size();
  while (a < b && space(s[a])) {
    ++a;
  }
  while (b > a && space(s[b - 1])) {
    --b;
  }
  return U32(s.substr(a, b - a));
}

// re.sub(r"\s+", " ", s)
U32 dedup_space(U32View s) {
  U32 out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (space(s[i])) {
      out.push_back(U' ');
      while (i < s.size() && space(s[i])) {
        ++i;
      }
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

// re.sub(literal, repl, s), optionally requiring (and consuming) one following character
// that satisfies `next`, which is then re-emitted after the replacement.
template <class Next>
U32 replace_literal(U32View s, U32View pat, U32View repl, Next next, bool with_next) {
  U32 out;
  out.reserve(s.size() + 16);
  size_t i = 0;
  while (i < s.size()) {
    if (s.substr(i, pat.size()) == pat &&
        (!with_next || (i + pat.size() < s.size() && next(s[i + pat.size()])))) {
      out += repl;
      i += pat.size();
      if (with_next) {
        out.push_back(s[i++]);
      }
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

U32 replace_all(U32View s, U32View pat, U32View repl) {
  return replace_literal(
      s, pat, repl, [](char32_t) { return true; }, false);
}

bool contains(U32View s, U32View pat) { return s.find(pat) != U32View::npos; }

// MosesTokenizer.replace_multidots: runs of two or more dots become DOTMULTI markers.
U32 replace_multidots(U32View s) {
  U32 out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == U'.' && i + 1 < s.size() && s[i + 1] == U'.') {
      out += U" DOTMULTI";
      ++i;
      while (i < s.size() && s[i] == U'.') {
        out.push_back(s[i++]);
      }
    } else {
      out.push_back(s[i++]);
    }
  }
  while (contains(out, U"DOTMULTI.")) {
    out = replace_literal(
        out, U"DOTMULTI.", U"DOTDOTMULTI ", [](char32_t c) { return c != U'.'; }, true);
    out = replace_all(out, U"DOTMULTI.", U"DOTDOTMULTI");
  }
  return out;
}

U32 restore_multidots(U32 s) {
  while (contains(s, U"DOTDOTMULTI")) {
    s = replace_all(s, U"DOTDOTMULTI", U"DOTMULTI.");
  }
  return replace_all(s, U"DOTMULTI", U".");
}

// re.sub(r"(A)'(B)", repl, s) for one-character classes A and B: `middle` is what goes
// between the two kept characters.
template <class P1, class P3> U32 sub_apostrophe(U32View s, P1 p1, P3 p3, U32View middle) {
  U32 out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    if (i + 2 < s.size() && s[i + 1] == U'\'' && p1(s[i]) && p3(s[i + 2])) {
      out.push_back(s[i]);
      out += middle;
      out.push_back(s[i + 2]);
      i += 3;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

// The "," rules: split commas except between digits.
U32 separate_commas(U32View s) {
  U32 a; // ([^IsN])[,] -> "\1 , "
  for (size_t i = 0; i < s.size();) {
    if (i + 1 < s.size() && s[i + 1] == U',' && !is_number(s[i])) {
      a.push_back(s[i]);
      a += U" , ";
      i += 2;
    } else {
      a.push_back(s[i++]);
    }
  }
  U32 b; // [,]([^IsN]) -> " , \1"
  for (size_t i = 0; i < a.size();) {
    if (a[i] == U',' && i + 1 < a.size() && !is_number(a[i + 1])) {
      b += U" , ";
      b.push_back(a[i + 1]);
      i += 2;
    } else {
      b.push_back(a[i++]);
    }
  }
  // ([IsN])[,]$ -> "\1 , "
  if (b.size() >= 2 && b.back() == U',' && is_number(b[b.size() - 2])) {
    b.pop_back();
    b += U" , ";
  }
  return b;
}

U32 english_apostrophes(U32View s) {
  auto alpha = [](char32_t c) { return is_alpha(c); };
  auto not_alpha = [](char32_t c) { return !is_alpha(c); };
  U32 t = sub_apostrophe(s, not_alpha, not_alpha, U" ' ");
  t = sub_apostrophe(
      t, [](char32_t c) { return !is_alpha(c) && !is_number(c); }, alpha, U" ' ");
  t = sub_apostrophe(t, alpha, not_alpha, U" ' ");
  t = sub_apostrophe(t, alpha, alpha, U" '");
  return sub_apostrophe(
      t, [](char32_t c) { return is_number(c); }, [](char32_t c) { return c == U's'; }, U" '");
}

// sacremoses' nonbreaking_prefix.en: words after which a period does not end a sentence;
// the NUMERIC_ONLY ones only before a number.
const std::unordered_set<U32> &nonbreaking_prefixes() {
  static const std::unordered_set<U32> k = {
      U"A",    U"B",    U"C",    U"D",    U"E",    U"F",    U"G",    U"H",      U"I",    U"J",
      U"K",    U"L",    U"M",    U"N",    U"O",    U"P",    U"Q",    U"R",      U"S",    U"T",
      U"U",    U"V",    U"W",    U"X",    U"Y",    U"Z",    U"Adj",  U"Adm",    U"Adv",  U"Asst",
      U"Bart", U"Bldg", U"Brig", U"Bros", U"Capt", U"Cmdr", U"Col",  U"Comdr",  U"Con",  U"Corp",
      U"Cpl",  U"DR",   U"Dr",   U"Drs",  U"Ens",  U"Gen",  U"Gov",  U"Hon",    U"Hr",   U"Hosp",
      U"Insp", U"Lt",   U"MM",   U"MR",   U"MRS",  U"MS",   U"Maj",  U"Messrs", U"Mlle", U"Mme",
      U"Mr",   U"Mrs",  U"Ms",   U"Msgr", U"Op",   U"Ord",  U"Pfc",  U"Ph",     U"Prof", U"Pvt",
      U"Rep",  U"Reps", U"Res",  U"Rev",  U"Rt",   U"Sen",  U"Sens", U"Sfc",    U"Sgt",  U"Sr",
      U"St",   U"Supt", U"Surg", U"v",    U"vs",   U"i.e",  U"rev",  U"e.g",    U"Rs",   U"Nos",
      U"Nr",   U"Jan",  U"Feb",  U"Mar",  U"Apr",  U"Jun",  U"Jul",  U"Aug",    U"Sep",  U"Oct",
      U"Nov",  U"Dec"};
  return k;
}
const std::unordered_set<U32> &numeric_only_prefixes() {
  static const std::unordered_set<U32> k = {U"No", U"Art", U"pp"};
  return k;
}

U32 handle_nonbreaking_prefixes(U32View s) {
  std::vector<U32> tokens = split_ws(s);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const U32 &tok = tokens[i];
    if (tok.size() < 2 || tok.back() != U'.') {
      continue;
    }
    const U32 prefix = tok.substr(0, tok.size() - 1);
    const bool dotted_alpha =
        contains(prefix, U".") &&
        std::any_of(prefix.begin(), prefix.end(), [](char32_t c) { return is_alpha(c); });
    const bool numeric_only = numeric_only_prefixes().count(prefix) > 0;
    const bool known = nonbreaking_prefixes().count(prefix) > 0 && !numeric_only;
    const bool next_lower = i + 1 < tokens.size() && is_lower(tokens[i + 1][0]);
    const bool next_digits =
        i + 1 < tokens.size() && tokens[i + 1][0] >= U'0' && tokens[i + 1][0] <= U'9';
    if (dotted_alpha || known || next_lower || (numeric_only && next_digits)) {
      continue;
    }
    tokens[i] = prefix + U" .";
  }
  U32 out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) {
      out.push_back(U' ');
    }
    out += tokens[i];
  }
  return out;
}

U32 escape_xml(U32View s) {
  U32 out;
  out.reserve(s.size() + 16);
  for (char32_t c : s) {
    switch (c) {
    case U'&': out += U"&amp;"; break;
    case U'|': out += U"&#124;"; break;
    case U'<': out += U"&lt;"; break;
    case U'>': out += U"&gt;"; break;
    case U'\'': out += U"&apos;"; break;
    case U'"': out += U"&quot;"; break;
    case U'[': out += U"&#91;"; break;
    case U']': out += U"&#93;"; break;
    default: out.push_back(c);
    }
  }
  return out;
}

} // namespace

std::vector<std::string> tokenize(std::string_view text) {
  U32 t = dedup_space(to_u32(text));
  std::erase_if(t, [](char32_t c) { return c < 0x20; }); // ASCII junk
  t = strip(t);
  { // Pad everything that is not alphanumeric, space or one of . ' ` , -
    U32 out;
    out.reserve(t.size() * 2);
    for (char32_t c : t) {
      if (!is_alnum(c) && !space(c) && !has(U".'`,-", c)) {
        out.push_back(U' ');
        out.push_back(c);
        out.push_back(U' ');
      } else {
        out.push_back(c);
      }
    }
    t = std::move(out);
  }
  { // Aggressive dash splits: ([alnum])-(?=[alnum]) -> "\1 @-@ "
    U32 out;
    out.reserve(t.size());
    for (size_t i = 0; i < t.size();) {
      if (i + 2 < t.size() && t[i + 1] == U'-' && is_alnum(t[i]) && is_alnum(t[i + 2])) {
        out.push_back(t[i]);
        out += U" @-@ ";
        i += 2;
      } else {
        out.push_back(t[i++]);
      }
    }
    t = std::move(out);
  }
  t = replace_multidots(t);
  t = separate_commas(t);
  t = english_apostrophes(t);
  t = handle_nonbreaking_prefixes(t);
  t = strip(dedup_space(t));
  // Split a trailing ".'" (\.' ?$); after strip() there is no trailing space left.
  if (t.size() >= 2 && t.ends_with(U".'")) {
    t.resize(t.size() - 2);
    t += U" . ' ";
  }
  t = escape_xml(restore_multidots(std::move(t)));
  std::vector<std::string> out;
  for (const U32 &w : split_ws(t)) {
    out.push_back(to_utf8(w));
  }
  return out;
}

namespace {

bool all_of(U32View s, U32View set) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char32_t c) { return has(set, c); });
}

U32 unescape_xml(U32 s) {
  static const std::pair<U32View, U32View> kUnescape[] = {
      {U"&bar;", U"|"}, {U"&#124;", U"|"}, {U"&lt;", U"<"},    {U"&gt;", U">"},
      {U"&bra;", U"["}, {U"&ket;", U"]"},  {U"&quot;", U"\""}, {U"&apos;", U"'"},
      {U"&#91;", U"["}, {U"&#93;", U"]"},  {U"&amp;", U"&"}};
  for (const auto &[from, to] : kUnescape) {
    if (contains(s, from)) {
      s = replace_all(s, from, to);
    }
  }
  return s;
}

} // namespace

std::string detokenize(const std::vector<std::string> &tokens_in) {
  U32 text = U" ";
  for (size_t i = 0; i < tokens_in.size(); ++i) {
    if (i > 0) {
      text.push_back(U' ');
    }
    text += to_u32(tokens_in[i]);
  }
  text.push_back(U' ');
  text = unescape_xml(replace_all(text, U" @-@ ", U"-"));

  std::map<U32, int> quote_counts = {{U"'", 0}, {U"\"", 0}, {U"``", 0}, {U"`", 0}, {U"''", 0}};
  bool prepend = true; // sacremoses' prepend_space: " " or ""
  U32 out;
  const std::vector<U32> tokens = split_ws(text);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const U32 &tok = tokens[i];
    const bool currency = std::all_of(
        tok.begin(), tok.end(), [](char32_t c) { return is_currency(c) || has(U"([{¿¡", c); });
    if (is_cjk(tok[0])) {
      // Consecutive CJK words are joined without a space.
      if (i == 0 || !is_cjk(tokens[i - 1].back())) {
        out += prepend ? U" " : U"";
      }
      out += tok;
      prepend = true;
    } else if (currency) {
      out += prepend ? U" " : U"";
      out += tok;
      prepend = false;
    } else if (all_of(tok, U",.?!:;\\%}])")) {
      out += tok;
      prepend = true;
    } else if (i > 0 && tok.size() >= 2 && tok[0] == U'\'' && is_detok_alpha(tok[1])) {
      out += tok; // English contraction: 's, 're, ...
      prepend = true;
    } else if (all_of(tok, U"'\"„“`")) {
      const U32 quote = all_of(tok, U"„“”") ? U32(U"\"") : tok;
      int &count = quote_counts[quote];
      if (count % 2 == 0) {
        if (tok == U"'" && i > 0 && tokens[i - 1].back() == U's') {
          out += tok; // possessive: "The Jones' house"
          prepend = true;
        } else {
          out += prepend ? U" " : U"";
          out += tok;
          prepend = false;
          ++count;
        }
      } else {
        out += tok;
        prepend = true;
        ++count;
      }
    } else {
      out += prepend ? U" " : U"";
      out += tok;
      prepend = true;
    }
  }
  // " {2,}" -> " ", then strip().
  U32 merged;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == U' ' && i + 1 < out.size() && out[i + 1] == U' ') {
      size_t j = i;
      while (j < out.size() && out[j] == U' ') {
        ++j;
      }
      merged.push_back(U' ');
      i = j - 1;
    } else {
      merged.push_back(out[i]);
    }
  }
  return to_utf8(strip(merged));
}

} // namespace plinth::tok::moses
