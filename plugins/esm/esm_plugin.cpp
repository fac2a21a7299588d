// The C edge of the ESM architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to EsmModel, and its tokenizer (esm_tokenizer.cpp). ESM
// is an encoder: no generation entry points.
#include <memory>

#include "arch_edge.hpp"
#include "esm_model.hpp"
#include "esm_tokenizer.hpp"

using plinth::esm::EsmModel;

namespace {

struct Spec {
  using Model = EsmModel;
  using Session = void;
  static constexpr const char *name = "esm";
  static constexpr const char *label = "esm";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *model_type = "esm";
  static constexpr const auto &head_table = plinth::esm::kHeads;
  static constexpr const char *const *tokenizer_classes = plinth::esm::kTokenizerClasses;
  static constexpr const plinth_tokenizer_vtable *tokenizer = &plinth::esm::kTokenizerTable;
};

} // namespace

PLINTH_DEFINE_ARCH_PLUGIN(Spec)
