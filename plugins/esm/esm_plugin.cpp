// The C edge of the ESM architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to EsmModel. ESM is an encoder: no generation entry points.
#include <memory>
#include <string>

#include "arch_edge.hpp"
#include "esm_model.hpp"

using plinth::esm::EsmModel;

struct plinth_arch_model {
  std::unique_ptr<EsmModel> model;
};

namespace {

const char *const kModelTypes[] = {"esm", nullptr};
const char *const kHeads[] = {"base", "masked_lm", "seq_cls", "tok_cls", "contacts", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "EsmModel") return "base";
  if (c == "EsmForMaskedLM") return "masked_lm";
  if (c == "EsmForSequenceClassification") return "seq_cls";
  if (c == "EsmForTokenClassification") return "tok_cls";
  if (c == "EsmForMaskedLM.predict_contacts" || c == "EsmModel.predict_contacts") return "contacts";
  return nullptr;
}

struct Spec {
  using Model = EsmModel;
  using Session = void;
  static constexpr const char *name = "esm";
  static constexpr const char *label = "esm";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, void>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
