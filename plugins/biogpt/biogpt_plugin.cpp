// The C edge of the BioGPT architecture plugin: vtable functions that guard every call and
// forward to BioGptModel / BioGptSession.
#include <memory>

#include "biogpt_model.hpp"
#include "biogpt_session.hpp"
#include "error.hpp"

using plinth::biogpt::BioGptModel;
using plinth::biogpt::BioGptSession;
using plinth::plugin::fail;
using plinth::plugin::guard;

struct plinth_arch_model {
  std::unique_ptr<BioGptModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<BioGptSession> session;
};

namespace {

const char *const kModelTypes[] = {"biogpt", nullptr};
const char *const kHeads[] = {"base", "causal_lm", "seq_cls", "tok_cls", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "BioGptModel") return "base";
  if (c == "BioGptForCausalLM") return "causal_lm";
  if (c == "BioGptForSequenceClassification") return "seq_cls";
  if (c == "BioGptForTokenClassification") return "tok_cls";
  return nullptr;
}

plinth_status model_create(const plinth_model_env *env, plinth_arch_model **out) {
  return guard([&] {
    if (env == nullptr || out == nullptr || env->ops == nullptr || env->host == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: model_create got a NULL argument");
    auto m = std::make_unique<plinth_arch_model>();
    m->model = std::make_unique<BioGptModel>(*env);
    *out = m.release();
  });
}

void model_free(plinth_arch_model *m) { delete m; }

plinth_status model_info(const plinth_arch_model *m, plinth_arch_model_info *out) {
  return guard([&] {
    if (m == nullptr || out == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: model_info got a NULL argument");
    const bool gen = m->model->can_generate();
    out->vocab_size = gen ? m->model->config().vocab_size : 0;
    out->max_positions = m->model->config().max_positions;
    out->can_generate = gen ? 1 : 0;
  });
}

plinth_status forward(plinth_arch_model *m, const plinth_forward_io *io) {
  return guard([&] {
    if (m == nullptr) fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: forward got a NULL model");
    m->model->forward(plinth::plugin::ForwardIO(io));
  });
}

plinth_status session_create(plinth_arch_model *m, int32_t batch, int32_t max_tokens,
                             plinth_arch_session **out) {
  return guard([&] {
    if (m == nullptr || out == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: session_create got a NULL argument");
    if (!m->model->can_generate())
      fail(PLINTH_ERR_UNSUPPORTED, "biogpt: only the causal_lm head can generate");
    auto s = std::make_unique<plinth_arch_session>();
    s->session = std::make_unique<BioGptSession>(*m->model, batch, max_tokens);
    *out = s.release();
  });
}

void session_free(plinth_arch_session *s) { delete s; }

plinth_status session_step(plinth_arch_session *s, const plinth_step_io *io) {
  return guard([&] {
    if (s == nullptr || io == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "biogpt: session_step got a NULL argument");
    s->session->step(*io);
  });
}

const plinth_arch_vtable kVtable = {
    .struct_size = sizeof(plinth_arch_vtable),
    .model_types = kModelTypes,
    .heads = kHeads,
    .head_for_class = head_for_class,
    .model_create = model_create,
    .model_free = model_free,
    .model_info = model_info,
    .forward = forward,
    .session_create = session_create,
    .session_free = session_free,
    .session_step = session_step,
};

const plinth_plugin_descriptor kDescriptor = {
    .struct_size = sizeof(plinth_plugin_descriptor),
    .abi_version = PLINTH_ABI_VERSION,
    .kind = PLINTH_PLUGIN_ARCHITECTURE,
    .name = "biogpt",
    .version = "0.1.0",
    .vtable = &kVtable,
};

const plinth_plugin_descriptor *entry(const plinth_host_api *host) {
  plinth::plugin::set_host(host);
  return &kDescriptor;
}

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(entry)
