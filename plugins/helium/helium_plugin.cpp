// The Helium architecture plugin: a Llama-family decoder (plugins/common/llama_decoder) that
// rotates adjacent pairs (x[2i], x[2i+1]) by frequency i — modeling_helium's apply_rotary_pos_emb
// interleaves cos/sin, the GPT-J layout, where Llama/Mistral rotate halves — with optional
// q/k/v and MLP biases, read from HeliumConfig's keys with its class defaults (head_dim 128,
// rope_theta 1e5, pad id 3, ...). Only the config reading and the heads served are Helium's own.
#include "arch_edge.hpp"
#include "head_table.hpp"
#include "llama_decoder.hpp"

namespace plinth::helium {

inline constexpr char kName[] = "helium";

using plugin::DecoderHead;
using plugin::LlamaConfig;

inline constexpr plugin::HeadTable kHeads{
    kName,
    DecoderHead::causal_lm,
    {
        {DecoderHead::base, "base", {"HeliumModel"}},
        {DecoderHead::causal_lm, "causal_lm", {"HeliumForCausalLM"}},
        {DecoderHead::seq_cls, "seq_cls", {"HeliumForSequenceClassification"}},
        {DecoderHead::tok_cls, "tok_cls", {"HeliumForTokenClassification"}},
    }};

// HeliumConfig's class defaults: what an absent key means.
LlamaConfig helium_defaults() {
  LlamaConfig d;
  d.vocab_size = 48000;
  d.hidden_size = 2560;
  d.intermediate_size = 7040;
  d.num_layers = 24;
  d.num_heads = 20;
  d.num_kv_heads = 20; // whatever num_attention_heads says
  d.head_dim = 128;    // absent: 128; null: hidden_size / heads
  d.max_positions = 4096;
  d.rms_norm_eps = 1e-8;
  d.rope_theta = 100000.0;
  d.pad_token_id = 3; // absent: 3; null: none
  d.rotate_half = false;
  d.sliding_window = 0;
  d.reads_sliding_window = false; // HeliumConfig has no such key
  return d;
}

LlamaConfig read_helium_config(const plugin::Config &cfg) {
  LlamaConfig c = LlamaConfig::read(cfg, helium_defaults());
  c.attention_bias = cfg.bool_or("attention_bias", false);
  c.mlp_bias = cfg.bool_or("mlp_bias", false);
  return c;
}

using Spec = plugin::LlamaPluginSpec<kName, kHeads, read_helium_config>;

} // namespace plinth::helium

PLINTH_DEFINE_ARCH_PLUGIN(plinth::helium::Spec)
