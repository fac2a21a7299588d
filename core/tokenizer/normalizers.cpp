// Normalizers of tokenizer.json (HF tokenizers/src/normalizers).
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "tokenizer/pipeline.hpp"
#include "tokenizer/regex.hpp"
#include "utf8.hpp"

namespace plinth::tok {

namespace {

using json = nlohmann::json;

bool is_chinese_char(char32_t c) {
  // The CJK Unified Ideograph blocks BERT treats as words of their own.
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

void lowercase(NormalizedString &s) {
  s.map_chars([](char32_t c, std::string &out) {
    if (c == 0x130) { // the one full (multi-character) lowercase mapping: İ -> i̇
      out += "i\xCC\x87";
    } else {
      utf8::append(out, utf8::to_lower(c));
    }
  });
}

void strip_accents(NormalizedString &s) {
  s.unicode_normalize("NFD");
  s.map_chars([](char32_t c, std::string &out) {
    if (!utf8::is_mark_nonspacing(c)) {
      utf8::append(out, c);
    }
  });
}

class BertNormalizer final : public Normalizer {
public:
  explicit BertNormalizer(const json &j)
      : clean_text_(j.value("clean_text", true)), chinese_(j.value("handle_chinese_chars", true)),
        lowercase_(j.value("lowercase", true)) {
    const auto it = j.find("strip_accents");
    strip_accents_ = (it == j.end() || it->is_null()) ? lowercase_ : it->get<bool>();
  }
  void normalize(NormalizedString &s) const override {
    if (clean_text_) {
      s.map_chars([](char32_t c, std::string &out) {
        if (c == 0 || c == 0xFFFD) {
          return;
        }
        const bool ws = c == '\t' || c == '\n' || c == '\r' || utf8::is_whitespace(c);
        if (!ws && utf8::is_other(c)) {
          return;
        }
        utf8::append(out, ws ? U' ' : c);
      });
    }
    if (chinese_) {
      s.map_chars([](char32_t c, std::string &out) {
        if (is_chinese_char(c)) {
          out.push_back(' ');
          utf8::append(out, c);
          out.push_back(' ');
        } else {
          utf8::append(out, c);
        }
      });
    }
    if (strip_accents_) {
      strip_accents(s);
    }
    if (lowercase_) {
      lowercase(s);
    }
  }

private:
  bool clean_text_, chinese_, lowercase_, strip_accents_;
};

class ReplaceNormalizer final : public Normalizer {
public:
  explicit ReplaceNormalizer(const json &j) : content_(j.at("content").get<std::string>()) {
    const auto &p = j.at("pattern");
    if (p.contains("String")) {
      literal_ = p.at("String").get<std::string>();
    } else {
      regex_ = std::make_unique<Regex>(p.at("Regex").get<std::string>());
    }
  }
  void normalize(NormalizedString &s) const override {
    if (!regex_) {
      s.replace(literal_, content_);
      return;
    }
    const auto matches = regex_->find_all(s.text());
    for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
      s.replace_range(it->first, it->second, content_);
    }
  }

private:
  std::string literal_, content_;
  std::unique_ptr<Regex> regex_;
};

class FnNormalizer final : public Normalizer {
public:
  explicit FnNormalizer(std::function<void(NormalizedString &)> f) : f_(std::move(f)) {}
  void normalize(NormalizedString &s) const override { f_(s); }

private:
  std::function<void(NormalizedString &)> f_;
};

class SequenceNormalizer final : public Normalizer {
public:
  explicit SequenceNormalizer(const json &j) {
    for (const auto &n : j.at("normalizers")) {
      if (auto p = make_normalizer(n)) {
        parts_.push_back(std::move(p));
      }
    }
  }
  void normalize(NormalizedString &s) const override {
    for (const auto &p : parts_) {
      p->normalize(s);
    }
  }

private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

} // namespace

std::unique_ptr<Normalizer> make_normalizer(const json &j) {
  if (j.is_null()) {
    return nullptr;
  }
  const std::string type = j.at("type").get<std::string>();
  if (type == "BertNormalizer") {
    return std::make_unique<BertNormalizer>(j);
  }
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(j);
  }
  if (type == "Sequence") {
    return std::make_unique<SequenceNormalizer>(j);
  }
  if (type == "Lowercase") {
    return std::make_unique<FnNormalizer>(lowercase);
  }
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    return std::make_unique<FnNormalizer>(
        [type](NormalizedString &s) { s.unicode_normalize(type); });
  }
  if (type == "StripAccents") {
    // HF's StripAccents only removes the marks; it expects an NFD/NFKD normalizer before it.
    return std::make_unique<FnNormalizer>([](NormalizedString &s) {
      s.map_chars([](char32_t c, std::string &out) {
        if (!utf8::is_mark_nonspacing(c)) {
          utf8::append(out, c);
        }
      });
    });
  }
  if (type == "Strip") {
    const bool l = j.value("strip_left", true), r = j.value("strip_right", true);
    return std::make_unique<FnNormalizer>([l, r](NormalizedString &s) { s.strip(l, r); });
  }
  if (type == "Prepend") {
    const std::string p = j.at("prepend").get<std::string>();
    return std::make_unique<FnNormalizer>([p](NormalizedString &s) {
      if (!s.empty()) {
        s.prepend(p);
      }
    });
  }
  throw Error(PLINTH_ERR_UNSUPPORTED, "tokenizer.json: unsupported normalizer type '" + type + "'");
}

} // namespace plinth::tok
