// `plinth tokenize`: how a model directory's tokenizer encodes a text.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "verbs.hpp"

namespace plinth_cli {

int verb_tokenize(const Args &args) {
  GlobalOptions globals;
  std::string model_dir;
  std::string text;
  std::string pair;
  bool show_ids = false;
  bool show_tokens = false;
  bool show_offsets = false;
  bool no_special = false;
  po::options_description desc("tokenize options");
  desc.add_options()("model,m", po::value(&model_dir)->value_name("DIR")->required(),
                     "model or tokenizer directory")("pair", po::value(&pair)->value_name("TEXT"),
                                                     "second sequence")(
      "ids", po::bool_switch(&show_ids),
      "print the ids on one line")("tokens", po::bool_switch(&show_tokens), "print the tokens")(
      "offsets", po::bool_switch(&show_offsets), "print character offsets")(
      "no-special", po::bool_switch(&no_special), "do not add special tokens");
  add_global_options(desc, globals);
  po::options_description hidden;
  hidden.add_options()("text", po::value(&text));
  po::positional_options_description positional;
  positional.add("text", 1);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, positional, vm, "plinth tokenize -m DIR [options] TEXT",
                       &hidden))
    return kExitOk;
  if (vm.count("text") == 0U) throw UsageError("tokenize needs the TEXT to encode");

  RuntimePtr rt = make_runtime(globals);
  plinth_tokenizer *raw_tok = nullptr;
  check_status(plinth_tokenizer_load(rt.get(), model_dir.c_str(), &raw_tok));
  TokenizerPtr tok(raw_tok);
  plinth_encode_options opts;
  plinth_encode_options_init(&opts, sizeof opts);
  opts.add_special_tokens = no_special ? 0 : 1;
  if (vm.count("pair") != 0U) {
    opts.pair = pair.c_str();
    opts.pair_len = static_cast<int64_t>(pair.size());
  }
  plinth_encoding *raw_enc = nullptr;
  check_status(
      plinth_tokenize(tok.get(), text.c_str(), static_cast<int64_t>(text.size()), &opts, &raw_enc));
  EncodingPtr enc(raw_enc);
  const int64_t n = plinth_encoding_length(enc.get());
  const int32_t *ids = plinth_encoding_ids(enc.get());
  const int64_t *offsets = plinth_encoding_offsets(enc.get());
  if (ids == nullptr && n > 0) throw LibraryError("the encoding has no ids");

  if (!show_ids && !show_tokens && !show_offsets) show_ids = show_tokens = true;
  if (show_ids && !show_tokens && !show_offsets) { // just the ids, easy to paste elsewhere
    for (int64_t i = 0; i < n; ++i)
      std::cout << (i != 0 ? " " : "") << ids[i];
    std::cout << "\n";
    return kExitOk;
  }
  if (show_offsets && offsets == nullptr && n > 0)
    throw LibraryError("this tokenizer gives no offsets");
  for (int64_t i = 0; i < n; ++i) {
    std::string line;
    if (show_ids) line += std::to_string(ids[i]) + "\t";
    if (show_tokens) {
      const char *token = plinth_encoding_token(enc.get(), i);
      // Quoted, so that spaces and control characters inside tokens stay visible.
      line += nlohmann::json(token != nullptr ? token : "")
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
              "\t";
    }
    if (show_offsets)
      line += std::to_string(offsets[2 * i]) + ".." + std::to_string(offsets[2 * i + 1]) + "\t";
    line.pop_back();
    std::cout << line << "\n";
  }
  return kExitOk;
}

} // namespace plinth_cli
