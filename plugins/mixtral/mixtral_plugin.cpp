// The C edge of the Mixtral architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MixtralModel / MixtralSession.
#include <memory>

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
struct Spec {
  using Model = MixtralModel;
  using Session = MixtralSession;
  static constexpr const char *name = "mixtral";
  static constexpr const char *label = "mixtral";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::mixtral::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::mixtral::kHeads>;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
