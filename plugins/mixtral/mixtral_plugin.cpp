// The Mixtral architecture plugin: Mistral's decoder with every MLP replaced by a sparse
// mixture of experts (plugins/common/llama_decoder, sparse_moe), read from MixtralConfig's keys
// with its class defaults. Only the config reading and the heads served are Mixtral's own.
#include <memory>

#include "arch_edge.hpp"
#include "error.hpp"
#include "head_table.hpp"
#include "llama_decoder.hpp"

namespace plinth::mixtral {

using plugin::DecoderHead;
using plugin::LlamaConfig;

inline constexpr plugin::HeadTable kHeads{
    "mixtral",
    DecoderHead::causal_lm,
    {
        {DecoderHead::base, "base", {"MixtralModel"}},
        {DecoderHead::causal_lm, "causal_lm", {"MixtralForCausalLM"}},
        {DecoderHead::seq_cls, "seq_cls", {"MixtralForSequenceClassification"}},
        {DecoderHead::tok_cls, "tok_cls", {"MixtralForTokenClassification"}},
        {DecoderHead::qa, "qa", {"MixtralForQuestionAnswering"}},
    }};

// MixtralConfig's class defaults: what an absent key means.
LlamaConfig mixtral_defaults() {
  LlamaConfig d; // MistralConfig's, where MixtralConfig does not differ
  d.rms_norm_eps = 1e-5;
  d.rope_theta = 1000000.0;
  d.sliding_window = 0; // null
  d.num_experts = 8;
  d.experts_per_token = 2;
  return d;
}

LlamaConfig read_mixtral_config(const plugin::Config &cfg) {
  LlamaConfig c = LlamaConfig::read(cfg, mixtral_defaults());
  // "num_experts" is MixtralConfig's attribute alias of num_local_experts.
  c.num_experts = cfg.i64_or("num_local_experts", cfg.i64_or("num_experts", c.num_experts));
  c.experts_per_token = cfg.i64_or("num_experts_per_tok", c.experts_per_token);
  // router_jitter_noise only perturbs the router input while training; output_router_logits
  // only decides whether the outputs include router_logits (emitted here when asked for).
  if (c.num_experts <= 0)
    plugin::fail(PLINTH_ERR_FORMAT, "config.json: num_local_experts must be positive");
  return c;
}

class MixtralModel : public plugin::LlamaDecoder {
public:
  explicit MixtralModel(const plinth_model_env &env)
      : LlamaDecoder(env, "mixtral", read_mixtral_config(plugin::Config(env.host, env.model_host)),
                     kHeads.parse(env.head)) {}
};

} // namespace plinth::mixtral

using plinth::mixtral::kHeads;
using plinth::mixtral::MixtralModel;

struct plinth_arch_model {
  std::unique_ptr<MixtralModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<plinth::plugin::DecoderSession<MixtralModel>> session;
};

namespace {

const char *const kModelTypes[] = {"mixtral", nullptr};
struct Spec {
  using Model = MixtralModel;
  using Session = plinth::plugin::DecoderSession<MixtralModel>;
  static constexpr const char *name = "mixtral";
  static constexpr const char *label = "mixtral";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<kHeads>;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
