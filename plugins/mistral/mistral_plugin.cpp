// The C edge of the Mistral architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MistralModel / MistralSession.
#include <memory>
#include <string>

#include "arch_edge.hpp"
#include "mistral_model.hpp"
#include "mistral_session.hpp"

using plinth::mistral::MistralModel;
using plinth::mistral::MistralSession;

struct plinth_arch_model {
  std::unique_ptr<MistralModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<MistralSession> session;
};

namespace {

const char *const kModelTypes[] = {"mistral", nullptr};
const char *const kHeads[] = {"base", "causal_lm", "seq_cls", "tok_cls", "qa", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "MistralForCausalLM") return "causal_lm";
  if (c == "MistralModel") return "base";
  if (c == "MistralForSequenceClassification") return "seq_cls";
  if (c == "MistralForTokenClassification") return "tok_cls";
  if (c == "MistralForQuestionAnswering") return "qa";
  return nullptr;
}

struct Spec {
  using Model = MistralModel;
  using Session = MistralSession;
  static constexpr const char *name = "mistral";
  static constexpr const char *label = "mistral";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
