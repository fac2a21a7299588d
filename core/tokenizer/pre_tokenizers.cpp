// Pre-tokenizers of tokenizer.json (HF tokenizers/src/pre_tokenizers).
#include <cctype>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "tokenizer/pipeline.hpp"
#include "tokenizer/regex.hpp"
#include "utf8.hpp"

namespace plinth::tok {

namespace {

using json = nlohmann::json;

// GPT-2's pattern; PCRE2 with UCP gives \s, \p{L}, \p{N} their Unicode meaning.
constexpr const char *kByteLevelPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

SplitBehavior parse_behavior(const json &j, SplitBehavior dflt) {
  if (!j.is_string()) {
    return dflt;
  }
  const std::string b = j.get<std::string>();
  if (b == "Removed") {
    return SplitBehavior::Removed;
  }
  if (b == "Isolated") {
    return SplitBehavior::Isolated;
  }
  if (b == "MergedWithPrevious") {
    return SplitBehavior::MergedWithPrevious;
  }
  if (b == "MergedWithNext") {
    return SplitBehavior::MergedWithNext;
  }
  if (b == "Contiguous") {
    return SplitBehavior::Contiguous;
  }
  throw Error(PLINTH_ERR_FORMAT, "tokenizer.json: unknown split behavior '" + b + "'");
}

// Applies `f` to every piece and flattens the results.
template <typename F> void split_each(std::vector<NormalizedString> &pieces, F f) {
  std::vector<NormalizedString> out;
  out.reserve(pieces.size());
  for (auto &p : pieces) {
    for (auto &q : f(p)) {
      out.push_back(std::move(q));
    }
  }
  pieces = std::move(out);
}

std::vector<std::pair<size_t, size_t>> invert(const std::vector<std::pair<size_t, size_t>> &m,
                                              size_t len) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t pos = 0;
  for (const auto &r : m) {
    if (r.first > pos) {
      out.push_back({pos, r.first});
    }
    pos = r.second;
  }
  if (pos < len) {
    out.push_back({pos, len});
  }
  return out;
}

bool is_bert_punctuation(char32_t c) {
  return (c < 0x80 && std::ispunct(static_cast<int>(c))) || utf8::is_punctuation(c);
}

class Metaspace final : public PreTokenizer {
public:
  explicit Metaspace(const json &j) {
    replacement_ = j.value("replacement", std::string("\xE2\x96\x81"));
    split_ = j.value("split", true);
    if (j.contains("prepend_scheme") && j["prepend_scheme"].is_string()) {
      scheme_ = j["prepend_scheme"].get<std::string>();
    } else {
      scheme_ = j.value("add_prefix_space", true) ? "always" : "never";
    }
  }
  void pre_tokenize(std::vector<NormalizedString> &pieces) const override {
    split_each(pieces, [&](NormalizedString &s) {
      s.replace(" ", replacement_);
      const bool starts = s.text().rfind(replacement_, 0) == 0;
      if (!starts && (scheme_ == "always" || (scheme_ == "first" && s.original_start() == 0))) {
        s.prepend(replacement_);
      }
      if (!split_) {
        return std::vector<NormalizedString>{s};
      }
      std::vector<std::pair<size_t, size_t>> m;
      for (size_t p = s.text().find(replacement_); p != std::string::npos;
           p = s.text().find(replacement_, p + replacement_.size())) {
        m.push_back({p, p + replacement_.size()});
      }
      return s.split(m, SplitBehavior::MergedWithNext);
    });
  }

private:
  std::string replacement_, scheme_;
  bool split_;
};

class ByteLevel final : public PreTokenizer {
public:
  explicit ByteLevel(const json &j)
      : add_prefix_space_(j.value("add_prefix_space", true)),
        use_regex_(j.value("use_regex", true)) {
    if (use_regex_) {
      re_ = std::make_unique<Regex>(kByteLevelPattern);
    }
  }
  void pre_tokenize(std::vector<NormalizedString> &pieces) const override {
    split_each(pieces, [&](NormalizedString &s) {
      if (add_prefix_space_ && s.text().rfind(' ', 0) != 0) {
        s.prepend(" ");
      }
      if (!use_regex_) {
        return std::vector<NormalizedString>{s};
      }
      return s.split(re_->find_all(s.text()), SplitBehavior::Isolated);
    });
    const auto &table = byte_to_char_table();
    for (auto &p : pieces) {
      p.map_chars([&](char32_t c, std::string &out) {
        for (char b : utf8::encode(c)) {
          utf8::append(out, table[static_cast<unsigned char>(b)]);
        }
      });
    }
  }

private:
  bool add_prefix_space_, use_regex_;
  std::unique_ptr<Regex> re_;
};

// Pre-tokenizers that only split, described by a function from piece to pieces.
class SplitFn final : public PreTokenizer {
public:
  explicit SplitFn(std::function<std::vector<NormalizedString>(const NormalizedString &)> f)
      : f_(std::move(f)) {}
  void pre_tokenize(std::vector<NormalizedString> &pieces) const override {
    split_each(pieces, [&](NormalizedString &s) { return f_(s); });
  }

private:
  std::function<std::vector<NormalizedString>(const NormalizedString &)> f_;
};

class RegexSplit final : public PreTokenizer {
public:
  RegexSplit(const std::string &pattern, SplitBehavior b, bool invert)
      : re_(pattern), behavior_(b), invert_(invert) {}
  void pre_tokenize(std::vector<NormalizedString> &pieces) const override {
    split_each(pieces, [&](NormalizedString &s) {
      auto m = re_.find_all(s.text());
      if (invert_) {
        m = invert(m, s.text().size());
      }
      return s.split(m, behavior_);
    });
  }

private:
  Regex re_;
  SplitBehavior behavior_;
  bool invert_;
};

std::string regex_escape(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

class SequencePre final : public PreTokenizer {
public:
  explicit SequencePre(const json &j) {
    for (const auto &p : j.at("pretokenizers")) {
      if (auto q = make_pre_tokenizer(p)) {
        parts_.push_back(std::move(q));
      }
    }
  }
  void pre_tokenize(std::vector<NormalizedString> &pieces) const override {
    for (const auto &p : parts_) {
      p->pre_tokenize(pieces);
    }
  }

private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

} // namespace

const std::vector<char32_t> &byte_to_char_table() {
  // Printable bytes map to themselves; the others to 256, 257, ... in byte order (GPT-2).
  static const std::vector<char32_t> table = [] {
    std::vector<char32_t> t(256);
    char32_t n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      t[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : 256 + n++;
    }
    return t;
  }();
  return table;
}

std::optional<uint8_t> char_to_byte(char32_t c) {
  static const std::vector<int> inverse = [] {
    std::vector<int> inv(512, -1);
    const auto &t = byte_to_char_table();
    for (int b = 0; b < 256; ++b) {
      inv[t[static_cast<size_t>(b)]] = b;
    }
    return inv;
  }();
  if (c >= inverse.size() || inverse[c] < 0) {
    return std::nullopt;
  }
  return static_cast<uint8_t>(inverse[c]);
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json &j) {
  if (j.is_null()) {
    return nullptr;
  }
  const std::string type = j.at("type").get<std::string>();
  if (type == "Metaspace") {
    return std::make_unique<Metaspace>(j);
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevel>(j);
  }
  if (type == "Sequence") {
    return std::make_unique<SequencePre>(j);
  }
  if (type == "BertPreTokenizer") {
    return std::make_unique<SplitFn>([](const NormalizedString &s) {
      std::vector<NormalizedString> out;
      for (auto &w : s.split_chars(utf8::is_whitespace, SplitBehavior::Removed)) {
        for (auto &p : w.split_chars(is_bert_punctuation, SplitBehavior::Isolated)) {
          out.push_back(std::move(p));
        }
      }
      return out;
    });
  }
  if (type == "WhitespaceSplit") {
    return std::make_unique<SplitFn>([](const NormalizedString &s) {
      return s.split_chars(utf8::is_whitespace, SplitBehavior::Removed);
    });
  }
  if (type == "Whitespace") {
    return std::make_unique<RegexSplit>(R"(\w+|[^\w\s]+)", SplitBehavior::Removed, true);
  }
  if (type == "Punctuation") {
    const SplitBehavior b = parse_behavior(j.value("behavior", json()), SplitBehavior::Isolated);
    return std::make_unique<SplitFn>(
        [b](const NormalizedString &s) { return s.split_chars(is_bert_punctuation, b); });
  }
  if (type == "Digits") {
    const SplitBehavior b =
        j.value("individual_digits", false) ? SplitBehavior::Isolated : SplitBehavior::Contiguous;
    return std::make_unique<SplitFn>(
        [b](const NormalizedString &s) { return s.split_chars(utf8::is_number, b); });
  }
  if (type == "Split") {
    const auto &p = j.at("pattern");
    const std::string pattern = p.contains("String")
                                    ? regex_escape(p.at("String").get<std::string>())
                                    : p.at("Regex").get<std::string>();
    return std::make_unique<RegexSplit>(pattern,
                                        parse_behavior(j.at("behavior"), SplitBehavior::Isolated),
                                        j.value("invert", false));
  }
  throw Error(PLINTH_ERR_UNSUPPORTED,
              "tokenizer.json: unsupported pre_tokenizer type '" + type + "'");
}

} // namespace plinth::tok
