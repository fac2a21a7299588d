// The C edge of the MobileBERT architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MobileBertModel. MobileBERT is an encoder: no generation
// entry points.
#include <memory>

#include "arch_edge.hpp"
#include "mobilebert_model.hpp"

using plinth::mobilebert::MobileBertModel;

struct plinth_arch_model {
  std::unique_ptr<MobileBertModel> model;
};

namespace {

const char *const kModelTypes[] = {"mobilebert", nullptr};
struct Spec {
  using Model = MobileBertModel;
  using Session = void;
  static constexpr const char *name = "mobilebert";
  static constexpr const char *label = "mobilebert";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::mobilebert::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::mobilebert::kHeads>;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, void>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
