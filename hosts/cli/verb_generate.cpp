// `plinth generate`: streams a continuation of a prompt to stdout as the tokens arrive.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli_common.hpp"
#include "demo_model.hpp"
#include "verbs.hpp"

namespace plinth_cli {

namespace {

struct StreamState {
  int64_t n_tokens = 0;
};

int32_t print_piece(void *user_data, int32_t /*row*/, int32_t /*token*/, const char *piece) {
  auto *state = static_cast<StreamState *>(user_data);
  ++state->n_tokens;
  if (piece != nullptr && *piece != '\0') {
    std::fputs(piece, stdout);
    std::fflush(stdout); // show each token as soon as it exists
  }
  return 0;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int verb_generate(const Args &args) {
  GlobalOptions globals;
  std::string model_dir;
  std::string prompt = "Licensed under the Apache License";
  int max_new = 64;
  float temperature = 0.0F;
  int top_k = 0;
  float top_p = 1.0F;
  uint64_t seed = 0;
  std::string backend;
  std::string dtype;
  po::options_description desc("generate options");
  desc.add_options()("model,m", po::value(&model_dir)->value_name("DIR"),
                     "model directory (default: the demo model)")(
      "prompt,p", po::value(&prompt)->value_name("TEXT"),
      "prompt (default: \"Licensed under the Apache License\")")(
      "max-new-tokens,n", po::value(&max_new)->value_name("N"), "tokens to generate (64)")(
      "temp", po::value(&temperature)->value_name("T"), "sampling temperature; 0 = greedy (0)")(
      "top-k", po::value(&top_k)->value_name("K"), "sample among the K likeliest; 0 = off")(
      "top-p", po::value(&top_p)->value_name("P"), "nucleus sampling mass; 1 = off")(
      "seed", po::value(&seed)->value_name("S"), "random seed for sampling")(
      "backend", po::value(&backend)->value_name("NAME"), "backend (default: runtime's)")(
      "dtype", po::value(&dtype)->value_name("f32|bf16|f16|q8|q4"), "weight dtype on the device");
  add_global_options(desc, globals);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, {}, vm, "plinth generate [-m DIR] -p TEXT [options]"))
    return kExitOk;
  if (max_new <= 0) throw UsageError("-n must be positive");
  if (temperature < 0) throw UsageError("--temp must be >= 0");
  if (top_k < 0) throw UsageError("--top-k must be >= 0");
  if (!(top_p > 0 && top_p <= 1)) throw UsageError("--top-p must be in (0, 1]");
  if (model_dir.empty()) {
    auto demo = find_demo_model();
    if (!demo)
      throw UsageError("no -m given and the demo model (models/license-mistral) was not found "
                       "next to the executable");
    model_dir = *demo;
  }

  RuntimePtr rt = make_runtime(globals);
  const auto load_start = std::chrono::steady_clock::now();
  ModelPtr model = load_model(rt.get(), model_dir, backend, dtype, "", 0);
  const double load_s = seconds_since(load_start);

  // Prompt length for the statistics, counted the way generation will encode it.
  int64_t n_prompt = -1;
  plinth_tokenizer *tok_raw = nullptr;
  if (plinth_model_tokenizer(model.get(), &tok_raw) == PLINTH_OK) {
    const TokenizerPtr tok(tok_raw);
    plinth_encode_options eopts;
    plinth_encode_options_init(&eopts, sizeof eopts);
    plinth_encoding *enc = nullptr;
    if (plinth_tokenize(tok.get(), prompt.c_str(), -1, &eopts, &enc) == PLINTH_OK) {
      n_prompt = plinth_encoding_length(enc);
      plinth_encoding_free(enc);
    }
  }

  StreamState state;
  plinth_generate_options gopts;
  plinth_generate_options_init(&gopts, sizeof gopts);
  gopts.max_new_tokens = max_new;
  gopts.temperature = temperature;
  gopts.top_k = top_k;
  gopts.top_p = top_p;
  gopts.seed = seed;
  gopts.on_token = print_piece;
  gopts.user_data = &state;
  std::string text(4096, '\0');
  size_t needed = 0;
  const auto gen_start = std::chrono::steady_clock::now();
  const plinth_status st =
      plinth_generate_text(model.get(), prompt.c_str(), &gopts, text.data(), text.size(), &needed);
  const double gen_s = seconds_since(gen_start);
  // The text was already streamed piece by piece; a too small buffer only loses the copy.
  if (st != PLINTH_ERR_BUFFER_TOO_SMALL) {
    if (st != PLINTH_OK && state.n_tokens > 0)
      std::fputs("\n", stdout); // end the partial output before the error
    check_status(st);
  }
  std::fputs("\n", stdout);
  std::fflush(stdout);

  std::fprintf(stderr, "prompt tokens: %lld, generated tokens: %lld, load: %.2f s, %.2f tokens/s\n",
               static_cast<long long>(n_prompt), static_cast<long long>(state.n_tokens), load_s,
               gen_s > 0 ? static_cast<double>(state.n_tokens) / gen_s : 0.0);
  return kExitOk;
}

} // namespace plinth_cli
