// `plinth accuracy`: how far a reduced-precision load (q8, q4, f16, bf16) strays from the f32
// reference on the same checkpoint, so quantization is measured rather than assumed fine.
// Both models decode the same text with the KV cache: each prompt, then the f32 model's own
// greedy continuation fed to both (teacher forcing, so one early disagreement does not make
// every later position incomparable). At every step it compares the logits.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "demo_model.hpp"
#include "verbs.hpp"

namespace plinth_cli {

namespace {

const std::vector<std::string> kDefaultPrompts = {
    "Licensed under the Apache License",
    "Unless required by applicable law or agreed to in writing, software",
    "The quick brown fox jumps over the lazy dog.",
    "def main():\n    print(",
};

int64_t argmax(const std::vector<float> &v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

struct Totals {
  int64_t steps = 0, agree = 0;
  double max_abs = 0, sum_abs = 0, max_ref = 0;
  int64_t values = 0;
};

void compare(const std::vector<float> &ref, const std::vector<float> &got, Totals &t) {
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - ref[i]);
    t.max_abs = std::max(t.max_abs, d);
    t.sum_abs += d;
    t.max_ref = std::max(t.max_ref, std::fabs(static_cast<double>(ref[i])));
  }
  t.values += static_cast<int64_t>(ref.size());
  ++t.steps;
  if (argmax(ref) == argmax(got)) ++t.agree;
}

} // namespace

int verb_accuracy(const Args &args) {
  GlobalOptions globals;
  std::string model_dir, dtype = "q8", backend;
  std::vector<std::string> prompts;
  int steps = 32;
  double min_agreement = 0;
  bool json = false;
  po::options_description desc("accuracy options");
  desc.add_options()("model,m", po::value(&model_dir)->value_name("DIR"),
                     "model directory (default: the demo model)")(
      "dtype", po::value(&dtype)->value_name("q8|q4|f16|bf16"),
      "the load to compare with f32 (q8)")("prompt,p", po::value(&prompts)->value_name("TEXT"),
                                           "a prompt (repeatable; default: four built-in texts)")(
      "steps,n", po::value(&steps)->value_name("N"), "decode steps per prompt (32)")(
      "backend", po::value(&backend)->value_name("NAME"), "backend (default: runtime's)")(
      "min-agreement", po::value(&min_agreement)->value_name("F"),
      "exit with status 1 when the greedy agreement is below F (0..1)")(
      "json", po::bool_switch(&json), "machine-readable output");
  add_global_options(desc, globals);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, {}, vm, "plinth accuracy [-m DIR] [--dtype q8] [options]"))
    return kExitOk;
  if (steps < 0) throw UsageError("--steps must be >= 0");
  if (dtype == "f32") throw UsageError("--dtype f32 is the reference; pick q8, q4, f16 or bf16");
  if (prompts.empty()) prompts = kDefaultPrompts;
  if (model_dir.empty()) {
    auto demo = find_demo_model();
    if (!demo) throw UsageError("no -m given and the demo model was not found");
    model_dir = *demo;
  }

  RuntimePtr rt = make_runtime(globals);
  ModelPtr ref = load_model(rt.get(), model_dir, backend, "f32", "", globals.threads);
  ModelPtr test = load_model(rt.get(), model_dir, backend, dtype, "", globals.threads);
  plinth_model_info info{};
  info.struct_size = sizeof info;
  check_status(plinth_model_get_info(ref.get(), &info));
  if (!info.can_generate || info.vocab_size <= 0)
    throw UsageError("model '" + model_dir +
                     "' has no generating head (accuracy compares "
                     "next-token logits)");
  plinth_model_info tinfo{};
  tinfo.struct_size = sizeof tinfo;
  check_status(plinth_model_get_info(test.get(), &tinfo));
  plinth_tokenizer *tok_raw = nullptr;
  check_status(plinth_model_tokenizer(ref.get(), &tok_raw));
  const TokenizerPtr tok(tok_raw);

  const auto vocab = static_cast<size_t>(info.vocab_size);
  std::vector<float> lr(vocab), lt(vocab);
  Totals total;
  for (const std::string &prompt : prompts) {
    plinth_encode_options eo;
    plinth_encode_options_init(&eo, sizeof eo);
    plinth_encoding *enc_raw = nullptr;
    check_status(plinth_tokenize(tok.get(), prompt.c_str(), -1, &eo, &enc_raw));
    EncodingPtr enc(enc_raw);
    const auto n = static_cast<int32_t>(plinth_encoding_length(enc.get()));
    if (n == 0) continue;
    plinth_session *sr = nullptr, *st = nullptr;
    const auto sopts = session_options(1, static_cast<int32_t>(n + steps + 1));
    check_status(plinth_session_create(ref.get(), &sopts, &sr));
    SessionPtr ref_s(sr);
    check_status(plinth_session_create(test.get(), &sopts, &st));
    SessionPtr test_s(st);
    const int32_t *ids = plinth_encoding_ids(enc.get());
    check_status(plinth_session_step(ref_s.get(), ids, n, nullptr, lr.data()));
    check_status(plinth_session_step(test_s.get(), ids, n, nullptr, lt.data()));
    compare(lr, lt, total);
    for (int s = 0; s < steps; ++s) {
      const auto next = static_cast<int32_t>(argmax(lr)); // the reference's greedy token
      check_status(plinth_session_step(ref_s.get(), &next, 1, nullptr, lr.data()));
      check_status(plinth_session_step(test_s.get(), &next, 1, nullptr, lt.data()));
      compare(lr, lt, total);
    }
  }
  const double agreement = total.steps ? static_cast<double>(total.agree) / total.steps : 0;
  const double mean_abs = total.values ? total.sum_abs / static_cast<double>(total.values) : 0;
  if (json) {
    nlohmann::json j;
    j["model"] = model_dir;
    j["dtype"] = tinfo.dtype;
    j["reference_dtype"] = info.dtype;
    j["positions"] = total.steps;
    j["greedy_agreement"] = agreement;
    j["max_abs_logit_error"] = total.max_abs;
    j["mean_abs_logit_error"] = mean_abs;
    j["max_abs_reference_logit"] = total.max_ref;
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("model        %s\n", model_dir.c_str());
    std::printf("compared     %s against %s, %lld positions (%zu prompts, teacher-forced)\n",
                tinfo.dtype, info.dtype, static_cast<long long>(total.steps), prompts.size());
    std::printf("greedy       agreement %.1f%% (%lld of %lld next tokens identical)\n",
                100 * agreement, static_cast<long long>(total.agree),
                static_cast<long long>(total.steps));
    std::printf("logits       max abs error %.4g, mean abs error %.4g (largest |logit| %.4g)\n",
                total.max_abs, mean_abs, total.max_ref);
  }
  if (agreement < min_agreement) {
    std::fprintf(stderr, "plinth accuracy: greedy agreement %.3f is below --min-agreement %.3f\n",
                 agreement, min_agreement);
    return 1;
  }
  return kExitOk;
}

} // namespace plinth_cli
