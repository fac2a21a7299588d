// The Mixtral architecture plugin: Mistral's decoder with every MLP replaced by a sparse
// mixture of experts (plugins/common/llama_decoder, sparse_moe), read from MixtralConfig's keys
// with its class defaults. Only the config reading and the heads served are Mixtral's own.
#include "arch_edge.hpp"
#include "error.hpp"
#include "head_table.hpp"
#include "llama_decoder.hpp"

namespace plinth::mixtral {

inline constexpr char kName[] = "mixtral";

using plugin::DecoderHead;
using plugin::LlamaConfig;

inline constexpr plugin::HeadTable kHeads{
    kName,
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

using Spec = plugin::LlamaPluginSpec<kName, kHeads, read_mixtral_config>;

} // namespace plinth::mixtral

PLINTH_DEFINE_ARCH_PLUGIN(plinth::mixtral::Spec)
