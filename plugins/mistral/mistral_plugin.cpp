// The Mistral architecture plugin: a Llama-family decoder (plugins/common/llama_decoder) with
// rotate-half RoPE, grouped-query attention and a sliding window, read from MistralConfig's keys
// with its class defaults. Only the config reading and the heads served are Mistral's own.
#include "arch_edge.hpp"
#include "head_table.hpp"
#include "llama_decoder.hpp"

namespace plinth::mistral {

inline constexpr char kName[] = "mistral";

using plugin::DecoderHead;
using plugin::LlamaConfig;

inline constexpr plugin::HeadTable kHeads{
    kName,
    DecoderHead::causal_lm,
    {
        {DecoderHead::base, "base", {"MistralModel"}},
        {DecoderHead::causal_lm, "causal_lm", {"MistralForCausalLM"}},
        {DecoderHead::seq_cls, "seq_cls", {"MistralForSequenceClassification"}},
        {DecoderHead::tok_cls, "tok_cls", {"MistralForTokenClassification"}},
        {DecoderHead::qa, "qa", {"MistralForQuestionAnswering"}},
    }};

// LlamaConfig's own defaults are MistralConfig's.
LlamaConfig read_mistral_config(const plugin::Config &cfg) {
  return LlamaConfig::read(cfg, LlamaConfig{});
}

using Spec = plugin::LlamaPluginSpec<kName, kHeads, read_mistral_config>;

} // namespace plinth::mistral

PLINTH_DEFINE_ARCH_PLUGIN(plinth::mistral::Spec)
