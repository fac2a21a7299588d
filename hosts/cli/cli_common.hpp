// Pieces every verb shares: the global options, runtime creation, error reporting and RAII
// owners for the C API's handles.
#pragma once

#include <boost/program_options.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "plinth.h"

namespace plinth_cli {

namespace po = boost::program_options;

// Exit codes of the command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1; // library error or failed checks
inline constexpr int kExitUsage = 2;   // bad command line

// Thrown for a bad command line; main prints it and exits with kExitUsage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown when a library call fails; carries plinth_last_error() at the time of the failure.
struct LibraryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws LibraryError with the library's message unless status is PLINTH_OK.
void check_status(plinth_status status);

struct GlobalOptions {
  std::string plugin_path;
  std::string config_file;
  std::string log_level; // empty = library default
  int threads = 0;
};

// Adds --plugin-path, --config, --log-level, --threads (and --help) to desc.
void add_global_options(po::options_description &desc, GlobalOptions &globals);

// Parses args (the words after the verb) into vm. Returns false when --help was given, after
// printing usage + desc to stdout. Throws UsageError on bad input. `hidden` options are parsed
// but not listed by --help (the names of positional arguments).
bool parse_verb_args(const std::vector<std::string> &args, const po::options_description &desc,
                     const po::positional_options_description &positional, po::variables_map &vm,
                     const std::string &usage, const po::options_description *hidden = nullptr);

template <typename T, void (*Free)(T *)> struct HandleDeleter {
  void operator()(T *p) const { Free(p); }
};
using RuntimePtr =
    std::unique_ptr<plinth_runtime, HandleDeleter<plinth_runtime, plinth_runtime_free>>;
using ModelPtr = std::unique_ptr<plinth_model, HandleDeleter<plinth_model, plinth_model_free>>;
// Options for a session of `batch` rows of at most `max_tokens` tokens.
plinth_session_options session_options(int32_t batch, int32_t max_tokens);

using SessionPtr =
    std::unique_ptr<plinth_session, HandleDeleter<plinth_session, plinth_session_free>>;
using TokenizerPtr =
    std::unique_ptr<plinth_tokenizer, HandleDeleter<plinth_tokenizer, plinth_tokenizer_free>>;
using EncodingPtr =
    std::unique_ptr<plinth_encoding, HandleDeleter<plinth_encoding, plinth_encoding_free>>;
using OutputsPtr =
    std::unique_ptr<plinth_outputs, HandleDeleter<plinth_outputs, plinth_outputs_free>>;

RuntimePtr make_runtime(const GlobalOptions &globals);

// Loads a model; backend/dtype/head may be empty (library default).
ModelPtr load_model(plinth_runtime *rt, const std::string &dir, const std::string &backend,
                    const std::string &dtype, const std::string &head, int threads);

// Text of ids via plinth_detokenize, growing the buffer as the library asks.
std::string detokenize(const plinth_tokenizer *tok, const int32_t *ids, int64_t n,
                       bool skip_special);

// Human readable count: 1234567 -> "1.23M".
std::string human_count(int64_t n);

} // namespace plinth_cli
