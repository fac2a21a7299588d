// The C edge of the Helium architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to HeliumModel / HeliumSession.
#include <memory>
#include <string>

#include "arch_edge.hpp"
#include "helium_model.hpp"
#include "helium_session.hpp"

using plinth::helium::HeliumModel;
using plinth::helium::HeliumSession;

struct plinth_arch_model {
  std::unique_ptr<HeliumModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<HeliumSession> session;
};

namespace {

const char *const kModelTypes[] = {"helium", nullptr};
const char *const kHeads[] = {"base", "causal_lm", "seq_cls", "tok_cls", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "HeliumForCausalLM") return "causal_lm";
  if (c == "HeliumModel") return "base";
  if (c == "HeliumForSequenceClassification") return "seq_cls";
  if (c == "HeliumForTokenClassification") return "tok_cls";
  return nullptr;
}

struct Spec {
  using Model = HeliumModel;
  using Session = HeliumSession;
  static constexpr const char *name = "helium";
  static constexpr const char *label = "helium";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
