#include "cli_common.hpp"

#include <cstdio>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "plinth_plugin.h" // plinth_log_level values

namespace plinth_cli {

void check_status(plinth_status status) {
  if (status == PLINTH_OK) return;
  const char *message = plinth_last_error();
  std::string text =
      (message != nullptr && *message != '\0') ? message : plinth_status_string(status);
  throw LibraryError(text);
}

void add_global_options(po::options_description &desc, GlobalOptions &globals) {
  desc.add_options()("help,h", "show this help")(
      "plugin-path", po::value<std::string>(&globals.plugin_path)->value_name("DIRS"),
      "extra plugin directories, ':'-separated")(
      "config", po::value<std::string>(&globals.config_file)->value_name("FILE"),
      "plinth.toml to use (default: $PLINTH_CONFIG)")(
      "log-level", po::value<std::string>(&globals.log_level)->value_name("LEVEL"),
      "error|warn|info|debug")("threads", po::value<int>(&globals.threads)->value_name("N"),
                               "worker threads (0 = all cores)");
}

bool parse_verb_args(const std::vector<std::string> &args, const po::options_description &desc,
                     const po::positional_options_description &positional, po::variables_map &vm,
                     const std::string &usage, const po::options_description *hidden) {
  try {
    po::options_description all;
    all.add(desc);
    if (hidden != nullptr) all.add(*hidden);
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    if (vm.count("help") != 0U) {
      std::cout << "usage: " << usage << "\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error &e) {
    throw UsageError(std::string(e.what()) + " (usage: " + usage + ")");
  }
  return true;
}

static int32_t parse_log_level(const std::string &name) {
  if (name.empty()) return -1;
  if (name == "error") return PLINTH_LOG_ERROR;
  if (name == "warn" || name == "warning") return PLINTH_LOG_WARN;
  if (name == "info") return PLINTH_LOG_INFO;
  if (name == "debug") return PLINTH_LOG_DEBUG;
  throw UsageError("--log-level must be error, warn, info or debug, not '" + name + "'");
}

RuntimePtr make_runtime(const GlobalOptions &globals) {
  if (globals.threads < 0) throw UsageError("--threads must be >= 0");
  plinth_runtime_options opts;
  plinth_runtime_options_init(&opts, sizeof opts);
  opts.plugin_path = globals.plugin_path.empty() ? nullptr : globals.plugin_path.c_str();
  opts.config_file = globals.config_file.empty() ? nullptr : globals.config_file.c_str();
  opts.log_level = parse_log_level(globals.log_level);
  opts.n_threads = globals.threads;
  plinth_runtime *rt = nullptr;
  check_status(plinth_runtime_create(&opts, &rt));
  return RuntimePtr(rt);
}

namespace {
// A one-line progress display on a terminal for loads worth waiting for (quantizing a multi-GB
// checkpoint takes seconds); silent when stderr is not a terminal or the model is small.
struct LoadProgress {
  std::string label;
  int last_pct = -1;
};

int32_t show_progress(void *user, uint64_t done, uint64_t total) {
  auto *p = static_cast<LoadProgress *>(user);
  if (total < (64u << 20)) return 0;
  const int pct = static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total));
  if (pct == p->last_pct) return 0;
  p->last_pct = pct;
  std::fprintf(stderr, "\rloading %s: %3d%% of %.2f GB", p->label.c_str(), pct, total / 1e9);
  if (done >= total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
  return 0;
}
} // namespace

ModelPtr load_model(plinth_runtime *rt, const std::string &dir, const std::string &backend,
                    const std::string &dtype, const std::string &head, int threads) {
  plinth_model_options opts;
  plinth_model_options_init(&opts, sizeof opts);
  LoadProgress progress{dir};
  if (isatty(2)) {
    opts.on_progress = show_progress;
    opts.progress_user_data = &progress;
  }
  opts.backend = backend.empty() ? nullptr : backend.c_str();
  opts.dtype = dtype.empty() ? nullptr : dtype.c_str();
  opts.head = head.empty() ? nullptr : head.c_str();
  opts.n_threads = threads;
  plinth_model *model = nullptr;
  check_status(plinth_model_load(rt, dir.c_str(), &opts, &model));
  return ModelPtr(model);
}

plinth_session_options session_options(int32_t batch, int32_t max_tokens) {
  plinth_session_options o;
  plinth_session_options_init(&o, sizeof o);
  o.batch = batch;
  o.max_tokens = max_tokens;
  return o;
}

std::string detokenize(const plinth_tokenizer *tok, const int32_t *ids, int64_t n,
                       bool skip_special) {
  plinth_decode_options dopts;
  plinth_decode_options_init(&dopts, sizeof dopts);
  dopts.skip_special_tokens = skip_special ? 1 : 0;
  std::string buf(256, '\0');
  size_t needed = 0;
  plinth_status st = plinth_detokenize(tok, ids, n, &dopts, buf.data(), buf.size(), &needed);
  if (st == PLINTH_ERR_BUFFER_TOO_SMALL) {
    buf.assign(needed + 1, '\0');
    st = plinth_detokenize(tok, ids, n, &dopts, buf.data(), buf.size(), &needed);
  }
  check_status(st);
  buf.resize(needed);
  return buf;
}

std::string human_count(int64_t n) {
  static const char *const suffixes[] = {"", "K", "M", "B", "T"};
  double value = static_cast<double>(n);
  int unit = 0;
  while (value >= 1000.0 && unit < 4) {
    value /= 1000.0;
    ++unit;
  }
  char text[32];
  if (unit == 0)
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(n));
  else
    std::snprintf(text, sizeof text, "%.2f%s", value, suffixes[unit]);
  return text;
}

} // namespace plinth_cli
