// Unigram model (HF tokenizers/src/models/unigram): Viterbi over a lattice of vocabulary
// pieces found with a byte trie; characters no piece covers cost min_score - 10 (the
// sentencepiece unk penalty) and consecutive unknowns are fused into one unk token.
#include <limits>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_config.hpp"
#include "tokenizer/pipeline.hpp"
#include "utf8.hpp"
#include "vocab.hpp"

namespace plinth::tok {

namespace {

using json = nlohmann::json;

constexpr double kUnkPenalty = 10.0;

class UnigramModel final : public Model {
public:
  explicit UnigramModel(const json &j) {
    const auto &v = j.at("vocab");
    if (!v.is_array()) {
      throw Error(PLINTH_ERR_FORMAT, "Unigram \"vocab\" must be an array of [piece, score]");
    }
    scores_.reserve(v.size());
    double min_score = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string piece = v[i].at(0).get<std::string>();
      const double score = v[i].at(1).get<double>();
      vocab_.add(piece, static_cast<int32_t>(i));
      scores_.push_back(score);
      min_score = std::min(min_score, score);
      trie_insert(piece, static_cast<int32_t>(i));
    }
    unk_score_ = min_score - kUnkPenalty;
    if (j.contains("unk_id") && !j["unk_id"].is_null()) {
      unk_id_ = static_cast<int32_t>(json_integer(j["unk_id"], "Unigram unk_id", 0));
    }
    if (j.value("byte_fallback", false)) {
      byte_ids_ = byte_fallback_ids(vocab_);
    }
  }

  std::vector<ModelToken> tokenize(std::string_view word) const override {
    std::vector<ModelToken> out;
    if (word.empty()) {
      return out;
    }
    for (const auto &[b, e] : viterbi(word)) {
      const std::string piece(word.substr(b, e - b));
      if (const auto id = vocab_.find(piece)) {
        out.push_back({*id, piece, b, e});
        continue;
      }
      if (!byte_ids_.empty()) {
        bool all = true;
        for (size_t k = b; k < e; ++k) {
          all = all && byte_ids_[static_cast<unsigned char>(word[k])] >= 0;
        }
        if (all) {
          for (size_t k = b; k < e; ++k) {
            const int32_t id = byte_ids_[static_cast<unsigned char>(word[k])];
            out.push_back({id, *vocab_.token(id), k, k + 1});
          }
          continue;
        }
      }
      if (!unk_id_ || !vocab_.token(*unk_id_)) {
        throw Error(PLINTH_ERR_FORMAT, "Unigram model: text needs an unk token but has none");
      }
      out.push_back({*unk_id_, *vocab_.token(*unk_id_), b, e});
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
  struct Node {
    int32_t id = -1;
    double score = 0;
    size_t starts_at = 0;
    bool set = false;
  };

  void trie_insert(const std::string &piece, int32_t id) {
    uint32_t node = 0;
    for (char c : piece) {
      const uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(c);
      const auto it = trie_.find(key);
      if (it == trie_.end()) {
        const auto fresh = static_cast<uint32_t>(terminal_.size());
        terminal_.push_back(-1);
        trie_.emplace(key, fresh);
        node = fresh;
      } else {
        node = it->second;
      }
    }
    if (terminal_[node] < 0) {
      terminal_[node] = id;
    }
  }

  // Byte ranges of the best segmentation.
  std::vector<std::pair<size_t, size_t>> viterbi(std::string_view s) const {
    const size_t n = s.size();
    std::vector<Node> best(n + 1);
    best[0].set = true;
    for (size_t start = 0; start < n;) {
      if (!best[start].set) {
        start += utf8::seq_len(static_cast<unsigned char>(s[start]));
        continue;
      }
      const double base = best[start].score;
      const size_t mblen = std::min(utf8::seq_len(static_cast<unsigned char>(s[start])), n - start);
      bool single = false;
      uint32_t node = 0;
      for (size_t k = start; k < n; ++k) {
        const uint64_t key = (static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(s[k]);
        const auto it = trie_.find(key);
        if (it == trie_.end()) {
          break;
        }
        node = it->second;
        const int32_t id = terminal_[node];
        if (id < 0) {
          continue;
        }
        const size_t end = k + 1;
        const double cand = base + scores_[static_cast<size_t>(id)];
        Node &t = best[end];
        if (!t.set || cand > t.score) {
          t = {id, cand, start, true};
        }
        if (end - start == mblen) {
          single = true;
        }
      }
      if (!single) {
        Node &t = best[start + mblen];
        const double cand = base + unk_score_;
        if (!t.set || cand > t.score) {
          t = {unk_id_.value_or(-1), cand, start, true};
        }
      }
      start += mblen;
    }
    std::vector<std::pair<size_t, size_t>> rev;
    std::optional<std::pair<size_t, size_t>> unk_run;
    for (size_t end = n; end > 0;) {
      const Node &nd = best[end];
      const bool is_unk = unk_id_ && nd.id == *unk_id_;
      if (is_unk) {
        unk_run = unk_run ? std::make_pair(nd.starts_at, unk_run->second)
                          : std::make_pair(nd.starts_at, end);
      } else {
        if (unk_run) {
          rev.push_back(*unk_run);
          unk_run.reset();
        }
        rev.push_back({nd.starts_at, end});
      }
      end = nd.starts_at;
    }
    if (unk_run) {
      rev.push_back(*unk_run);
    }
    return {rev.rbegin(), rev.rend()};
  }

  Vocab vocab_;
  std::vector<double> scores_;
  std::unordered_map<uint64_t, uint32_t> trie_;
  std::vector<int32_t> terminal_{-1}; // per trie node: piece id ending there, or -1
  double unk_score_ = 0;
  std::optional<int32_t> unk_id_;
  std::vector<int32_t> byte_ids_;
};

} // namespace

std::unique_ptr<Model> make_unigram_model(const json &j) {
  return std::make_unique<UnigramModel>(j);
}

std::unique_ptr<Model> make_model(const json &j) {
  if (j.is_null() || !j.is_object()) {
    throw Error(PLINTH_ERR_FORMAT, "tokenizer.json: missing \"model\"");
  }
  std::string type = j.value("type", std::string());
  if (type.empty()) { // old files omit the type; infer it from the fields
    type = j.contains("merges") ? "BPE" : (j.contains("unk_id") ? "Unigram" : "WordPiece");
  }
  if (type == "BPE") {
    return make_bpe_model(j);
  }
  if (type == "WordPiece") {
    return make_wordpiece_model(j);
  }
  if (type == "Unigram") {
    return make_unigram_model(j);
  }
  throw Error(PLINTH_ERR_UNSUPPORTED, "tokenizer.json: unsupported model type '" + type + "'");
}

} // namespace plinth::tok
