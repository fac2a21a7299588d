// The C edge of the Mistral architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MistralModel / MistralSession.
#include <memory>

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
struct Spec {
  using Model = MistralModel;
  using Session = MistralSession;
  static constexpr const char *name = "mistral";
  static constexpr const char *label = "mistral";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::mistral::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::mistral::kHeads>;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
