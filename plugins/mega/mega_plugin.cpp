// The C edge of the MEGA architecture plugin: vtable functions that guard every call and
// forward to MegaModel / MegaSession.
#include <memory>

#include "error.hpp"
#include "mega_model.hpp"
#include "mega_session.hpp"

using plinth::mega::Head;
using plinth::mega::MegaModel;
using plinth::mega::MegaSession;
using plinth::plugin::fail;
using plinth::plugin::guard;

struct plinth_arch_model {
  std::unique_ptr<MegaModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<MegaSession> session;
};

namespace {

const char *const kModelTypes[] = {"mega", nullptr};
const char *const kHeads[] = {"base",    "masked_lm", "causal_lm",       "seq_cls",
                              "tok_cls", "qa",        "multiple_choice", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "MegaModel") return "base";
  if (c == "MegaForMaskedLM") return "masked_lm";
  if (c == "MegaForCausalLM") return "causal_lm";
  if (c == "MegaForSequenceClassification") return "seq_cls";
  if (c == "MegaForTokenClassification") return "tok_cls";
  if (c == "MegaForQuestionAnswering") return "qa";
  if (c == "MegaForMultipleChoice") return "multiple_choice";
  return nullptr;
}

plinth_status model_create(const plinth_model_env *env, plinth_arch_model **out) {
  return guard([&] {
    if (env == nullptr || out == nullptr || env->ops == nullptr || env->host == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: model_create got a NULL argument");
    auto m = std::make_unique<plinth_arch_model>();
    m->model = std::make_unique<MegaModel>(*env);
    *out = m.release();
  });
}

void model_free(plinth_arch_model *m) { delete m; }

plinth_status model_info(const plinth_arch_model *m, plinth_arch_model_info *out) {
  return guard([&] {
    if (m == nullptr || out == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: model_info got a NULL argument");
    const auto &c = m->model->config();
    const bool gen = m->model->can_generate();
    out->vocab_size = gen ? c.vocab_size : 0;
    // Only the simple relative bias limits the length (per chunk when chunking); the rotary
    // bias and the EMA extrapolate.
    out->max_positions =
        c.rel_pos == plinth::mega::RelPosKind::simple && !c.use_chunking ? c.rel_pos_span() : 0;
    out->can_generate = gen ? 1 : 0;
  });
}

plinth_status forward(plinth_arch_model *m, const plinth_forward_io *io) {
  return guard([&] {
    if (m == nullptr) fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: forward got a NULL model");
    m->model->forward(plinth::plugin::ForwardIO(io));
  });
}

plinth_status session_create(plinth_arch_model *m, int32_t batch, int32_t max_tokens,
                             plinth_arch_session **out) {
  return guard([&] {
    if (m == nullptr || out == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: session_create got a NULL argument");
    if (!m->model->can_generate())
      fail(PLINTH_ERR_UNSUPPORTED, "mega: only the causal_lm head can generate");
    auto s = std::make_unique<plinth_arch_session>();
    s->session = std::make_unique<MegaSession>(*m->model, batch, max_tokens);
    *out = s.release();
  });
}

void session_free(plinth_arch_session *s) { delete s; }

plinth_status session_step(plinth_arch_session *s, const plinth_step_io *io) {
  return guard([&] {
    if (s == nullptr || io == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: session_step got a NULL argument");
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
    .name = "mega",
    .version = "0.1.0",
    .vtable = &kVtable,
};

const plinth_plugin_descriptor *entry(const plinth_host_api *host) {
  plinth::plugin::set_host(host);
  return &kDescriptor;
}

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(entry)
