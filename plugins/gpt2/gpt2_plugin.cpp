// The C edge of the GPT-2 architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to Gpt2Model and common's DecoderSession.
#include <memory>

#include "arch_edge.hpp"
#include "gpt2_model.hpp"

using plinth::gpt2::Gpt2Model;

namespace {

struct Spec {
  using Model = Gpt2Model;
  using Session = plinth::plugin::DecoderSession<Gpt2Model>;
  static constexpr const char *name = "gpt2";
  static constexpr const char *label = "gpt2";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *model_type = "gpt2";
  static constexpr const auto &head_table = plinth::gpt2::kHeads;
};

} // namespace

PLINTH_DEFINE_ARCH_PLUGIN(Spec)
