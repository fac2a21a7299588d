// The C edge of the Megatron-BERT architecture plugin: what it serves, for common's ArchEdge (which
// guards every vtable call) to forward to MegatronBertModel and common's DecoderSession.
#include <memory>

#include "arch_edge.hpp"
#include "megatron_bert_model.hpp"

using plinth::megatron_bert::MegatronBertModel;

namespace {

struct Spec {
  using Model = MegatronBertModel;
  using Session = plinth::plugin::DecoderSession<MegatronBertModel>;
  static constexpr const char *name = "megatron_bert";
  static constexpr const char *label = "megatron-bert";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *model_type = "megatron-bert";
  static constexpr const auto &head_table = plinth::megatron_bert::kHeads;
  // Without is_decoder transformers generates without a cache (use_cache is forced off) and
  // recomputes every position at each step; the caller does that with full forward passes.
  static void check_session(const MegatronBertModel &model) {
    if (!model.has_sessions())
      plinth::plugin::fail(
          PLINTH_ERR_UNSUPPORTED,
          "megatron-bert: KV-cache sessions need is_decoder = true in config.json");
  }
};

} // namespace

PLINTH_DEFINE_ARCH_PLUGIN(Spec)
