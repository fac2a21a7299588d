#include "model.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "dtype.hpp"
#include "error.hpp"
#include "file_read.hpp"
#include "logging.hpp"
#include "quantize.hpp"
#include "tokenizer_plugins.hpp"

namespace plinth {

namespace {
std::string join_list(const char *const *list) {
  std::string s;
  for (; list && *list; ++list)
    s += (s.empty() ? "" : ", ") + std::string(*list);
  return s;
}
bool in_list(const char *const *list, const std::string &v) {
  for (; list && *list; ++list)
    if (v == *list) return true;
  return false;
}
} // namespace

Model::Model(std::shared_ptr<Runtime> rt, const std::string &dir, const ModelLoadOptions &opts)
    : rt_(std::move(rt)) {
  const FileLimitScope files(rt_->config.limits.file_bytes); // config.json, tokenizer files
  checkpoint_ = std::make_unique<Checkpoint>(dir);
  const std::string model_type = checkpoint_->model_type();
  const std::string backend_name =
      opts.backend.empty() ? rt_->config.default_backend : opts.backend;
  {
    std::lock_guard<std::mutex> lock(rt_->mutex);
    arch_ = &rt_->registry.architecture_for(model_type);
    auto &be = rt_->registry.backend(backend_name);
    backend_ =
        std::make_unique<BackendInstance>(be, opts.n_threads ? opts.n_threads : rt_->n_threads);
  }
  const auto *vt = arch_->arch();
  head_ = opts.head;
  if (head_.empty()) {
    const std::string cls = checkpoint_->architecture();
    const char *h =
        (!cls.empty() && vt->head_for_class) ? vt->head_for_class(cls.c_str()) : nullptr;
    if (!h && !cls.empty())
      throw Error(PLINTH_ERR_UNSUPPORTED, "plugin '" + arch_->manifest.name +
                                              "' does not know the class '" + cls +
                                              "' (heads it serves: " + join_list(vt->heads) + ")");
    head_ = h ? h : "base";
  }
  if (!in_list(vt->heads, head_))
    throw Error(PLINTH_ERR_UNSUPPORTED, "plugin '" + arch_->manifest.name +
                                            "' does not serve head '" + head_ +
                                            "' (it serves: " + join_list(vt->heads) + ")");

  host_.checkpoint = checkpoint_.get();
  host_.on_progress = opts.on_progress;
  host_.progress_user_data = opts.progress_user_data;
  for (const auto *t : checkpoint_->tensors())
    host_.progress_total += t->nbytes;
  host_.backend = backend_.get();
  host_.mmap_weights = rt_->config.mmap_weights;
  host_.huge_page_cache = rt_->config.huge_page_cache;
  // "auto": keep half-precision checkpoints in their stored dtype, everything else in f32.
  host_.load_dtype = opts.dtype >= 0 ? opts.dtype : checkpoint_->dominant_dtype();
  plinth_model_env env{};
  env.struct_size = sizeof env;
  env.host = host_api_table();
  env.model_host = &host_;
  env.ops = backend_->ops;
  env.backend = backend_->ctx;
  env.model_type = model_type.c_str();
  env.head = head_.c_str();
  env.compute_dtype = PLINTH_DTYPE_F32;
  set_last_error("");
  plinth_status st = vt->model_create(&env, &arch_model_);
  if (st != PLINTH_OK || !arch_model_) {
    host_.free_weights();
    if (host_.cancelled) throw Error(PLINTH_ERR_CANCELLED, "loading " + dir + " was cancelled");
    throw Error(st == PLINTH_OK ? PLINTH_ERR_INTERNAL : st,
                "plugin '" + arch_->manifest.name + "' could not build the model from " + dir +
                    ": " + last_error());
  }
  if (host_.on_progress) // weights the plugin never asked for still count as done
    host_.on_progress(host_.progress_user_data, host_.progress_total, host_.progress_total);
  info_.struct_size = sizeof info_;
  st = vt->model_info(arch_model_, &info_);
  if (st != PLINTH_OK) {
    vt->model_free(arch_model_);
    host_.free_weights();
    throw Error(st, "plugin '" + arch_->manifest.name + "' model_info failed: " + last_error());
  }
  try {
    tokenizer_ = tok::load_tokenizer(dir, tokenizer_lookup(rt_), tokenizer_provider(*arch_));
  } catch (const Error &e) {
    tokenizer_error_ = e.what();
    log_message(PLINTH_LOG_DEBUG, "no tokenizer for " + dir + ": " + e.what());
  }
}

int64_t Model::weight_bytes() const {
  int64_t total = 0;
  for (const auto &[key, t] : host_.loaded) {
    int64_t rows = 1;
    for (int i = 0; i + 1 < t->ndim; ++i)
      rows *= t->shape[i];
    total += rows * static_cast<int64_t>(row_bytes(t->dtype, t->ndim ? t->shape[t->ndim - 1] : 1));
  }
  return total;
}

Model::~Model() {
  if (arch_model_) arch_->arch()->model_free(arch_model_);
  host_.free_weights();
  backend_.reset();
}

namespace {
struct OutputSink {
  const BackendInstance *backend;
  bool hidden_states;
  const std::vector<std::string> *wanted;
  std::vector<HostOutput> outputs;
  std::string error;
};

int32_t sink_want(void *ctx, const char *name) {
  auto *s = static_cast<OutputSink *>(ctx);
  const std::string n(name ? name : "");
  if (s->hidden_states && n.rfind("hidden_states.", 0) == 0) return 1;
  return std::find(s->wanted->begin(), s->wanted->end(), n) != s->wanted->end() ? 1 : 0;
}

plinth_status sink_emit(void *ctx, const char *name, const plinth_tensor *t) {
  auto *s = static_cast<OutputSink *>(ctx);
  if (!name || !t) return PLINTH_ERR_INVALID_ARGUMENT;
  HostOutput o;
  o.name = name;
  o.dtype = t->dtype;
  size_t n = 1;
  for (int i = 0; i < t->ndim; ++i) {
    o.shape.push_back(t->shape[i]);
    n *= static_cast<size_t>(t->shape[i]);
  }
  o.data.resize(n * dtype_size(t->dtype));
  const auto *ops = s->backend->ops;
  plinth_status st = ops->synchronize(s->backend->ctx);
  if (st == PLINTH_OK) st = ops->read(s->backend->ctx, t, o.data.data(), o.data.size(), 0);
  if (st != PLINTH_OK) return st;
  s->outputs.push_back(std::move(o));
  return PLINTH_OK;
}
} // namespace

std::vector<HostOutput> Model::forward(const std::vector<plinth_host_tensor> &inputs,
                                       bool hidden_states, const std::vector<std::string> &wanted) {
  // Inputs reach plugins as int32 (token ids and masks fit; halves the copies).
  std::vector<std::vector<int32_t>> storage;
  std::vector<plinth_host_tensor> conv;
  storage.reserve(inputs.size());
  for (const auto &in : inputs) {
    if (!in.name || !in.data || in.ndim < 1 || in.ndim > PLINTH_MAX_DIMS)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                  "forward input needs a name, data and 1 to 4 dimensions");
    if (in.dtype != PLINTH_DTYPE_I32 && in.dtype != PLINTH_DTYPE_I64)
      throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                  std::string("forward input '") + in.name + "' must be int32 or int64");
    // [batch, sequence, ...]: the same bounds as sessions and generations.
    check_limit(in.shape[0], limits().batch, "batch",
                std::string("forward input '") + in.name + "': batch");
    if (in.ndim >= 2)
      check_limit(in.shape[1], limits().context, "context",
                  std::string("forward input '") + in.name + "': sequence length");
    int64_t n = 1;
    for (int i = 0; i < in.ndim; ++i) {
      if (in.shape[i] <= 0)
        throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                    std::string("forward input '") + in.name + "' has an empty dimension");
      // The product wrapped to a small number before, and plugins then read past the buffer.
      if (__builtin_mul_overflow(n, in.shape[i], &n) || n > INT32_MAX)
        throw Error(PLINTH_ERR_INVALID_ARGUMENT,
                    std::string("forward input '") + in.name + "' has more than 2^31 - 1 elements");
    }
    storage.emplace_back(static_cast<size_t>(n));
    // Ids and masks travel as int32: an int64 value outside that range would silently become
    // another token, so the conversion refuses it; the input is named here.
    try {
      convert_elements(in.data, in.dtype, storage.back().data(), PLINTH_DTYPE_I32,
                       static_cast<size_t>(n));
    } catch (const Error &e) {
      throw Error(e.status(), std::string("forward input '") + in.name + "': " + e.what());
    }
    plinth_host_tensor c = in;
    c.dtype = PLINTH_DTYPE_I32;
    c.data = storage.back().data();
    for (int i = in.ndim; i < PLINTH_MAX_DIMS; ++i)
      c.shape[i] = 1;
    conv.push_back(c);
  }
  OutputSink sink{backend_.get(), hidden_states, &wanted, {}, {}};
  plinth_forward_io io{};
  io.struct_size = sizeof io;
  io.inputs = conv.data();
  io.n_inputs = static_cast<int32_t>(conv.size());
  io.out_ctx = &sink;
  io.want = sink_want;
  io.emit = sink_emit;
  std::lock_guard<std::mutex> lock(mutex_);
  set_last_error("");
  const plinth_status st = arch_->arch()->forward(arch_model_, &io);
  if (st != PLINTH_OK)
    throw Error(st, "forward pass of '" + arch_->manifest.name + "' (" + head_ +
                        ") failed: " + last_error());
  return std::move(sink.outputs);
}

} // namespace plinth
