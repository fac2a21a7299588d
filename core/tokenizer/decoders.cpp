// Decoders of tokenizer.json (HF tokenizers/src/decoders): they turn tokens back into text.
#include <memory>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_config.hpp"
#include "tokenizer/pipeline.hpp"
#include "tokenizer/regex.hpp"
#include "utf8.hpp"

namespace plinth::tok {

namespace {

using json = nlohmann::json;

using ChainFn = std::function<std::vector<std::string>(std::vector<std::string>)>;

class FnDecoder final : public Decoder {
public:
  explicit FnDecoder(ChainFn f) : f_(std::move(f)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> t) const override {
    return f_(std::move(t));
  }

private:
  ChainFn f_;
};

std::optional<uint8_t> parse_byte_token(const std::string &t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') {
    return std::nullopt;
  }
  unsigned v = 0;
  for (size_t i = 3; i < 5; ++i) {
    const char c = t[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<unsigned>(c - '0');
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<unsigned>(c - 'A' + 10);
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<unsigned>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
  }
  return static_cast<uint8_t>(v);
}

std::vector<std::string> byte_fallback(std::vector<std::string> tokens) {
  std::vector<std::string> out;
  std::string bytes;
  size_t nbytes = 0;
  auto flush = [&] {
    if (nbytes == 0) {
      return;
    }
    bool valid = true;
    try {
      utf8::validate(bytes, "bytes");
    } catch (const Error &) {
      valid = false;
    }
    if (valid) {
      out.push_back(bytes);
    } else {
      for (size_t i = 0; i < nbytes; ++i) {
        out.push_back("\xEF\xBF\xBD");
      }
    }
    bytes.clear();
    nbytes = 0;
  };
  for (auto &t : tokens) {
    if (const auto b = parse_byte_token(t)) {
      bytes.push_back(static_cast<char>(*b));
      ++nbytes;
    } else {
      flush();
      out.push_back(std::move(t));
    }
  }
  flush();
  return out;
}

std::string join(const std::vector<std::string> &t) {
  std::string s;
  for (const auto &x : t) {
    s += x;
  }
  return s;
}

class SequenceDecoder final : public Decoder {
public:
  explicit SequenceDecoder(const json &j) {
    for (const auto &d : j.at("decoders")) {
      if (auto p = make_decoder(d)) {
        parts_.push_back(std::move(p));
      }
    }
  }
  std::vector<std::string> decode_chain(std::vector<std::string> t) const override {
    for (const auto &p : parts_) {
      t = p->decode_chain(std::move(t));
    }
    return t;
  }

private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

} // namespace

std::unique_ptr<Decoder> make_decoder(const json &j) {
  if (j.is_null()) {
    return nullptr;
  }
  const std::string type = j.at("type").get<std::string>();
  if (type == "Sequence") {
    return std::make_unique<SequenceDecoder>(j);
  }
  if (type == "Replace") {
    const auto &p = j.at("pattern");
    const std::string to = j.at("content").get<std::string>();
    if (p.contains("Regex")) { // every match of the pattern in each token is replaced
      auto re = std::make_shared<Regex>(p.at("Regex").get<std::string>());
      return std::make_unique<FnDecoder>([re, to](std::vector<std::string> t) {
        for (auto &s : t) {
          std::string out;
          size_t pos = 0;
          for (const auto &[b, e] : re->find_all(s)) {
            out.append(s, pos, b - pos);
            out += to;
            pos = e;
          }
          s = out + s.substr(pos);
        }
        return t;
      });
    }
    if (!p.contains("String")) {
      throw Error(PLINTH_ERR_FORMAT, "tokenizer.json: Replace decoder without a pattern");
    }
    const std::string from = p.at("String").get<std::string>();
    return std::make_unique<FnDecoder>([from, to](std::vector<std::string> t) {
      for (auto &s : t) {
        replace_all(s, from, to);
      }
      return t;
    });
  }
  if (type == "ByteFallback") {
    return std::make_unique<FnDecoder>(byte_fallback);
  }
  if (type == "Fuse") {
    return std::make_unique<FnDecoder>(
        [](std::vector<std::string> t) { return std::vector<std::string>{join(t)}; });
  }
  if (type == "Strip") {
    const auto content = utf8::decode(j.at("content").get<std::string>());
    const char32_t c = content.empty() ? U' ' : content[0];
    const auto start = static_cast<size_t>(json_integer_or(j, "start", 0, "Strip start", 0)),
               stop = static_cast<size_t>(json_integer_or(j, "stop", 0, "Strip stop", 0));
    return std::make_unique<FnDecoder>([c, start, stop](std::vector<std::string> t) {
      for (auto &s : t) {
        auto chars = utf8::decode(s);
        size_t b = 0, e = chars.size();
        while (b < start && b < e && chars[b] == c) {
          ++b;
        }
        size_t cut = 0;
        while (cut < stop && e > b && chars[e - 1] == c) {
          --e;
          ++cut;
        }
        std::string r;
        for (size_t i = b; i < e; ++i) {
          utf8::append(r, chars[i]);
        }
        s = std::move(r);
      }
      return t;
    });
  }
  if (type == "Metaspace") {
    const auto rep = utf8::decode(j.value("replacement", std::string("\xE2\x96\x81")));
    const char32_t r = rep.empty() ? U'\u2581' : rep[0];
    std::string scheme;
    if (j.contains("prepend_scheme") && j["prepend_scheme"].is_string()) {
      scheme = j["prepend_scheme"].get<std::string>();
    } else {
      scheme = j.value("add_prefix_space", true) ? "always" : "never";
    }
    const bool strip_first = scheme != "never";
    return std::make_unique<FnDecoder>([r, strip_first](std::vector<std::string> t) {
      for (size_t i = 0; i < t.size(); ++i) {
        std::string out;
        for (char32_t c : utf8::decode(t[i])) {
          if (c == r) {
            // HF drops every replacement character of the first token (not only a leading one).
            if (!(i == 0 && strip_first)) {
              out.push_back(' ');
            }
          } else {
            utf8::append(out, c);
          }
        }
        t[i] = std::move(out);
      }
      return t;
    });
  }
  if (type == "ByteLevel") {
    return std::make_unique<FnDecoder>([](std::vector<std::string> t) {
      std::string bytes;
      for (const auto &s : t) {
        std::string b;
        bool ok = true;
        for (char32_t c : utf8::decode(s)) {
          const auto v = char_to_byte(c);
          if (!v) {
            ok = false;
            break;
          }
          b.push_back(static_cast<char>(*v));
        }
        bytes += ok ? b : s;
      }
      return std::vector<std::string>{utf8::from_bytes_lossy(bytes)};
    });
  }
  if (type == "WordPiece") {
    const std::string prefix = j.value("prefix", std::string("##"));
    const bool clean = j.value("cleanup", true);
    return std::make_unique<FnDecoder>([prefix, clean](std::vector<std::string> t) {
      for (size_t i = 0; i < t.size(); ++i) {
        if (i != 0) {
          if (t[i].rfind(prefix, 0) == 0) {
            t[i] = t[i].substr(prefix.size());
          } else {
            t[i] = " " + t[i];
          }
        }
        if (clean) {
          clean_up_tokenization(t[i]);
        }
      }
      return t;
    });
  }
  if (type == "BPEDecoder") {
    const std::string suffix = j.value("suffix", std::string("</w>"));
    return std::make_unique<FnDecoder>([suffix](std::vector<std::string> t) {
      for (size_t i = 0; i < t.size(); ++i) {
        replace_all(t[i], suffix, i + 1 == t.size() ? "" : " ");
      }
      return t;
    });
  }
  throw Error(PLINTH_ERR_UNSUPPORTED, "tokenizer.json: unsupported decoder type '" + type + "'");
}

} // namespace plinth::tok
