// The C edge of the MEGA architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MegaModel / MegaSession.
#include <memory>
#include <string>

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
const char *const kHeads[] = {"base",    "masked_lm", "causal_lm",       "seq_cls",
                              "tok_cls", "qa",        "multiple_choice", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "MegaModel") return "base";
  if (c == "MegaForMaskedLM") return "masked_lm";
  if (c == "MegaForCausalLM") return "causal_lm";
  if (c == "MegaForSequenceClassification") return "seq_cls";
  if (c == "MegaForTokenClassification") return "tok_cls";
  if (c == "MegaForQuestionAnswering") return "qa";
  if (c == "MegaForMultipleChoice") return "multiple_choice";
  return nullptr;
}

struct Spec {
  using Model = MegaModel;
  using Session = MegaSession;
  static constexpr const char *name = "mega";
  static constexpr const char *label = "mega";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
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
