// An architecture plugin built outside the plinth source tree, against the installed SDK only
// (plinth_plugin.h through plinth::sdk). It serves model_type "toy-bigram": a bigram language
// model whose next-token logits depend on the current token alone,
//   logits[b, t, :] = lm_head @ rms_norm(embed[input_ids[b, t]]) * norm
// which is enough to exercise weights, config access, backend ops, forward outputs and
// generation sessions without the weight of a real architecture.
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <plinth_plugin.h>

namespace {

const plinth_host_api *g_host = nullptr;

// Errors travel as exceptions inside the plugin and become a status plus host->set_error() at
// each entry point: no exception may cross the C boundary.
struct PluginError : std::runtime_error {
  plinth_status status;
  PluginError(plinth_status s, const std::string &what) : std::runtime_error(what), status(s) {}
};

void check(plinth_status st, const char *what) {
  // A failing op has already recorded its own message; keep it and only pass the status on.
  if (st != PLINTH_OK) throw PluginError(st, std::string("toy-bigram: ") + what + " failed");
}

template <typename F> plinth_status guard(F &&body) {
  try {
    body();
    return PLINTH_OK;
  } catch (const PluginError &e) {
    return g_host->set_error(e.status, e.what());
  } catch (const std::exception &e) {
    return g_host->set_error(PLINTH_ERR_INTERNAL, e.what());
  }
}

// A tensor this plugin created; freed through the backend that made it.
class Tensor {
public:
  Tensor(const plinth_backend_ops *ops, plinth_backend_ctx *ctx) : ops_(ops), ctx_(ctx) {}
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;
  ~Tensor() {
    if (t_ != nullptr) ops_->tensor_free(ctx_, t_);
  }
  plinth_tensor **out() { return &t_; }
  plinth_tensor *get() const { return t_; }

private:
  const plinth_backend_ops *ops_;
  plinth_backend_ctx *ctx_;
  plinth_tensor *t_ = nullptr;
};

} // namespace

struct plinth_arch_model {
  const plinth_backend_ops *ops = nullptr;
  plinth_backend_ctx *ctx = nullptr;
  int64_t vocab = 0;
  int64_t hidden = 0;
  float eps = 1e-6f;
  // Owned by the core, alive as long as the model.
  plinth_tensor *embed = nullptr;
  plinth_tensor *norm = nullptr;
  plinth_tensor *lm_head = nullptr;

  // ids: n host i32 token ids; returns the f32 logits tensor [shape..., vocab].
  void logits(const int32_t *ids, int32_t ndim, const int64_t *shape, Tensor &out) const {
    Tensor t_ids(ops, ctx);
    check(ops->tensor_from_host(ctx, PLINTH_DTYPE_I32, ndim, shape, ids, 0, t_ids.out()),
          "copying input_ids");
    int64_t hshape[PLINTH_MAX_DIMS + 1];
    std::memcpy(hshape, shape, sizeof(int64_t) * static_cast<size_t>(ndim));
    hshape[ndim] = hidden;
    Tensor x(ops, ctx);
    check(ops->tensor_new(ctx, PLINTH_DTYPE_F32, ndim + 1, hshape, x.out()), "tensor_new");
    check(ops->get_rows(ctx, embed, t_ids.get(), x.get()), "get_rows");
    check(ops->rms_norm(ctx, x.get(), norm, eps, x.get()), "rms_norm");
    hshape[ndim] = vocab;
    check(ops->tensor_new(ctx, PLINTH_DTYPE_F32, ndim + 1, hshape, out.out()), "tensor_new");
    check(ops->linear(ctx, x.get(), lm_head, nullptr, out.get()), "linear");
  }
};

// A bigram model needs no cache: a step only looks at each row's newest token.
struct plinth_arch_session {
  const plinth_arch_model *model = nullptr;
  int32_t batch = 0;
};

namespace {

const char *const kModelTypes[] = {"toy-bigram", nullptr};
const char *const kHeads[] = {"causal_lm", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class != nullptr && std::strcmp(hf_class, "ToyBigramForCausalLM") == 0)
    return "causal_lm";
  return nullptr;
}

int64_t config_int(const plinth_model_env *env, const char *key) {
  int64_t v = 0;
  if (env->host->config_i64(env->model_host, key, &v) != PLINTH_OK || v <= 0)
    throw PluginError(PLINTH_ERR_FORMAT,
                      std::string("toy-bigram: config.json needs a positive integer ") + key);
  return v;
}

plinth_tensor *load_matrix(const plinth_model_env *env, const char *name, int64_t rows,
                           int64_t cols) {
  plinth_tensor *t = nullptr;
  check(env->host->weight_load(env->model_host, name, -1, &t), name);
  if (t->ndim != 2 || t->shape[0] != rows || t->shape[1] != cols)
    throw PluginError(PLINTH_ERR_FORMAT, std::string("toy-bigram: ") + name +
                                             " has the wrong shape for config.json");
  return t;
}

plinth_status model_create(const plinth_model_env *env, plinth_arch_model **out) {
  return guard([&] {
    if (env == nullptr || out == nullptr || env->ops == nullptr)
      throw PluginError(PLINTH_ERR_INVALID_ARGUMENT, "toy-bigram: NULL argument");
    auto m = std::make_unique<plinth_arch_model>();
    m->ops = env->ops;
    m->ctx = env->backend;
    m->vocab = config_int(env, "vocab_size");
    m->hidden = config_int(env, "hidden_size");
    double eps = 0;
    if (env->host->config_f64(env->model_host, "rms_norm_eps", &eps) == PLINTH_OK)
      m->eps = static_cast<float>(eps);
    int32_t tied = 0;
    env->host->config_bool(env->model_host, "tie_word_embeddings", &tied);
    m->embed = load_matrix(env, "embed.weight", m->vocab, m->hidden);
    m->lm_head = tied ? m->embed : load_matrix(env, "lm_head.weight", m->vocab, m->hidden);
    check(env->host->weight_load(env->model_host, "norm.weight", -1, &m->norm), "norm.weight");
    *out = m.release();
  });
}

void model_free(plinth_arch_model *m) { delete m; }

plinth_status model_info(const plinth_arch_model *m, plinth_arch_model_info *out) {
  return guard([&] {
    out->vocab_size = m->vocab;
    out->max_positions = 0;
    out->can_generate = 1;
  });
}

plinth_status forward(plinth_arch_model *m, const plinth_forward_io *io) {
  return guard([&] {
    const plinth_host_tensor *ids = nullptr;
    for (int32_t i = 0; i < io->n_inputs; ++i)
      if (std::strcmp(io->inputs[i].name, "input_ids") == 0) ids = &io->inputs[i];
    if (ids == nullptr || ids->dtype != PLINTH_DTYPE_I32 || ids->ndim != 2)
      throw PluginError(PLINTH_ERR_INVALID_ARGUMENT, "toy-bigram: needs i32 input_ids [B, T]");
    // attention_mask changes nothing: no position looks at another one.
    Tensor logits(m->ops, m->ctx);
    m->logits(static_cast<const int32_t *>(ids->data), ids->ndim, ids->shape, logits);
    check(io->emit(io->out_ctx, "logits", logits.get()), "emitting logits");
  });
}

plinth_status session_create(plinth_arch_model *m, int32_t batch, int32_t /*max_tokens*/,
                             plinth_arch_session **out) {
  return guard([&] {
    if (batch <= 0) throw PluginError(PLINTH_ERR_INVALID_ARGUMENT, "toy-bigram: batch <= 0");
    *out = new plinth_arch_session{m, batch};
  });
}

void session_free(plinth_arch_session *s) { delete s; }

plinth_status session_step(plinth_arch_session *s, const plinth_step_io *io) {
  return guard([&] {
    if (io->n_tokens <= 0) throw PluginError(PLINTH_ERR_INVALID_ARGUMENT, "toy-bigram: no tokens");
    std::vector<int32_t> last(static_cast<size_t>(s->batch));
    for (int32_t b = 0; b < s->batch; ++b)
      last[static_cast<size_t>(b)] = io->input_ids[static_cast<size_t>(b) * io->n_tokens + io->n_tokens - 1];
    const int64_t shape[1] = {s->batch};
    Tensor logits(s->model->ops, s->model->ctx);
    s->model->logits(last.data(), 1, shape, logits);
    const size_t bytes = sizeof(float) * static_cast<size_t>(s->batch * s->model->vocab);
    check(s->model->ops->read(s->model->ctx, logits.get(), io->logits, bytes, 0), "reading logits");
  });
}

const plinth_arch_vtable kVtable = {
    sizeof(plinth_arch_vtable), kModelTypes, kHeads, head_for_class, model_create, model_free,
    model_info, forward, session_create, session_free, session_step,
};

const plinth_plugin_descriptor kDescriptor = {
    sizeof(plinth_plugin_descriptor), PLINTH_ABI_VERSION, PLINTH_PLUGIN_ARCHITECTURE,
    "toy_bigram", "0.1.0", &kVtable,
};

const plinth_plugin_descriptor *entry(const plinth_host_api *host) {
  g_host = host;
  return &kDescriptor;
}

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(entry)
