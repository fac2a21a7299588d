// The C edge of the MEGA architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MegaModel / MegaSession.
#include <memory>

#include "arch_edge.hpp"
#include "mega_model.hpp"
#include "mega_session.hpp"

using plinth::mega::MegaModel;
using plinth::mega::MegaSession;

struct plinth_arch_model {
  std::unique_ptr<MegaModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<MegaSession> session;
};

namespace {

const char *const kModelTypes[] = {"mega", nullptr};
struct Spec {
  using Model = MegaModel;
  using Session = MegaSession;
  static constexpr const char *name = "mega";
  static constexpr const char *label = "mega";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::mega::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::mega::kHeads>;
  static void info(const MegaModel &model, plinth_arch_model_info *out) {
    const auto &c = model.config();
    const bool gen = model.can_generate();
    out->vocab_size = gen ? c.vocab_size : 0;
    // Only the simple relative bias limits the length (per chunk when chunking); the rotary
    // bias and the EMA extrapolate.
    out->max_positions =
        c.rel_pos == plinth::mega::RelPosKind::simple && !c.use_chunking ? c.rel_pos_span() : 0;
    out->can_generate = gen ? 1 : 0;
  }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
