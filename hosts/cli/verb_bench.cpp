// `plinth bench`: prompt-processing and decoding speed of a model, reported next to what the
// machine can do, measured in the same run: decode as a fraction of the memory read bandwidth
// (decoding one token reads every weight once), prompt processing as a fraction of the f32 GEMM
// rate (the best of OpenBLAS sgemm and plinth's own GEMM).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_machine.hpp"
#include "cli_common.hpp"
#include "demo_model.hpp"
#include "verbs.hpp"

namespace plinth_cli {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Run {
  double prompt_s = 0, decode_s = 0;
};

// One prefill of `prompt` tokens then `gen` single-token steps, on a fresh session.
Run run_once(plinth_model *model, int batch, int prompt, int gen, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> pick(3, static_cast<int32_t>(std::max<int64_t>(4, vocab) - 1));
  std::vector<int32_t> ids(static_cast<size_t>(batch) * prompt);
  for (auto &v : ids) v = pick(rng);
  std::vector<float> logits(static_cast<size_t>(batch * vocab));
  plinth_session *raw = nullptr;
  const auto sopts = session_options(batch, prompt + gen);
  check_status(plinth_session_create(model, &sopts, &raw));
  SessionPtr session(raw);
  Run r;
  auto t0 = Clock::now();
  check_status(plinth_session_step(raw, ids.data(), prompt, nullptr, logits.data()));
  r.prompt_s = seconds_since(t0);
  std::vector<int32_t> next(static_cast<size_t>(batch));
  t0 = Clock::now();
  for (int s = 0; s < gen; ++s) {
    for (int b = 0; b < batch; ++b) { // greedy, so the work is what generation does
      const float *row = logits.data() + b * vocab;
      next[static_cast<size_t>(b)] = static_cast<int32_t>(std::max_element(row, row + vocab) - row);
    }
    check_status(plinth_session_step(raw, next.data(), 1, nullptr, logits.data()));
  }
  r.decode_s = seconds_since(t0);
  return r;
}

// Encodes `mb` megabytes of mixed-script text with the model directory's tokenizer on one
// thread; returns MB/s (best of `repeat`). A tokenizer must never be the bottleneck.
double tokenizer_mb_per_s(plinth_runtime *rt, const std::string &dir, double mb, int repeat,
                          int64_t *n_tokens) {
  plinth_tokenizer *raw = nullptr;
  check_status(plinth_tokenizer_load(rt, dir.c_str(), &raw));
  TokenizerPtr tok(raw);
  const std::string unit = "The patient was treated with aspirin (81 mg) and recovered quickly; "
                           "BRCA1-mutation carriers, e.g. in München or 東京, were followed up. ";
  std::string text;
  while (text.size() < mb * 1e6) text += unit;
  double best = 0;
  for (int r = 0; r < std::max(1, repeat); ++r) {
    plinth_encoding *enc = nullptr;
    const auto t0 = Clock::now();
    check_status(plinth_tokenize(tok.get(), text.data(), static_cast<int64_t>(text.size()), nullptr, &enc));
    best = std::max(best, text.size() / 1e6 / seconds_since(t0));
    *n_tokens = plinth_encoding_length(enc);
    plinth_encoding_free(enc);
  }
  return best;
}

// Parameters a prompt token is multiplied through: all of them except the input embedding
// (a row gather) and the LM head (applied once per row, at the last position). The two vocab x
// hidden tables are located from config.json; if its hidden size is unknown, every parameter
// counts (an overestimate, flagged in the output).
struct FlopModel {
  double body_params = 0;  // per prompt token
  double head_params = 0;  // once per row
  bool exact = false;
};

FlopModel flop_model(const std::string &dir, int64_t n_params, int64_t vocab) {
  FlopModel f{static_cast<double>(n_params), 0, false};
  try {
    std::ifstream in(dir + "/config.json");
    const auto cfg = nlohmann::json::parse(in);
    int64_t hidden = 0;
    for (const char *k : {"hidden_size", "n_embd", "d_model"})
      if (cfg.contains(k) && cfg[k].is_number_integer()) {
        hidden = cfg[k].get<int64_t>();
        break;
      }
    if (hidden <= 0) return f;
    const bool tied = cfg.value("tie_word_embeddings", true);
    const double table = static_cast<double>(vocab) * static_cast<double>(hidden);
    f.head_params = table;
    f.body_params = static_cast<double>(n_params) - table * (tied ? 1 : 2);
    f.exact = f.body_params > 0;
    if (!f.exact) f = FlopModel{static_cast<double>(n_params), 0, false};
  } catch (const std::exception &) {
  }
  return f;
}

} // namespace

int verb_bench(const Args &args) {
  GlobalOptions globals;
  std::string model_dir, backend, quant = "none", dtype;
  int prompt = 64, gen = 32, batch = 1, repeat = 3;
  bool json = false, no_machine = false, tokenizer_only = false;
  po::options_description desc("bench options");
  desc.add_options()("model,m", po::value(&model_dir)->value_name("DIR"),
                     "model directory (default: the demo model)")(
      "prompt", po::value(&prompt)->value_name("N"), "prompt tokens per row (64)")(
      "gen", po::value(&gen)->value_name("N"), "decoded tokens per row (32)")(
      "batch", po::value(&batch)->value_name("B"), "rows decoded together (1)")(
      "quant", po::value(&quant)->value_name("q8|q4|none"), "quantize weights on load (none)")(
      "dtype", po::value(&dtype)->value_name("f32|f16|bf16"),
      "weight dtype when not quantizing (default: as stored for f16/bf16, else f32)")(
      "backend", po::value(&backend)->value_name("NAME"), "backend (default: runtime's)")(
      "repeat", po::value(&repeat)->value_name("R"), "timed runs; medians are reported (3)")(
      "json", po::bool_switch(&json), "machine-readable output")(
      "tokenizer", po::bool_switch(&tokenizer_only),
      "measure only the tokenizer: encoding 1 MB of text on one thread")(
      "no-machine", po::bool_switch(&no_machine),
      "skip the bandwidth and f32 GEMM reference measurements");
  add_global_options(desc, globals);
  po::variables_map vm;
  if (!parse_verb_args(args, desc, {}, vm, "plinth bench [-m DIR] [options]")) return kExitOk;
  if (prompt <= 0 || gen <= 0 || batch <= 0 || repeat <= 0)
    throw UsageError("--prompt, --gen, --batch and --repeat must be positive");
  if (quant == "q8" || quant == "q4") dtype = quant;
  else if (dtype.empty()) dtype = "auto";
  else if (quant != "none") throw UsageError("--quant must be q8, q4 or none");
  if (model_dir.empty()) {
    auto demo = find_demo_model();
    if (!demo) throw UsageError("no -m given and the demo model was not found");
    model_dir = *demo;
  }

  RuntimePtr rt = make_runtime(globals);
  if (tokenizer_only) {
    int64_t n_tokens = 0;
    const double mbs = tokenizer_mb_per_s(rt.get(), model_dir, 1.0, repeat, &n_tokens);
    if (json)
      std::cout << nlohmann::json{{"model", model_dir}, {"tokenizer_mb_s", mbs},
                                  {"tokens_per_mb", n_tokens}}.dump(2)
                << "\n";
    else
      std::printf("tokenizer    %.2f MB/s on one thread (1 MB -> %lld tokens in %.0f ms)\n", mbs,
                  static_cast<long long>(n_tokens), 1000.0 / mbs);
    return kExitOk;
  }
  const auto t_load = Clock::now();
  ModelPtr model = load_model(rt.get(), model_dir, backend, dtype, "causal_lm", globals.threads);
  const double load_s = seconds_since(t_load);
  plinth_model_info info{};
  info.struct_size = sizeof info;
  check_status(plinth_model_get_info(model.get(), &info));
  if (!info.can_generate || info.vocab_size <= 0)
    throw UsageError("the model cannot generate; bench measures causal language models");

  if (!json) std::cerr << "bench: warming up\n";
  run_once(model.get(), batch, std::min(prompt, 8), 2, info.vocab_size, 7);
  // The model's memory peaks at load and first use; take it before the probe's buffer exists.
  const long rss = peak_rss_bytes();
  const int threads = globals.threads > 0 ? globals.threads : static_cast<int>(std::thread::hardware_concurrency());
  const FlopModel fm = flop_model(model_dir, info.n_parameters, info.vocab_size);
  std::unique_ptr<BandwidthProbe> probe;
  if (!no_machine) probe = std::make_unique<BandwidthProbe>();
  std::vector<double> prompt_tps, decode_tps, bws, decode_frac;
  for (int r = 0; r < repeat; ++r) {
    if (!json) std::cerr << "bench: run " << (r + 1) << "/" << repeat << "\n";
    // Each run is paired with machine measurements taken right before it, so a drifting
    // machine (shared memory bus, CPU frequency) moves both sides of the fraction together.
    // (sgemm is measured once at the end: OpenBLAS's worker threads keep spinning for a while
    // after a call and would steal the cores from the run that follows.)
    double bw = 0;
    if (probe) bw = probe->measure(threads, 3);
    Run run = run_once(model.get(), batch, prompt, gen, info.vocab_size, 100 + static_cast<uint64_t>(r));
    const double p = batch * prompt / run.prompt_s, d = batch * gen / run.decode_s;
    prompt_tps.push_back(p);
    decode_tps.push_back(d);
    if (probe) {
      bws.push_back(bw);
      // Each decode step reads every weight once (rows of a batch share the read).
      decode_frac.push_back(d / batch * static_cast<double>(info.weight_bytes) / 1e9 / bw);
    }
  }
  const std::string device = info.device, dtype_used = info.dtype, backend_used = info.backend;
  const int64_t weight_bytes = info.weight_bytes, n_params = info.n_parameters;
  model.reset();
  probe.reset();
  // The f32 GEMM reference, from the backend that ran the model: the best of its own GEMM (which
  // may use wider vectors than the BLAS build does) and its vendor BLAS (OpenBLAS on the CPU).
  const GemmReference gemm =
      no_machine ? GemmReference{}
                 : measure_gemm_reference(rt.get(), backend_used.c_str(), threads, 2048, 3);
  rt.reset();
  const double own_gemm = gemm.own, openblas = gemm.vendor, sgemm = gemm.best();
  const double bw = median(bws);
  const double p_tps = median(prompt_tps), d_tps = median(decode_tps);
  const double decode_gbs = d_tps / batch * static_cast<double>(weight_bytes) / 1e9;
  // FLOPs of the matrix products of a prefill (attention over 64 tokens adds well under 1%).
  const double prompt_gflops =
      (2.0 * fm.body_params * p_tps + 2.0 * fm.head_params * p_tps / prompt) / 1e9;
  const double d_frac = median(decode_frac), p_frac = sgemm > 0 ? prompt_gflops / sgemm : 0;

  nlohmann::json j = {{"model", model_dir},         {"device", device},
                      {"dtype", dtype_used},         {"threads", threads},
                      {"batch", batch},              {"prompt_tokens", prompt},
                      {"gen_tokens", gen},           {"parameters", n_params},
                      {"weight_bytes", weight_bytes}, {"load_s", load_s},
                      {"peak_rss_bytes", rss},       {"prompt_tok_s", p_tps},
                      {"decode_tok_s", d_tps},       {"decode_weight_gb_s", decode_gbs},
                      {"prompt_gflop_s", prompt_gflops},
                      {"prompt_flops_exact", fm.exact}};
  if (!no_machine) {
    j["machine_read_gb_s"] = bw;
    j["machine_sgemm_gflop_s"] = sgemm; // the best of the two below
    j["machine_openblas_gflop_s"] = openblas;
    j["machine_own_gemm_gflop_s"] = own_gemm;
    j["decode_fraction_of_bandwidth"] = d_frac; // medians of per-run paired fractions
    j["prompt_fraction_of_sgemm"] = p_frac;
    // Each run with the read bandwidth measured just before it: on machines whose bandwidth
    // moves between regimes the pairs show which regime each fraction comes from.
    nlohmann::json runs = nlohmann::json::array();
    for (size_t r = 0; r < bws.size(); ++r)
      runs.push_back({{"read_gb_s", bws[r]},
                      {"decode_tok_s", decode_tps[r]},
                      {"prompt_tok_s", prompt_tps[r]},
                      {"decode_fraction_of_bandwidth", decode_frac[r]}});
    j["runs"] = runs;
  }
  if (json) {
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  char line[256];
  std::printf("model        %s\ndevice       %s\n", model_dir.c_str(), device.c_str());
  std::printf("weights      %s, %.2f GB on the device, %s parameters\n", dtype_used.c_str(),
              weight_bytes / 1e9, human_count(n_params).c_str());
  std::printf("load         %.2f s, peak RSS %.2f GB\n", load_s, rss / 1e9);
  std::snprintf(line, sizeof line, "prompt       %.1f tok/s  (%d x %d tokens; %.1f GFLOP/s in matrix products%s)",
                p_tps, batch, prompt, prompt_gflops, fm.exact ? "" : ", counting every parameter");
  std::printf("%s\n", line);
  std::printf("decode       %.2f tok/s  (%d x %d tokens; weights streamed at %.2f GB/s)\n", d_tps,
              batch, gen, decode_gbs);
  if (!no_machine) {
    std::printf("machine      read bandwidth %.2f GB/s, f32 GEMM %.1f GFLOP/s (%d threads; "
                "OpenBLAS sgemm %.1f, plinth GEMM %.1f)\n",
                bw, sgemm, threads, openblas, own_gemm);
    std::printf("fractions    decode %.0f%% of read bandwidth, prompt %.0f%% of f32 GEMM "
                "(decode: median over runs, each paired with the bandwidth measured just before it)\n",
                100 * d_frac, 100 * p_frac);
    std::printf("runs         read GB/s -> decode %% of it:");
    for (size_t r = 0; r < bws.size(); ++r)
      std::printf(" %.0f->%.0f%%", bws[r], 100 * decode_frac[r]);
    std::printf("\n");
  }
  return kExitOk;
}

} // namespace plinth_cli
