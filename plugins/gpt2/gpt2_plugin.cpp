// The C edge of the GPT-2 architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to Gpt2Model / Gpt2Session.
#include <memory>
#include <string>

#include "arch_edge.hpp"
#include "gpt2_model.hpp"
#include "gpt2_session.hpp"

using plinth::gpt2::Gpt2Model;
using plinth::gpt2::Gpt2Session;

struct plinth_arch_model {
  std::unique_ptr<Gpt2Model> model;
};

struct plinth_arch_session {
  std::unique_ptr<Gpt2Session> session;
};

namespace {

const char *const kModelTypes[] = {"gpt2", nullptr};
const char *const kHeads[] = {"base", "causal_lm", "seq_cls", "tok_cls", "qa", nullptr};

const char *head_for_class(const char *hf_class) {
  if (hf_class == nullptr) return nullptr;
  const std::string c = hf_class;
  if (c == "GPT2Model") return "base";
  if (c == "GPT2LMHeadModel") return "causal_lm";
  // The double-heads model is the LM model plus a multiple-choice summary head over the same
  // trunk; it is served as its language-model part.
  if (c == "GPT2DoubleHeadsModel") return "causal_lm";
  if (c == "GPT2ForSequenceClassification") return "seq_cls";
  if (c == "GPT2ForTokenClassification") return "tok_cls";
  if (c == "GPT2ForQuestionAnswering") return "qa";
  return nullptr;
}

struct Spec {
  using Model = Gpt2Model;
  using Session = Gpt2Session;
  static constexpr const char *name = "gpt2";
  static constexpr const char *label = "gpt2";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads;
  static const char *head_for_class(const char *hf_class) { return ::head_for_class(hf_class); }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
