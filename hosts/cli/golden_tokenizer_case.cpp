#include "golden_tokenizer_case.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "cli_common.hpp"
#include "json_file.hpp"

namespace plinth_cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Encoded {
  std::vector<int64_t> ids;
  std::vector<int64_t> type_ids; // empty if the library gives none
  std::vector<std::string> tokens;
  std::vector<std::vector<int64_t>> offsets; // empty if the library gives none
};

Encoded encode(const plinth_tokenizer *tok, const std::string &text, bool add_special,
               const std::string *pair, int32_t max_length) {
  plinth_encode_options opts;
  plinth_encode_options_init(&opts, sizeof opts);
  opts.add_special_tokens = add_special ? 1 : 0;
  if (pair != nullptr) {
    opts.pair = pair->c_str();
    opts.pair_len = static_cast<int64_t>(pair->size());
  }
  opts.max_length = max_length;
  plinth_encoding *raw = nullptr;
  check_status(plinth_tokenize(tok, text.data(), static_cast<int64_t>(text.size()), &opts, &raw));
  EncodingPtr enc(raw);
  Encoded out;
  const int64_t n = plinth_encoding_length(enc.get());
  const int32_t *ids = plinth_encoding_ids(enc.get());
  const int32_t *type_ids = plinth_encoding_type_ids(enc.get());
  const int64_t *offsets = plinth_encoding_offsets(enc.get());
  for (int64_t i = 0; i < n; ++i) {
    out.ids.push_back(ids != nullptr ? ids[i] : -1);
    if (type_ids != nullptr) out.type_ids.push_back(type_ids[i]);
    if (offsets != nullptr) out.offsets.push_back({offsets[2 * i], offsets[2 * i + 1]});
    const char *token = plinth_encoding_token(enc.get(), i);
    out.tokens.emplace_back(token != nullptr ? token : "");
  }
  return out;
}

std::string show(int64_t v) { return std::to_string(v); }
std::string show(const std::string &s) {
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string show(const std::vector<int64_t> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i != 0 ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

template <typename T> std::string show_all(const std::vector<T> &values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i)
    s += (i != 0 ? ", " : "") + show(values[i]);
  return s + "]";
}

// Compares two sequences; on a difference records the first differing position (and, for -v,
// both sequences in full).
template <typename T>
void expect_same(const std::string &what, const std::vector<T> &got, const std::vector<T> &want,
                 CaseOutcome &outcome) {
  if (got == want) return;
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i])
    ++i;
  std::string message = what + " differ at " + std::to_string(i) + ": got ";
  message += i < got.size() ? show(got[i]) : std::string("<end>");
  message += ", want ";
  message += i < want.size() ? show(want[i]) : std::string("<end>");
  if (got.size() != want.size())
    message +=
        " (lengths " + std::to_string(got.size()) + " vs " + std::to_string(want.size()) + ")";
  outcome.fail(message);
  outcome.details.push_back(what + " got:  " + show_all(got));
  outcome.details.push_back(what + " want: " + show_all(want));
}

void expect_same_text(const std::string &what, const std::string &got, const std::string &want,
                      CaseOutcome &outcome) {
  if (got != want) outcome.fail(what + ": got " + show(got) + ", want " + show(want));
}

std::vector<int64_t> int_list(const json &v) { return v.get<std::vector<int64_t>>(); }

std::vector<int64_t> widen(const int32_t *p, size_t n) {
  return p != nullptr ? std::vector<int64_t>(p, p + n) : std::vector<int64_t>();
}

// An encoding tensor's values, flattened (empty when the encoding has no such tensor).
std::vector<int64_t> tensor_values(const plinth_encoding *enc, const char *name) {
  plinth_host_tensor t{};
  if (plinth_encoding_find(enc, name, &t) != PLINTH_OK) return {};
  size_t n = 1;
  for (int32_t d = 0; d < t.ndim; ++d)
    n *= static_cast<size_t>(t.shape[d]);
  return widen(static_cast<const int32_t *>(t.data), n);
}

// One mLUKE entity case: text, character spans and (optionally) entity names, passed to the
// tokenizer as transformers' keyword arguments (kwargs_json) with the case's task; compared
// with what MLukeTokenizer returned.
void check_entities(const plinth_tokenizer *tok, const json &c, CaseOutcome &outcome) {
  const std::string text = c.at("text").get<std::string>();
  outcome.details.push_back("text: " + show(text));
  json kwargs = {{"entity_spans", c.at("entity_spans")}};
  if (c.contains("entities") && c["entities"].is_array()) // absent: the [MASK] entity
    kwargs["entities"] = c["entities"];
  if (c.contains("task") && c["task"].is_string()) kwargs["task"] = c["task"];
  const std::string kw = kwargs.dump();
  plinth_encode_options opts;
  plinth_encode_options_init(&opts, sizeof opts);
  opts.kwargs_json = kw.c_str();
  plinth_encoding *raw = nullptr;
  check_status(plinth_tokenize(tok, text.data(), static_cast<int64_t>(text.size()), &opts, &raw));
  EncodingPtr enc(raw);
  const auto n = static_cast<size_t>(plinth_encoding_length(enc.get()));
  expect_same("input_ids", widen(plinth_encoding_ids(enc.get()), n), int_list(c.at("input_ids")),
              outcome);
  // One unpadded sequence: every word token is attended to.
  if (c.contains("attention_mask"))
    expect_same("attention_mask", std::vector<int64_t>(n, 1), int_list(c["attention_mask"]),
                outcome);
  expect_same("entity_ids", tensor_values(enc.get(), "entity_ids"), int_list(c.at("entity_ids")),
              outcome);
  if (c.contains("entity_position_ids")) {
    std::vector<int64_t> want;
    for (const auto &row : c["entity_position_ids"])
      for (const auto &v : row) want.push_back(v.get<int64_t>());
    expect_same("entity_position_ids", tensor_values(enc.get(), "entity_position_ids"), want,
                outcome);
  }
  for (const char *key : {"entity_attention_mask", "entity_token_type_ids",
                          "entity_start_positions", "entity_end_positions"})
    if (c.contains(key)) expect_same(key, tensor_values(enc.get(), key), int_list(c[key]), outcome);
}

void check_single(const plinth_tokenizer *tok, const json &c, CaseOutcome &outcome) {
  const std::string text = c.at("text").get<std::string>();
  outcome.details.push_back("text: " + show(text));
  const Encoded with = encode(tok, text, true, nullptr, 0);
  if (c.contains("ids")) expect_same("ids", with.ids, int_list(c["ids"]), outcome);
  if (c.contains("tokens"))
    expect_same("tokens", with.tokens, c["tokens"].get<std::vector<std::string>>(), outcome);
  if (c.contains("token_type_ids")) {
    if (with.type_ids.empty() && !with.ids.empty())
      outcome.fail("token_type_ids: the library gives none");
    else
      expect_same("token_type_ids", with.type_ids, int_list(c["token_type_ids"]), outcome);
  }
  if (c.contains("offsets")) {
    if (with.offsets.empty() && !with.ids.empty())
      outcome.fail("offsets: the library gives none");
    else
      expect_same("offsets", with.offsets, c["offsets"].get<std::vector<std::vector<int64_t>>>(),
                  outcome);
  }
  if (c.contains("ids_no_special")) {
    const Encoded without = encode(tok, text, false, nullptr, 0);
    expect_same("ids_no_special", without.ids, int_list(c["ids_no_special"]), outcome);
  }
  // Decoding starts from the reference ids so that it is checked independently of encoding.
  if (c.contains("ids")) {
    std::vector<int32_t> ids;
    for (int64_t id : int_list(c["ids"]))
      ids.push_back(static_cast<int32_t>(id));
    if (c.contains("decoded"))
      expect_same_text("decoded",
                       detokenize(tok, ids.data(), static_cast<int64_t>(ids.size()), false),
                       c["decoded"].get<std::string>(), outcome);
    if (c.contains("decoded_skip_special"))
      expect_same_text("decoded_skip_special",
                       detokenize(tok, ids.data(), static_cast<int64_t>(ids.size()), true),
                       c["decoded_skip_special"].get<std::string>(), outcome);
  }
}

void check_pair(const plinth_tokenizer *tok, const json &c, CaseOutcome &outcome) {
  const std::string text = c.at("text").get<std::string>();
  const std::string pair = c.at("text_pair").get<std::string>();
  outcome.details.push_back("text: " + show(text) + ", text_pair: " + show(pair));
  const Encoded enc = encode(tok, text, true, &pair, 0);
  if (c.contains("ids")) expect_same("ids", enc.ids, int_list(c["ids"]), outcome);
  if (c.contains("token_type_ids")) {
    if (enc.type_ids.empty() && !enc.ids.empty())
      outcome.fail("token_type_ids: the library gives none");
    else
      expect_same("token_type_ids", enc.type_ids, int_list(c["token_type_ids"]), outcome);
  }
}

// A special token's text from a tokenizer_config.json / special_tokens_map.json value
// ("<pad>" or {"content": "<pad>", ...}).
std::optional<std::string> token_text(const json &v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string())
    return v["content"].get<std::string>();
  return std::nullopt;
}

// The pad token the way transformers finds it: tokenizer_config.json, then
// special_tokens_map.json, then the fixture's record of the special tokens.
std::optional<std::string> find_pad_token(const fs::path &dir, const json &cases) {
  for (const char *file : {"tokenizer_config.json", "special_tokens_map.json"}) {
    if (!fs::exists(dir / file)) continue;
    const json config = read_json_file(dir / file);
    if (config.is_object() && config.contains("pad_token"))
      return token_text(config["pad_token"]); // an explicit null means "none"
  }
  if (cases.contains("special") && cases["special"].is_object())
    return token_text(cases["special"].value("pad_token", json()));
  return std::nullopt;
}

// Pads (padding="longest") a batch encoded with truncation to max_length; throws when the
// tokenizer has no pad token, as transformers refuses such a batch.
struct Batch {
  std::vector<std::vector<int64_t>> input_ids;
  std::vector<std::vector<int64_t>> attention_mask;
};

Batch encode_batch(const plinth_tokenizer *tok, const fs::path &dir, const json &cases,
                   const std::vector<std::string> &texts, int32_t max_length,
                   const std::string &padding_side) {
  const std::optional<std::string> pad_token = find_pad_token(dir, cases);
  if (!pad_token) throw std::runtime_error("the tokenizer has no pad token");
  const int32_t pad_id = plinth_tokenizer_token_to_id(tok, pad_token->c_str());
  if (pad_id < 0)
    throw std::runtime_error("pad token " + show(*pad_token) + " is not in the vocabulary");
  Batch batch;
  size_t longest = 0;
  for (const std::string &text : texts) {
    batch.input_ids.push_back(encode(tok, text, true, nullptr, max_length).ids);
    longest = std::max(longest, batch.input_ids.back().size());
  }
  for (auto &row : batch.input_ids) {
    const size_t n_pad = longest - row.size();
    std::vector<int64_t> mask(row.size(), 1);
    if (padding_side == "left") {
      row.insert(row.begin(), n_pad, pad_id);
      mask.insert(mask.begin(), n_pad, 0);
    } else {
      row.insert(row.end(), n_pad, pad_id);
      mask.insert(mask.end(), n_pad, 0);
    }
    batch.attention_mask.push_back(std::move(mask));
  }
  return batch;
}

void check_batch(const plinth_tokenizer *tok, const fs::path &dir, const json &cases,
                 CaseOutcome &outcome) {
  const json &b = cases["batch"];
  const auto texts = b.at("texts").get<std::vector<std::string>>();
  const int32_t max_length =
      b.value("truncation", true) ? b.value("max_length", static_cast<int32_t>(0)) : 0;
  const Batch got = encode_batch(tok, dir, cases, texts, max_length,
                                 b.value("padding_side", std::string("right")));
  const auto want_ids = b.at("input_ids").get<std::vector<std::vector<int64_t>>>();
  const auto want_mask = b.at("attention_mask").get<std::vector<std::vector<int64_t>>>();
  if (got.input_ids.size() != want_ids.size()) {
    outcome.fail("batch has " + std::to_string(got.input_ids.size()) + " rows, want " +
                 std::to_string(want_ids.size()));
    return;
  }
  for (size_t r = 0; r < want_ids.size(); ++r) {
    expect_same("row " + std::to_string(r) + " input_ids", got.input_ids[r], want_ids[r], outcome);
    if (r < want_mask.size())
      expect_same("row " + std::to_string(r) + " attention_mask", got.attention_mask[r],
                  want_mask[r], outcome);
  }
}

void check_batch_error(const plinth_tokenizer *tok, const fs::path &dir, const json &cases,
                       CaseOutcome &outcome) {
  const std::string reason = cases["batch_error"].is_string()
                                 ? cases["batch_error"].get<std::string>()
                                 : cases["batch_error"].dump();
  outcome.details.push_back("transformers refused the batch: " + reason);
  try {
    // The texts of the refused batch are not recorded; any two texts of different lengths
    // need padding.
    encode_batch(tok, dir, cases, {"a", "a longer text"}, 12, "right");
  } catch (const LibraryError &) {
    throw;
  } catch (const std::exception &e) {
    outcome.details.push_back("refused too: " + std::string(e.what()));
    return;
  }
  outcome.fail("padding succeeded, but transformers refused it (" + reason + ")");
}

template <typename Fn>
void run_one(std::vector<CaseOutcome> &out, const std::string &label, Fn &&fn) {
  CaseOutcome outcome;
  outcome.label = label;
  try {
    fn(outcome);
  } catch (const std::exception &e) {
    outcome.fail(e.what());
  }
  out.push_back(std::move(outcome));
}

} // namespace

std::vector<CaseOutcome> run_tokenizer_cases(plinth_runtime *rt, const fs::path &dir,
                                             const CheckOptions &) {
  std::vector<CaseOutcome> out;
  const std::string base = dir.string();
  json cases;
  try {
    cases = read_json_file(dir / "cases.json");
    if (!cases.is_object()) throw std::runtime_error("cases.json is not a JSON object");
  } catch (const std::exception &e) {
    run_one(out, base, [&](CaseOutcome &) { throw std::runtime_error(e.what()); });
    return out;
  }

  plinth_tokenizer *raw = nullptr;
  const plinth_status st = plinth_tokenizer_load(rt, base.c_str(), &raw);
  TokenizerPtr tok(raw);
  const std::string load_error = st == PLINTH_OK ? "" : plinth_last_error();
  // Every case still gets its own line, so that the counts say how much is unchecked.
  auto run = [&](const std::string &label, auto &&fn) {
    run_one(out, label, [&](CaseOutcome &outcome) {
      if (st != PLINTH_OK) throw LibraryError(load_error);
      fn(outcome);
    });
  };

  const json single = cases.value("cases", json::array());
  for (size_t i = 0; i < single.size(); ++i)
    run(base + "#case" + std::to_string(i),
        [&](CaseOutcome &o) { check_single(tok.get(), single[i], o); });
  const json pairs = cases.value("pairs", json::array());
  for (size_t i = 0; i < pairs.size(); ++i)
    run(base + "#pair" + std::to_string(i),
        [&](CaseOutcome &o) { check_pair(tok.get(), pairs[i], o); });
  if (cases.contains("batch"))
    run(base + "#batch", [&](CaseOutcome &o) { check_batch(tok.get(), dir, cases, o); });
  else if (cases.contains("batch_error"))
    run(base + "#batch", [&](CaseOutcome &o) { check_batch_error(tok.get(), dir, cases, o); });

  // mLUKE's entity-aware encodings (kwargs_json, plinth_encoding_find).
  if (fs::exists(dir / "entity_cases.json")) {
    json entity_cases;
    try {
      entity_cases = read_json_file(dir / "entity_cases.json");
    } catch (const std::exception &e) {
      run_one(out, base + "/entity_cases.json",
              [&](CaseOutcome &) { throw std::runtime_error(e.what()); });
    }
    for (size_t i = 0; entity_cases.is_array() && i < entity_cases.size(); ++i)
      run(base + "#entity" + std::to_string(i),
          [&](CaseOutcome &o) { check_entities(tok.get(), entity_cases[i], o); });
  }
  return out;
}

} // namespace plinth_cli
