// The C edge of the MobileBERT architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MobileBertModel. MobileBERT is an encoder: no generation
// entry points.
#include <memory>
#include <string>

#include "arch_edge.hpp"
#include "mobilebert_model.hpp"

using plinth::mobilebert::MobileBertModel;

struct plinth_arch_model {
  std::unique_ptr<MobileBertModel> model;
};

namespace {

const char *const kModelTypes[] = {"mobilebert", nullptr};
const char *const kHeads[] = {"base",    "masked_lm", "pretraining",     "nsp",  "seq_cls",
                              "tok_cls", "qa",        "multiple_choice", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "MobileBertModel") return "base";
  if (c == "MobileBertForMaskedLM") return "masked_lm";
  if (c == "MobileBertForPreTraining") return "pretraining";
  if (c == "MobileBertForNextSentencePrediction") return "nsp";
  if (c == "MobileBertForSequenceClassification") return "seq_cls";
  if (c == "MobileBertForTokenClassification") return "tok_cls";
  if (c == "MobileBertForQuestionAnswering") return "qa";
  if (c == "MobileBertForMultipleChoice") return "multiple_choice";
  return nullptr;
}

struct Spec {
  using Model = MobileBertModel;
  using Session = void;
  static constexpr const char *name = "mobilebert";
  static constexpr const char *label = "mobilebert";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, void>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
