// The Mistral architecture plugin: a Llama-family decoder (plugins/common/llama_decoder) with
// rotate-half RoPE, grouped-query attention and a sliding window, read from MistralConfig's keys
// with its class defaults. Only the config reading and the heads served are Mistral's own.
#include <memory>

#include "arch_edge.hpp"
#include "head_table.hpp"
#include "llama_decoder.hpp"

namespace plinth::mistral {

using plugin::DecoderHead;
using plugin::LlamaConfig;

inline constexpr plugin::HeadTable kHeads{
    "mistral",
    DecoderHead::causal_lm,
    {
        {DecoderHead::base, "base", {"MistralModel"}},
        {DecoderHead::causal_lm, "causal_lm", {"MistralForCausalLM"}},
        {DecoderHead::seq_cls, "seq_cls", {"MistralForSequenceClassification"}},
        {DecoderHead::tok_cls, "tok_cls", {"MistralForTokenClassification"}},
        {DecoderHead::qa, "qa", {"MistralForQuestionAnswering"}},
    }};

class MistralModel : public plugin::LlamaDecoder {
public:
  explicit MistralModel(const plinth_model_env &env)
      : LlamaDecoder(env, "mistral",
                     // LlamaConfig's own defaults are MistralConfig's.
                     LlamaConfig::read(plugin::Config(env.host, env.model_host), LlamaConfig{}),
                     kHeads.parse(env.head)) {}
};

} // namespace plinth::mistral

using plinth::mistral::kHeads;
using plinth::mistral::MistralModel;

struct plinth_arch_model {
  std::unique_ptr<MistralModel> model;
};

struct plinth_arch_session {
  std::unique_ptr<plinth::plugin::DecoderSession<MistralModel>> session;
};

namespace {

const char *const kModelTypes[] = {"mistral", nullptr};
struct Spec {
  using Model = MistralModel;
  using Session = plinth::plugin::DecoderSession<MistralModel>;
  static constexpr const char *name = "mistral";
  static constexpr const char *label = "mistral";
  static constexpr const char *version = "0.1.0";
  static constexpr const char *const *model_types = kModelTypes;
  static constexpr const char *const *heads = kHeads.names();
  static constexpr auto head_for_class = plinth::plugin::head_for_class<kHeads>;
};

using Edge = plinth::plugin::ArchEdge<Spec, plinth_arch_model, plinth_arch_session>;

} // namespace

PLINTH_DEFINE_PLUGIN_ENTRY(Edge::entry)
