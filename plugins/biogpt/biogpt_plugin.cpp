// The C edge of the BioGPT architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to BioGptModel and common's DecoderSession.
#include <memory>

#include "arch_edge.hpp"
#include "biogpt_model.hpp"
#include "biogpt_tokenizer.hpp"

using plinth::biogpt::BioGptModel;

struct plinth_arch_model {
  std::unique_ptr<BioGptModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<plinth::plugin::DecoderSession<BioGptModel>> session;
};

namespace {

const char *const kModelTypes[] = {"biogpt", nullptr};
struct Spec {
  using Model = BioGptModel;
  using Session = plinth::plugin::DecoderSession<BioGptModel>;
  static constexpr const char *name = "biogpt";
  static constexpr const char *label = "biogpt";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::biogpt::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::biogpt::kHeads>;
  static constexpr const char *const *tokenizer_classes = plinth::biogpt::kTokenizerClasses;
  static constexpr const plinth_tokenizer_vtable *tokenizer = &plinth::biogpt::kTokenizerTable;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
