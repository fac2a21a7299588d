// The C edge of the Mixtral architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MixtralModel / MixtralSession.
#include <memory>
#include <string>

#include "arch_edge.hpp"
#include "mixtral_model.hpp"
#include "mixtral_session.hpp"

using plinth::mixtral::MixtralModel;
using plinth::mixtral::MixtralSession;

struct plinth_arch_model {
  std::unique_ptr<MixtralModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<MixtralSession> session;
};

namespace {

const char *const kModelTypes[] = {"mixtral", nullptr};
const char *const kHeads[] = {"base", "causal_lm", "seq_cls", "tok_cls", "qa", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "MixtralForCausalLM") return "causal_lm";
  if (c == "MixtralModel") return "base";
  if (c == "MixtralForSequenceClassification") return "seq_cls";
  if (c == "MixtralForTokenClassification") return "tok_cls";
  if (c == "MixtralForQuestionAnswering") return "qa";
  return nullptr;
}

struct Spec {
  using Model = MixtralModel;
  using Session = MixtralSession;
  static constexpr const char *name = "mixtral";
  static constexpr const char *label = "mixtral";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
