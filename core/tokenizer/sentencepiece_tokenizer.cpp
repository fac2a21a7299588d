// Checkpoints that ship a sentencepiece model instead of tokenizer.json, read with
// libsentencepiece:
//  - tokenizer.model of LlamaTokenizer or of BPE type (Llama, Mistral, Helium, ...):
//    transformers 5 turns it into a
//    tokenizers BPE (vocabulary in piece order, merges derived from the vocabulary, Metaspace,
//    byte fallback); we build the same tokenizer.json description, so the results match the
//    tokenizer.json that transformers would have written.
//  - sentencepiece.bpe.model (XLM-R, mLUKE) and other models: the processor's own encoding,
//    with fairseq's id alignment for sentencepiece.bpe.model (<s> <pad> </s> <unk> first,
//    pieces shifted by one, <mask> after the pieces), as transformers' XLMRobertaTokenizer /
//    MLukeTokenizer do.
#include <sentencepiece_processor.h>

#include <algorithm>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "added_vocabulary.hpp"
#include "error.hpp"
#include "file_read.hpp"
#include "tokenizer/families.hpp"
#include "tokenizer/pipeline.hpp"
#include "utf8.hpp"

namespace plinth::tok {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// --- the one field of the model proto that the processor API does not expose ---

bool read_varint(std::string_view b, size_t &i, uint64_t &v) {
  v = 0;
  for (int shift = 0; i < b.size() && shift < 64; shift += 7) {
    const auto byte = static_cast<uint8_t>(b[i++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) {
      return true;
    }
  }
  return false;
}

// Finds field `number` of a serialized message: its varint value or its bytes.
bool find_field(std::string_view msg, uint32_t number, uint64_t *varint, std::string_view *bytes) {
  size_t i = 0;
  uint64_t key = 0, v = 0;
  while (i < msg.size() && read_varint(msg, i, key)) {
    const auto wire = key & 7;
    const bool hit = (key >> 3) == number;
    if (wire == 0) {
      if (!read_varint(msg, i, v)) return false;
      if (hit && varint) return *varint = v, true;
    } else if (wire == 2) {
      if (!read_varint(msg, i, v) || v > msg.size() - i) return false;
      if (hit && bytes) return *bytes = msg.substr(i, v), true;
      i += v;
    } else if (wire == 1 || wire == 5) {
      i += wire == 1 ? 8 : 4;
    } else {
      return false;
    }
  }
  return false;
}

// TrainerSpec.model_type: UNIGRAM = 1 (the default), BPE = 2, WORD = 3, CHAR = 4.
uint64_t model_type(const sentencepiece::SentencePieceProcessor &sp) {
  const std::string proto = sp.serialized_model_proto();
  std::string_view trainer;
  uint64_t type = 1;
  if (find_field(proto, 2, nullptr, &trainer)) {
    find_field(trainer, 3, &type, nullptr);
  }
  return type;
}

std::unique_ptr<sentencepiece::SentencePieceProcessor> load_processor(const fs::path &file) {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  // Read here (regular files only, size-checked) rather than by the library, which would
  // block on a FIFO.
  const auto status = sp->LoadFromSerializedProto(read_text_file(file));
  if (!status.ok()) {
    throw Error(PLINTH_ERR_FORMAT,
                file.string() + ": not a sentencepiece model (" + status.ToString() + ")");
  }
  return sp;
}

bool config_bool(const TokenizerConfig &cfg, const char *key, bool dflt) {
  const auto it = cfg.raw.find(key);
  return it != cfg.raw.end() && it->is_boolean() ? it->get<bool>() : dflt;
}

// transformers' generate_merges(vocab): every split of a piece into two pieces of the
// vocabulary, ordered by the merged piece's id, then the lengths of the two halves.
json derive_merges(const std::vector<std::string> &pieces,
                   const std::unordered_map<std::string, int32_t> &ids) {
  struct Merge {
    int32_t rank;
    size_t left_chars, right_chars;
    std::string left, right;
  };
  std::vector<Merge> merges;
  for (size_t id = 0; id < pieces.size(); ++id) {
    const std::string &p = pieces[id];
    if (ids.at(p) != static_cast<int32_t>(id)) {
      continue; // a repeated piece counts once, at its last id (dict semantics)
    }
    std::vector<Merge> local;
    const size_t chars = utf8::char_count(p);
    size_t cut = 0, left_chars = 0;
    while (true) {
      cut += utf8::seq_len(static_cast<unsigned char>(p[cut]));
      ++left_chars;
      if (cut >= p.size()) {
        break;
      }
      const std::string l = p.substr(0, cut), r = p.substr(cut);
      const auto li = ids.find(l), ri = ids.find(r);
      if (li != ids.end() && ri != ids.end()) {
        local.push_back({static_cast<int32_t>(id), left_chars, chars - left_chars, l, r});
      }
    }
    std::stable_sort(local.begin(), local.end(), [&](const Merge &a, const Merge &b) {
      return std::pair(ids.at(a.left), ids.at(a.right)) <
             std::pair(ids.at(b.left), ids.at(b.right));
    });
    merges.insert(merges.end(), local.begin(), local.end());
  }
  std::stable_sort(merges.begin(), merges.end(), [](const Merge &a, const Merge &b) {
    return std::tie(a.rank, a.left_chars, a.right_chars) <
           std::tie(b.rank, b.left_chars, b.right_chars);
  });
  json out = json::array();
  for (const auto &m : merges) {
    out.push_back({m.left, m.right});
  }
  return out;
}

// transformers 5's LlamaTokenizer built from a BPE sentencepiece model.
json llama_bpe_json(const sentencepiece::SentencePieceProcessor &sp, const TokenizerConfig &cfg) {
  std::vector<std::string> pieces;
  std::unordered_map<std::string, int32_t> ids;
  json vocab = json::object(), added = json::array();
  for (int i = 0; i < sp.GetPieceSize(); ++i) {
    pieces.push_back(sp.IdToPiece(i));
    ids[pieces.back()] = i;
    vocab[pieces.back()] = i;
    if (sp.IsControl(i) || sp.IsUnknown(i)) {
      added.push_back({{"id", i},
                       {"content", pieces.back()},
                       {"special", true},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"single_word", false},
                       {"normalized", false}});
    }
  }
  json j;
  j["model"] = {
      {"type", "BPE"},         {"vocab", vocab},        {"merges", derive_merges(pieces, ids)},
      {"fuse_unk", true},      {"byte_fallback", true}, {"unk_token", nullptr},
      {"ignore_merges", false}};
  j["pre_tokenizer"] = {
      {"type", "Metaspace"},
      {"replacement", "\u2581"},
      {"prepend_scheme", config_bool(cfg, "add_prefix_space", true) ? "first" : "never"},
      {"split", false}};
  j["decoder"] = {{"type", "Sequence"},
                  {"decoders",
                   {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                    {{"type", "ByteFallback"}},
                    {{"type", "Fuse"}},
                    {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  // "<s> $A" (+ "</s>") and "<s> $A <s> $B", by add_bos_token / add_eos_token.
  const bool bos = config_bool(cfg, "add_bos_token", true);
  const bool eos = config_bool(cfg, "add_eos_token", false);
  const std::string bos_tok = sp.bos_id() >= 0 ? sp.IdToPiece(sp.bos_id()) : "<s>";
  const std::string eos_tok = sp.eos_id() >= 0 ? sp.IdToPiece(sp.eos_id()) : "</s>";
  json single = json::array(), pair = json::array(), specials = json::object();
  auto special = [&](const std::string &t, int type) {
    specials[t] = {{"id", t}, {"ids", {ids.at(t)}}, {"tokens", {t}}};
    return json{{"SpecialToken", {{"id", t}, {"type_id", type}}}};
  };
  for (int seq = 0; seq < 2; ++seq) {
    json &tmpl = seq == 0 ? single : pair;
    for (int part = 0; part <= seq; ++part) {
      if (bos && ids.count(bos_tok)) tmpl.push_back(special(bos_tok, part));
      tmpl.push_back({{"Sequence", {{"id", part == 0 ? "A" : "B"}, {"type_id", part}}}});
      if (eos && ids.count(eos_tok)) tmpl.push_back(special(eos_tok, part));
    }
  }
  j["post_processor"] = {{"type", "TemplateProcessing"},
                         {"single", single},
                         {"pair", pair},
                         {"special_tokens", specials}};
  j["added_tokens"] = added;
  return j;
}

// The processor's own segmentation; ids optionally fairseq-aligned.
class SentencePieceTokenizer final : public Tokenizer {
public:
  SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> sp,
                         const TokenizerConfig &cfg, bool fairseq)
      : sp_(std::move(sp)), cfg_(cfg), fairseq_(fairseq) {
    const auto n = static_cast<int32_t>(sp_->GetPieceSize());
    if (fairseq_) {
      fixed_ = {{"<s>", 0}, {"<pad>", 1}, {"</s>", 2}, {"<unk>", 3}, {"<mask>", n + 1}};
      base_size_ = n + 2;
      for (const auto &[k, v] : fixed_) {
        fixed_names_[v] = k;
      }
      if (!cfg_.roles.count(Special::Cls)) cfg_.roles[Special::Cls] = "<s>";
      if (!cfg_.roles.count(Special::Sep)) cfg_.roles[Special::Sep] = "</s>";
      if (!cfg_.roles.count(Special::Pad)) cfg_.roles[Special::Pad] = "<pad>";
      if (!cfg_.roles.count(Special::Mask)) cfg_.roles[Special::Mask] = "<mask>";
    } else {
      base_size_ = n;
    }
    for (const auto &t : cfg.added_tokens_decoder) {
      add(t);
    }
    // Special tokens the vocabulary lacks are appended, roles first, then the extra ones.
    std::vector<std::string> specials;
    for (const auto &[role, content] : cfg_.roles)
      specials.push_back(content);
    specials.insert(specials.end(), cfg.extra_special.begin(), cfg.extra_special.end());
    for (const auto &content : specials) {
      if (added_.find(content)) continue;
      AddedToken t;
      t.content = content;
      t.special = true;
      t.lstrip = content == "<mask>"; // XLM-R's mask token takes the space before it
      if (const auto id = base_id(content)) {
        t.id = *id;
      } else {
        t.id = static_cast<int32_t>(vocab_size());
      }
      add(std::move(t));
    }
  }

  Encoding encode(std::string_view text, const EncodeOptions &opts) const override {
    utf8::validate(text, "tokenizer input text");
    Encoding a = encode_single(text, 0);
    std::optional<Encoding> b;
    if (opts.pair && !opts.pair->empty()) {
      utf8::validate(*opts.pair, "tokenizer input text_pair");
      b = encode_single(*opts.pair, fairseq_ ? 0 : 1);
    }
    const size_t added = !opts.add_special_tokens ? 0 : fairseq_ ? (b ? 4 : 2) : (b ? 2 : 1);
    truncate_to_max_length(a, b ? &*b : nullptr, opts.max_length, added);
    Encoding out;
    const bool specials = opts.add_special_tokens;
    if (fairseq_) { // <s> A </s> (</s> B </s>)
      if (specials) push_special(out, Special::Cls, 0);
      append_encoding(out, a);
      if (specials) push_special(out, Special::Sep, 0);
      if (b) {
        if (specials) push_special(out, Special::Sep, 0);
        append_encoding(out, *b);
        if (specials) push_special(out, Special::Sep, 0);
      }
    } else { // <s> A (<s> B)
      if (specials) push_special(out, Special::Bos, 0);
      append_encoding(out, a);
      if (b) {
        if (specials) push_special(out, Special::Bos, 1);
        append_encoding(out, *b);
      }
    }
    return out;
  }

  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const override {
    std::string s;
    for (int32_t id : ids) {
      if (skip_special_tokens && is_special(id)) continue;
      s += id_to_token(id).value_or("");
    }
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 3, "\u2581") == 0) {
        out += ' ';
        i += 2;
      } else {
        out += s[i];
      }
    }
    const auto b = out.find_first_not_of(' '), e = out.find_last_not_of(' ');
    return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
  }

  int64_t vocab_size() const override {
    int64_t n = base_size_;
    for (const auto &t : added_.tokens())
      n += t.id >= base_size_ ? 1 : 0;
    return n;
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    if (const AddedToken *t = added_.find(token)) return t->id;
    return base_id(token);
  }

  std::optional<std::string> id_to_token(int32_t id) const override {
    if (const AddedToken *t = added_.find(id)) return t->content;
    if (fairseq_) {
      if (const auto it = fixed_names_.find(id); it != fixed_names_.end()) return it->second;
      id -= 1;
    }
    if (id < 0 || id >= sp_->GetPieceSize()) return std::nullopt;
    return sp_->IdToPiece(id);
  }

  std::optional<int32_t> special_id(Special role) const override {
    const auto it = cfg_.roles.find(role);
    return it == cfg_.roles.end() ? std::nullopt : token_to_id(it->second);
  }

  bool is_special(int32_t id) const override {
    const AddedToken *t = added_.find(id);
    return t != nullptr && t->special;
  }

  std::string padding_side() const override { return cfg_.padding_side; }

private:
  std::optional<int32_t> base_id(std::string_view token) const {
    if (fairseq_) {
      if (const auto it = fixed_.find(std::string(token)); it != fixed_.end()) return it->second;
    }
    const int id = sp_->PieceToId(token);
    if (sp_->IsUnknown(id) && token != sp_->IdToPiece(id)) return std::nullopt;
    return fairseq_ ? id + 1 : id;
  }

  // Piece id -> our id; unknown pieces map to the unk token.
  int32_t map_id(int id) const {
    if (!fairseq_) return id;
    if (sp_->IsUnknown(id)) return special_id(Special::Unk).value_or(3);
    return id + 1;
  }

  void add(AddedToken t) {
    std::string content = t.content;
    added_.add(std::move(t), std::move(content));
  }

  void push_special(Encoding &e, Special role, int32_t type) const {
    const auto id = special_id(role);
    if (!id) {
      throw Error(PLINTH_ERR_FORMAT, "sentencepiece tokenizer: a special token is missing");
    }
    e.ids.push_back(*id);
    e.tokens.push_back(id_to_token(*id).value_or(""));
    e.offsets.push_back({0, 0});
    e.type_ids.push_back(type);
    e.special_tokens_mask.push_back(1);
    e.attention_mask.push_back(1);
  }

  Encoding encode_single(std::string_view text, int32_t type) const {
    Encoding e;
    auto push = [&](int32_t id, std::string tok, int64_t s, int64_t en) {
      e.ids.push_back(id);
      e.tokens.push_back(std::move(tok));
      e.offsets.push_back({s, en});
      e.type_ids.push_back(type);
      e.special_tokens_mask.push_back(0);
      e.attention_mask.push_back(1);
    };
    size_t counted_bytes = 0;
    int64_t base = 0; // characters before the current piece
    for (const auto &piece : added_.split(text, false)) {
      const std::string_view part = text.substr(piece.start, piece.end - piece.start);
      base += static_cast<int64_t>(
          utf8::char_count(text.substr(counted_bytes, piece.start - counted_bytes)));
      counted_bytes = piece.start;
      if (piece.token) {
        push(piece.token->id, piece.token->content, base,
             base + static_cast<int64_t>(utf8::char_count(part)));
        continue;
      }
      if (part.empty()) continue;
      const auto spt = sp_->EncodeAsImmutableProto(part);
      // Byte offsets -> characters, counted incrementally (pieces come in text order).
      size_t at_byte = 0;
      int64_t at_char = 0;
      auto chars_to = [&](size_t byte) {
        if (byte < at_byte) {
          at_byte = 0;
          at_char = 0;
        }
        at_char += static_cast<int64_t>(utf8::char_count(part.substr(at_byte, byte - at_byte)));
        at_byte = byte;
        return base + at_char;
      };
      for (const auto &p : spt.pieces()) {
        const auto s = chars_to(p.begin());
        const auto en = chars_to(p.end());
        const int32_t id = map_id(static_cast<int>(p.id()));
        push(id, id_to_token(id).value_or(p.piece()), s, en);
      }
    }
    return e;
  }

  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  TokenizerConfig cfg_;
  bool fairseq_;
  std::unordered_map<std::string, int32_t> fixed_;
  std::unordered_map<int32_t, std::string> fixed_names_;
  int32_t base_size_ = 0;
  AddedVocabulary added_;
};

} // namespace

std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const fs::path &dir,
                                                        const TokenizerConfig &cfg) {
  for (const char *name : {"tokenizer.model", "sentencepiece.bpe.model", "spiece.model"}) {
    const fs::path file = dir / name;
    if (!fs::exists(file)) {
      continue;
    }
    auto sp = load_processor(file);
    const bool fairseq = std::string(name) == "sentencepiece.bpe.model";
    // transformers 5 converts any LlamaTokenizer model (Helium's is a unigram one) this way.
    const bool llama =
        cfg.tokenizer_class.starts_with("Llama") || cfg.tokenizer_class.starts_with("CodeLlama");
    if (!fairseq && (llama || model_type(*sp) == 2)) {
      return make_json_tokenizer(llama_bpe_json(*sp, cfg), cfg, file.string());
    }
    return std::make_unique<SentencePieceTokenizer>(std::move(sp), cfg, fairseq);
  }
  return nullptr;
}

} // namespace plinth::tok
