// The C edge of the MobileBERT architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MobileBertModel. MobileBERT is an encoder: no generation
// entry points.
#include <memory>

#include "arch_edge.hpp"
#include "mobilebert_model.hpp"

using plinth::mobilebert::MobileBertModel;

namespace {

struct Spec {
  using Model = MobileBertModel;
  using Session = void;
  static constexpr const char *name = "mobilebert";
  static constexpr const char *label = "mobilebert";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *model_type = "mobilebert";
  static constexpr const auto &head_table = plinth::mobilebert::kHeads;
};

} // namespace

PLINTH_DEFINE_ARCH_PLUGIN(Spec)
