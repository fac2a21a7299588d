// The C edge of the LUKE architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to LukeModel. LUKE is an encoder: no generation entry
// points.
#include <algorithm>
#include <memory>

#include "arch_edge.hpp"
#include "luke_model.hpp"
#include "luke_tokenizer.hpp"

using plinth::luke::LukeModel;

namespace {

struct Spec {
  using Model = LukeModel;
  using Session = void;
  static constexpr const char *name = "luke";
  static constexpr const char *label = "luke";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *model_type = "luke";
  static constexpr const auto &head_table = plinth::luke::kHeads;
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

} // namespace

PLINTH_DEFINE_ARCH_PLUGIN(Spec)
