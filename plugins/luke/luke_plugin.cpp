// The C edge of the LUKE architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to LukeModel. LUKE is an encoder: no generation entry
// points.
#include <algorithm>
#include <memory>
#include <string>

#include "arch_edge.hpp"
#include "luke_model.hpp"

using plinth::luke::LukeModel;

struct plinth_arch_model {
  std::unique_ptr<LukeModel> model;
};

namespace {

const char *const kModelTypes[] = {"luke", nullptr};
const char *const kHeads[] = {
    "base",    "masked_lm", "entity_cls", "entity_pair_cls", "entity_span_cls",
    "seq_cls", "tok_cls",   "qa",         "multiple_choice", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "LukeModel") return "base";
  if (c == "LukeForMaskedLM") return "masked_lm";
  if (c == "LukeForEntityClassification") return "entity_cls";
  if (c == "LukeForEntityPairClassification") return "entity_pair_cls";
  if (c == "LukeForEntitySpanClassification") return "entity_span_cls";
  if (c == "LukeForSequenceClassification") return "seq_cls";
  if (c == "LukeForTokenClassification") return "tok_cls";
  if (c == "LukeForQuestionAnswering") return "qa";
  if (c == "LukeForMultipleChoice") return "multiple_choice";
  return nullptr;
}

struct Spec {
  using Model = LukeModel;
  using Session = void;
  static constexpr const char *name = "luke";
  static constexpr const char *label = "luke";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
  static void info(const LukeModel &model, plinth_arch_model_info *out) {
    out->vocab_size = 0;
    // Word positions start at pad_token_id + 1 (RoBERTa-style), so fewer tokens fit than
    // there are position embeddings.
    const auto &c = model.config();
    out->max_positions = std::max<int64_t>(c.max_positions - c.pad_token_id - 1, 1);
    out->can_generate = 0;
  }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, void>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
