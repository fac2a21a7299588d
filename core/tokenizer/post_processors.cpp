// Post-processors of tokenizer.json (HF tokenizers/src/processors): they add the special
// tokens around the sequences and set the type ids.
#include <map>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_config.hpp"
#include "tokenizer/pipeline.hpp"
#include "utf8.hpp"

namespace plinth::tok {

namespace {

using json = nlohmann::json;

Encoding special_encoding(const std::vector<int32_t> &ids, const std::vector<std::string> &tokens,
                          int32_t type_id) {
  Encoding e;
  e.ids = ids;
  e.tokens = tokens;
  e.type_ids.assign(ids.size(), type_id);
  e.offsets.assign(ids.size(), {0, 0});
  e.special_tokens_mask.assign(ids.size(), 1);
  e.attention_mask.assign(ids.size(), 1);
  return e;
}

void set_type_ids(Encoding &e, int32_t type_id) { e.type_ids.assign(e.ids.size(), type_id); }

// ByteLevel's offset trimming: leading/trailing 'Ġ' (encoded spaces) leave the offsets.
void trim_offsets(Encoding &e, bool add_prefix_space) {
  const char32_t space = byte_to_char_table()[' '];
  for (size_t i = 0; i < e.tokens.size(); ++i) {
    const auto chars = utf8::decode(e.tokens[i]);
    auto is_sp = [&](char32_t c) { return c == space || utf8::is_whitespace(c); };
    int64_t lead = 0, trail = 0;
    while (lead < static_cast<int64_t>(chars.size()) && is_sp(chars[static_cast<size_t>(lead)])) {
      ++lead;
    }
    while (trail < static_cast<int64_t>(chars.size()) &&
           is_sp(chars[chars.size() - 1 - static_cast<size_t>(trail)])) {
      ++trail;
    }
    auto &[s, en] = e.offsets[i];
    if (lead > 0) {
      const bool first = i == 0 || s == 0;
      if (first && add_prefix_space && lead == 1) {
        lead = 0;
      }
      s = std::min(s + lead, en);
    }
    if (trail > 0 && en >= trail) {
      en = std::max(en - trail, s);
    }
  }
}

class TemplateProcessing final : public PostProcessor {
public:
  struct Piece {
    bool special;
    std::string id; // "A"/"B" or the special token's name
    int32_t type_id;
  };

  TemplateProcessing(const json &j) {
    single_ = parse(j.at("single"));
    pair_ = parse(j.at("pair"));
    const json specials = j.value("special_tokens", json::object());
    for (const auto &[name, st] : specials.items()) {
      std::vector<int32_t> ids;
      for (const auto &id : st.at("ids"))
        ids.push_back(static_cast<int32_t>(
            json_integer(id, "TemplateProcessing special token " + json(name).dump() + " id", 0)));
      specials_[name] = {std::move(ids), st.at("tokens").get<std::vector<std::string>>()};
    }
    for (const auto *t : {&single_, &pair_}) {
      for (const auto &p : *t) {
        if (p.special && !specials_.count(p.id)) {
          throw Error(PLINTH_ERR_FORMAT,
                      "tokenizer.json: TemplateProcessing uses undefined special token " + p.id);
        }
      }
    }
  }

  size_t added_tokens(bool is_pair) const override {
    size_t n = 0;
    for (const auto &p : is_pair ? pair_ : single_) {
      n += p.special ? specials_.at(p.id).first.size() : 0;
    }
    return n;
  }

  void process_encodings(std::vector<Encoding> &encs, bool add_special) const override {
    std::vector<Encoding> out;
    for (const auto &p : encs.size() == 2 ? pair_ : single_) {
      if (p.special) {
        if (add_special) {
          const auto &st = specials_.at(p.id);
          out.push_back(special_encoding(st.first, st.second, p.type_id));
        }
      } else {
        const size_t i = p.id == "A" ? 0 : 1;
        if (i < encs.size()) {
          Encoding e = encs[i];
          set_type_ids(e, p.type_id);
          out.push_back(std::move(e));
        }
      }
    }
    encs = std::move(out);
  }

private:
  static int32_t type_id(const json &piece) {
    return static_cast<int32_t>(
        json_integer_or(piece, "type_id", 0, "TemplateProcessing type_id", 0, INT32_MAX));
  }
  static std::vector<Piece> parse(const json &t) {
    std::vector<Piece> out;
    for (const auto &p : t) {
      if (p.contains("SpecialToken")) {
        const auto &s = p["SpecialToken"];
        out.push_back({true, s.at("id").get<std::string>(), type_id(s)});
      } else if (p.contains("Sequence")) {
        const auto &s = p["Sequence"];
        out.push_back({false, s.at("id").get<std::string>(), type_id(s)});
      } else {
        throw Error(PLINTH_ERR_FORMAT, "tokenizer.json: bad TemplateProcessing piece " + p.dump());
      }
    }
    return out;
  }

  std::vector<Piece> single_, pair_;
  std::map<std::string, std::pair<std::vector<int32_t>, std::vector<std::string>>> specials_;
};

// BertProcessing ([CLS] A [SEP] B [SEP], B typed 1) and RobertaProcessing (<s> A </s></s> B
// </s>, all typed 0, optional ByteLevel offset trimming).
class ClsSepProcessing final : public PostProcessor {
public:
  ClsSepProcessing(const json &j, bool roberta) : roberta_(roberta) {
    cls_ = {j.at("cls").at(0).get<std::string>(),
            static_cast<int32_t>(json_integer(j.at("cls").at(1), "post_processor cls id", 0))};
    sep_ = {j.at("sep").at(0).get<std::string>(),
            static_cast<int32_t>(json_integer(j.at("sep").at(1), "post_processor sep id", 0))};
    trim_ = roberta && j.value("trim_offsets", true);
    add_prefix_space_ = j.value("add_prefix_space", true);
  }
  size_t added_tokens(bool is_pair) const override { return is_pair ? (roberta_ ? 4 : 3) : 2; }
  void process_encodings(std::vector<Encoding> &encs, bool add_special) const override {
    if (trim_) {
      for (auto &e : encs) {
        trim_offsets(e, add_prefix_space_);
      }
    }
    const int32_t pair_type = roberta_ ? 0 : 1;
    if (!add_special) {
      set_type_ids(encs[0], 0);
      if (encs.size() > 1) {
        set_type_ids(encs[1], pair_type);
      }
      return;
    }
    auto tok = [](const std::pair<std::string, int32_t> &t, int32_t type) {
      return special_encoding({t.second}, {t.first}, type);
    };
    std::vector<Encoding> out;
    out.push_back(tok(cls_, 0));
    set_type_ids(encs[0], 0);
    out.push_back(encs[0]);
    out.push_back(tok(sep_, 0));
    if (encs.size() > 1) {
      if (roberta_) {
        out.push_back(tok(sep_, 0));
      }
      set_type_ids(encs[1], pair_type);
      out.push_back(encs[1]);
      out.push_back(tok(sep_, pair_type));
    }
    encs = std::move(out);
  }

private:
  bool roberta_, trim_ = false, add_prefix_space_ = true;
  std::pair<std::string, int32_t> cls_, sep_;
};

class ByteLevelProcessing final : public PostProcessor {
public:
  explicit ByteLevelProcessing(const json &j)
      : trim_(j.value("trim_offsets", true)), add_prefix_space_(j.value("add_prefix_space", true)) {
  }
  size_t added_tokens(bool) const override { return 0; }
  void process_encodings(std::vector<Encoding> &encs, bool) const override {
    if (trim_) {
      for (auto &e : encs) {
        trim_offsets(e, add_prefix_space_);
      }
    }
  }

private:
  bool trim_, add_prefix_space_;
};

class SequenceProcessing final : public PostProcessor {
public:
  SequenceProcessing(const json &j, const TokenLookup &lookup) {
    for (const auto &p : j.at("processors")) {
      if (auto q = make_post_processor(p, lookup)) {
        parts_.push_back(std::move(q));
      }
    }
  }
  size_t added_tokens(bool is_pair) const override {
    size_t n = 0;
    for (const auto &p : parts_) {
      n += p->added_tokens(is_pair);
    }
    return n;
  }
  void process_encodings(std::vector<Encoding> &encs, bool add_special) const override {
    for (const auto &p : parts_) {
      p->process_encodings(encs, add_special);
    }
  }

private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
};

} // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json &j, const TokenLookup &lookup) {
  (void)lookup;
  if (j.is_null()) {
    return nullptr;
  }
  const std::string type = j.at("type").get<std::string>();
  if (type == "TemplateProcessing") {
    return std::make_unique<TemplateProcessing>(j);
  }
  if (type == "RobertaProcessing") {
    return std::make_unique<ClsSepProcessing>(j, true);
  }
  if (type == "BertProcessing") {
    return std::make_unique<ClsSepProcessing>(j, false);
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelProcessing>(j);
  }
  if (type == "Sequence") {
    return std::make_unique<SequenceProcessing>(j, lookup);
  }
  throw Error(PLINTH_ERR_UNSUPPORTED,
              "tokenizer.json: unsupported post_processor type '" + type + "'");
}

} // namespace plinth::tok
