// WordPiece model (HF tokenizers/src/models/wordpiece): greedy longest-match-first with a
// continuation prefix; a word that cannot be covered becomes one unk token.
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_config.hpp"
#include "tokenizer/pipeline.hpp"
#include "utf8.hpp"
#include "vocab.hpp"

namespace plinth::tok {

namespace {

using json = nlohmann::json;

class WordPieceModel final : public Model {
public:
  explicit WordPieceModel(const json &j)
      : unk_(j.value("unk_token", std::string("[UNK]"))),
        prefix_(j.value("continuing_subword_prefix", std::string("##"))),
        max_chars_(static_cast<size_t>(json_integer_or(j, "max_input_chars_per_word", 100,
                                                       "WordPiece max_input_chars_per_word", 0,
                                                       INT64_MAX))) {
    if (!j.at("vocab").is_object()) {
      throw Error(PLINTH_ERR_FORMAT, "model \"vocab\" must be an object of token -> id");
    }
    for (const auto &[tok, id] : j.at("vocab").items()) {
      vocab_.add(tok, static_cast<int32_t>(
                          json_integer(id, "id of vocabulary token " + json(tok).dump(), 0)));
    }
  }

  std::vector<ModelToken> tokenize(std::string_view word) const override {
    const auto unk = [&] {
      const auto id = vocab_.find(unk_);
      if (!id) {
        throw Error(PLINTH_ERR_FORMAT, "WordPiece unk token '" + unk_ + "' is not in the vocab");
      }
      return std::vector<ModelToken>{{*id, unk_, 0, word.size()}};
    };
    if (utf8::char_count(word) > max_chars_) {
      return unk();
    }
    std::vector<ModelToken> out;
    std::string piece;
    size_t start = 0;
    while (start < word.size()) {
      size_t end = word.size();
      bool found = false;
      while (start < end) {
        piece.clear();
        if (start > 0) {
          piece = prefix_;
        }
        piece.append(word.substr(start, end - start));
        if (const auto id = vocab_.find(piece)) {
          out.push_back({*id, piece, start, end});
          found = true;
          break;
        }
        // Step back one whole character.
        do {
          --end;
        } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
      }
      if (!found) {
        return unk();
      }
      start = end;
    }
    return out;
  }

  std::optional<int32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
  std::optional<std::string> id_to_token(int32_t id) const override {
    const auto *t = vocab_.token(id);
    return t ? std::optional<std::string>(*t) : std::nullopt;
  }
  int64_t vocab_size() const override { return static_cast<int64_t>(vocab_.size()); }

private:
  Vocab vocab_;
  std::string unk_, prefix_;
  size_t max_chars_;
};

} // namespace

std::unique_ptr<Model> make_wordpiece_model(const json &j) {
  return std::make_unique<WordPieceModel>(j);
}

} // namespace plinth::tok
