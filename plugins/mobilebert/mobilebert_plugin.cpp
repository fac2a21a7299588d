// The C edge of the MobileBERT architecture plugin: vtable functions that guard every call and
// forward to MobileBertModel. MobileBERT is an encoder: no generation entry points.
#include <memory>
#include <string>

#include "error.hpp"
#include "mobilebert_model.hpp"

using plinth::mobilebert::MobileBertModel;
using plinth::plugin::fail;
using plinth::plugin::guard;

struct plinth_arch_model {
  std::unique_ptr<MobileBertModel> model;
};

namespace {

const char *const kModelTypes[] = {"mobilebert", nullptr};
const char *const kHeads[] = {"base",    "masked_lm", "pretraining",     "nsp",  "seq_cls",
                              "tok_cls", "qa",        "multiple_choice", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "MobileBertModel") return "base";
  if (c == "MobileBertForMaskedLM") return "masked_lm";
  if (c == "MobileBertForPreTraining") return "pretraining";
  if (c == "MobileBertForNextSentencePrediction") return "nsp";
  if (c == "MobileBertForSequenceClassification") return "seq_cls";
  if (c == "MobileBertForTokenClassification") return "tok_cls";
  if (c == "MobileBertForQuestionAnswering") return "qa";
  if (c == "MobileBertForMultipleChoice") return "multiple_choice";
  return nullptr;
}

plinth_status model_create(const plinth_model_env *env, plinth_arch_model **out) {
  return guard([&] {
    if (env == nullptr || out == nullptr || env->ops == nullptr || env->host == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mobilebert: model_create got a NULL argument");
    auto m = std::make_unique<plinth_arch_model>();
    m->model = std::make_unique<MobileBertModel>(*env);
    *out = m.release();
  });
}

void model_free(plinth_arch_model *m) { delete m; }

plinth_status model_info(const plinth_arch_model *m, plinth_arch_model_info *out) {
  return guard([&] {
    if (m == nullptr || out == nullptr)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mobilebert: model_info got a NULL argument");
    out->vocab_size = 0;
    out->max_positions = m->model->config().max_positions;
    out->can_generate = 0;
  });
}

plinth_status forward(plinth_arch_model *m, const plinth_forward_io *io) {
  return guard([&] {
    if (m == nullptr) fail(PLINTH_ERR_INVALID_ARGUMENT, "mobilebert: forward got a NULL model");
    m->model->forward(plinth::plugin::ForwardIO(io));
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
    // an encoder: no generation sessions
    .session_create = nullptr,
    .session_free = nullptr,
    .session_step = nullptr,
};

const plinth_plugin_descriptor kDescriptor = {
    .struct_size = sizeof(plinth_plugin_descriptor),
    .abi_version = PLINTH_ABI_VERSION,
    .kind = PLINTH_PLUGIN_ARCHITECTURE,
    .name = "mobilebert",
    .version = "0.1.0",
    .vtable = &kVtable,
};

const plinth_plugin_descriptor *entry(const plinth_host_api *host) {
  plinth::plugin::set_host(host);
  return &kDescriptor;
}

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(entry)
