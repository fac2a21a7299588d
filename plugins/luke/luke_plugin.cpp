// The C edge of the LUKE architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to LukeModel. LUKE is an encoder: no generation entry
// points.
#include <algorithm>
#include <memory>

#include "arch_edge.hpp"
#include "luke_model.hpp"
#include "luke_tokenizer.hpp"

using plinth::luke::LukeModel;

struct plinth_arch_model {
  std::unique_ptr<LukeModel> model;
};

namespace {

const char *const kModelTypes[] = {"luke", nullptr};
struct Spec {
  using Model = LukeModel;
  using Session = void;
  static constexpr const char *name = "luke";
  static constexpr const char *label = "luke";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::luke::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::luke::kHeads>;
  static constexpr const char *const *tokenizer_classes = plinth::luke::kTokenizerClasses;
  static constexpr const plinth_tokenizer_vtable *tokenizer = &plinth::luke::kTokenizerTable;
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
