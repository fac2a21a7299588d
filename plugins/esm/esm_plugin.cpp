// The C edge of the ESM architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to EsmModel, and its tokenizer (esm_tokenizer.cpp). ESM
// is an encoder: no generation entry points.
#include <memory>

#include "arch_edge.hpp"
#include "esm_model.hpp"
#include "esm_tokenizer.hpp"

using plinth::esm::EsmModel;

struct plinth_arch_model {
  std::unique_ptr<EsmModel> model;
};

namespace {

const char *const kModelTypes[] = {"esm", nullptr};
struct Spec {
  using Model = EsmModel;
  using Session = void;
  static constexpr const char *name = "esm";
  static constexpr const char *label = "esm";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::esm::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::esm::kHeads>;
  static constexpr const char *const *tokenizer_classes = plinth::esm::kTokenizerClasses;
  static constexpr const plinth_tokenizer_vtable *tokenizer = &plinth::esm::kTokenizerTable;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, void>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
