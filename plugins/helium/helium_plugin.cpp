// The C edge of the Helium architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to HeliumModel / HeliumSession.
#include <memory>

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
struct Spec {
  using Model = HeliumModel;
  using Session = HeliumSession;
  static constexpr const char *name = "helium";
  static constexpr const char *label = "helium";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::helium::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::helium::kHeads>;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
