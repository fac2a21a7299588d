// The C edge of the BioGPT architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to BioGptModel and common's DecoderSession.
#include <memory>

#include "arch_edge.hpp"
#include "biogpt_model.hpp"
#include "biogpt_tokenizer.hpp"

using plinth::biogpt::BioGptModel;

namespace {

struct Spec {
  using Model = BioGptModel;
  using Session = plinth::plugin::DecoderSession<BioGptModel>;
  static constexpr const char *name = "biogpt";
  static constexpr const char *label = "biogpt";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *model_type = "biogpt";
  static constexpr const auto &head_table = plinth::biogpt::kHeads;
  static constexpr const char *const *tokenizer_classes = plinth::biogpt::kTokenizerClasses;
  static constexpr const plinth_tokenizer_vtable *tokenizer = &plinth::biogpt::kTokenizerTable;
};

} // namespace

PLINTH_DEFINE_ARCH_PLUGIN(Spec)
