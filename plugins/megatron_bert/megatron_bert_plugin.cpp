// The C edge of the Megatron-BERT architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MegatronBertModel and common's DecoderSession.
#include <memory>

#include "arch_edge.hpp"
#include "megatron_bert_model.hpp"

using plinth::megatron_bert::MegatronBertModel;

struct plinth_arch_model {
  std::unique_ptr<MegatronBertModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<plinth::plugin::DecoderSession<MegatronBertModel>> session;
};

namespace {

const char *const kModelTypes[] = {"megatron-bert", nullptr};
struct Spec {
  using Model = MegatronBertModel;
  using Session = plinth::plugin::DecoderSession<MegatronBertModel>;
  static constexpr const char *name = "megatron_bert";
  static constexpr const char *label = "megatron-bert";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = plinth::megatron_bert::kHeads.names();
  static constexpr auto head_for_class =
      plinth::plugin::head_for_class<plinth::megatron_bert::kHeads>;
  // Without is_decoder transformers generates without a cache (use_cache is forced off) and
  // recomputes every position at each step; the caller does that with full forward passes.
  static void check_session(const MegatronBertModel &model) {
    if (!model.has_sessions())
      plinth::plugin::fail(
          PLINTH_ERR_UNSUPPORTED,
          "megatron-bert: KV-cache sessions need is_decoder = true in config.json");
  }
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
