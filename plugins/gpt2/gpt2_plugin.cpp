// The C edge of the GPT-2 architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to Gpt2Model and common's DecoderSession.
#include <memory>

#include "arch_edge.hpp"
#include "gpt2_model.hpp"

using plinth::gpt2::Gpt2Model;

struct plinth_arch_model {
  std::unique_ptr<Gpt2Model> model;
};

struct plinth_arch_session {
  std::unique_ptr<plinth::plugin::DecoderSession<Gpt2Model>> session;
};

namespace {

const char *const kModelTypes[] = {"gpt2", nullptr};
struct Spec {
  using Model = Gpt2Model;
  using Session = plinth::plugin::DecoderSession<Gpt2Model>;
  static constexpr const char *name = "gpt2";
  static constexpr const char *label = "gpt2";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::gpt2::kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<plinth::gpt2::kHeads>;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
