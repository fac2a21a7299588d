// The C edge of the MEGA architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MegaModel / MegaSession.
#include <memory>

#include "arch_edge.hpp"
#include "mega_model.hpp"
#include "mega_session.hpp"

using plinth::mega::MegaModel;
using plinth::mega::MegaSession;

namespace {

struct Spec {
  using Model = MegaModel;
  using Session = MegaSession;
  static constexpr const char *name = "mega";
  static constexpr const char *label = "mega";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *model_type = "mega";
  static constexpr const auto &head_table = plinth::mega::kHeads;
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

} // namespace

PLINTH_DEFINE_ARCH_PLUGIN(Spec)
