// BPE model of tokenizer.json (HF tokenizers/src/models/bpe), also used for vocab.json +
// merges.txt checkpoints. Merges run with a priority queue over a linked list of symbols,
// lowest rank first (ties: leftmost), and results are cached per word.
#include <mutex>
#include <queue>
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

struct Symbol {
  int32_t id;
  int prev;
  int next;
  size_t len; // bytes of the word covered; 0 once merged away
};

struct MergeCandidate {
  uint32_t rank;
  size_t pos;
  int32_t new_id;
  bool operator>(const MergeCandidate &o) const {
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

class BpeModel final : public Model {
public:
  explicit BpeModel(const json &j) {
    if (!j.at("vocab").is_object()) {
      throw Error(PLINTH_ERR_FORMAT, "model \"vocab\" must be an object of token -> id");
    }
    for (const auto &[tok, id] : j.at("vocab").items()) {
      vocab_.add(tok, static_cast<int32_t>(
                          json_integer(id, "id of vocabulary token " + json(tok).dump(), 0)));
    }
    auto opt_str = [&](const char *k) {
      const auto it = j.find(k);
      return (it == j.end() || it->is_null()) ? std::string() : it->get<std::string>();
    };
    unk_ = opt_str("unk_token");
    prefix_ = opt_str("continuing_subword_prefix");
    suffix_ = opt_str("end_of_word_suffix");
    fuse_unk_ = j.value("fuse_unk", false);
    ignore_merges_ = j.value("ignore_merges", false);
    if (j.value("byte_fallback", false)) {
      byte_ids_ = byte_fallback_ids(vocab_);
    }
    if (!unk_.empty()) {
      unk_id_ = vocab_.find(unk_);
    }
    uint32_t rank = 0;
    if (!j.at("merges").is_array()) {
      throw Error(PLINTH_ERR_FORMAT, "BPE \"merges\" must be an array");
    }
    for (const auto &m : j.at("merges")) {
      std::string a, b;
      if (m.is_string()) {
        const std::string s = m.get<std::string>();
        const size_t sp = s.find(' ', 1);
        if (sp == std::string::npos) {
          throw Error(PLINTH_ERR_FORMAT, "tokenizer.json: invalid BPE merge '" + s + "'");
        }
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else {
        a = m.at(0).get<std::string>();
        b = m.at(1).get<std::string>();
      }
      const auto ia = vocab_.find(a), ib = vocab_.find(b);
      const std::string merged =
          a + (b.size() >= prefix_.size() && b.compare(0, prefix_.size(), prefix_) == 0
                   ? b.substr(prefix_.size())
                   : b);
      const auto in = vocab_.find(merged);
      if (!ia || !ib || !in) {
        throw Error(PLINTH_ERR_FORMAT, "tokenizer.json: BPE merge '" + a + " " + b +
                                           "' uses a token not in the vocab");
      }
      merges_[pair_key(*ia, *ib)] = std::make_pair(rank++, *in); // later duplicates win, as in HF
    }
  }

  std::vector<ModelToken> tokenize(std::string_view word) const override {
    std::vector<ModelToken> out;
    if (word.empty()) {
      return out;
    }
    if (ignore_merges_) {
      if (const auto id = vocab_.find(word)) {
        out.push_back({*id, std::string(word), 0, word.size()});
        return out;
      }
    }
    std::vector<std::pair<int32_t, size_t>> pieces;
    {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      const auto it = cache_.find(word);
      if (it != cache_.end()) {
        pieces = it->second;
      }
    }
    if (pieces.empty()) {
      pieces = merge_word(word);
      std::lock_guard<std::mutex> lock(cache_mutex_);
      if (cache_.size() < kCacheCapacity && word.size() <= kMaxCachedWord) {
        cache_.emplace(std::string(word), pieces);
      }
    }
    size_t off = 0;
    out.reserve(pieces.size());
    for (const auto &[id, len] : pieces) {
      out.push_back({id, *vocab_.token(id), off, off + len});
      off += len;
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
  static constexpr size_t kCacheCapacity = 10000;
  static constexpr size_t kMaxCachedWord = 256; // long "words" (no pre-tokenizer) are rare repeats

  std::vector<std::pair<int32_t, size_t>> merge_word(std::string_view word) const {
    std::vector<Symbol> syms;
    auto push = [&](int32_t id, size_t len) {
      const int idx = static_cast<int>(syms.size());
      syms.push_back({id, idx - 1, -1, len});
      if (idx > 0) {
        syms[static_cast<size_t>(idx - 1)].next = idx;
      }
    };
    // A pending unk token not pushed yet (so that fuse_unk can extend it).
    bool has_unk = false;
    size_t unk_len = 0;
    auto flush_unk = [&] {
      if (has_unk) {
        push(*unk_id_, unk_len);
        has_unk = false;
      }
    };
    std::string piece;
    for (size_t i = 0; i < word.size();) {
      const size_t start = i;
      utf8::next(word, i);
      const size_t blen = i - start;
      piece.clear();
      if (start > 0) {
        piece += prefix_;
      }
      piece.append(word.substr(start, blen));
      if (i == word.size()) {
        piece += suffix_;
      }
      if (const auto id = vocab_.find(piece)) {
        flush_unk();
        push(*id, blen);
        continue;
      }
      if (!byte_ids_.empty()) {
        bool all = true;
        for (size_t k = start; k < i; ++k) {
          all = all && byte_ids_[static_cast<unsigned char>(word[k])] >= 0;
        }
        if (all) {
          flush_unk();
          for (size_t k = start; k < i; ++k) {
            push(byte_ids_[static_cast<unsigned char>(word[k])], 1);
          }
          continue;
        }
      }
      if (unk_id_) {
        if (has_unk && fuse_unk_) {
          unk_len += blen;
        } else {
          flush_unk();
          has_unk = true;
          unk_len = blen;
        }
      } else if (!unk_.empty()) {
        throw Error(PLINTH_ERR_FORMAT, "tokenizer.json: BPE unk_token '" + unk_ + "' not in vocab");
      }
      // Without an unk token HF drops the character.
    }
    flush_unk();

    std::priority_queue<MergeCandidate, std::vector<MergeCandidate>, std::greater<>> queue;
    auto consider = [&](size_t pos) {
      const int nx = syms[pos].next;
      if (nx < 0) {
        return;
      }
      const auto it = merges_.find(pair_key(syms[pos].id, syms[static_cast<size_t>(nx)].id));
      if (it != merges_.end()) {
        queue.push({it->second.first, pos, it->second.second});
      }
    };
    for (size_t p = 0; p + 1 < syms.size(); ++p) {
      consider(p);
    }
    while (!queue.empty()) {
      const MergeCandidate top = queue.top();
      queue.pop();
      Symbol &left = syms[top.pos];
      if (left.len == 0 || left.next < 0) {
        continue;
      }
      Symbol &right = syms[static_cast<size_t>(left.next)];
      const auto it = merges_.find(pair_key(left.id, right.id));
      if (it == merges_.end() || it->second.second != top.new_id) {
        continue; // stale: one side changed since this candidate was queued
      }
      left.id = top.new_id;
      left.len += right.len;
      right.len = 0;
      left.next = right.next;
      if (right.next >= 0) {
        syms[static_cast<size_t>(right.next)].prev = static_cast<int>(top.pos);
      }
      if (left.prev >= 0) {
        consider(static_cast<size_t>(left.prev));
      }
      consider(top.pos);
    }
    std::vector<std::pair<int32_t, size_t>> out;
    for (const auto &s : syms) {
      if (s.len > 0) {
        out.push_back({s.id, s.len});
      }
    }
    return out;
  }

  Vocab vocab_;
  std::unordered_map<uint64_t, std::pair<uint32_t, int32_t>> merges_;
  std::string unk_, prefix_, suffix_;
  std::optional<int32_t> unk_id_;
  bool fuse_unk_ = false, ignore_merges_ = false;
  std::vector<int32_t> byte_ids_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::pair<int32_t, size_t>>, StringHash,
                             std::equal_to<>>
      cache_;
};

} // namespace

std::unique_ptr<Model> make_bpe_model(const json &j) { return std::make_unique<BpeModel>(j); }

} // namespace plinth::tok
