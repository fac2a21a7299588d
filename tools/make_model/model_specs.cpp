#include "model_specs.hpp"

#include <stdexcept>

namespace make_model {

bool apply_preset(const std::string &p, Shape &s) {
  if (s.arch == "mistral") {
    if (p == "tiny") s.hidden = 256, s.layers = 4, s.heads = 8, s.kv_heads = 2, s.intermediate = 704, s.vocab = 1000;
    else if (p == "0.85b") s.hidden = 2048, s.layers = 16, s.heads = 16, s.kv_heads = 4, s.intermediate = 5632, s.vocab = 32000;
    else if (p == "7b") s.hidden = 4096, s.layers = 32, s.heads = 32, s.kv_heads = 8, s.intermediate = 14336, s.vocab = 32000;
    else return false;
    return true;
  }
  if (s.arch == "esm") {
    if (p == "8m") s.hidden = 320, s.layers = 6, s.heads = 20, s.intermediate = 1280;
    else if (p == "650m") s.hidden = 1280, s.layers = 33, s.heads = 20, s.intermediate = 5120;
    else return false;
    s.kv_heads = s.heads, s.vocab = 33, s.max_positions = 1026;
    return true;
  }
  return false;
}

std::vector<std::string> preset_names(const std::string &arch) {
  if (arch == "mistral") return {"tiny", "0.85b", "7b"};
  if (arch == "esm") return {"8m", "650m"};
  return {};
}

nlohmann::json config_for(const Shape &s, const std::string &dtype) {
  if (s.arch == "mistral")
    return {{"architectures", {"MistralForCausalLM"}},
            {"model_type", "mistral"},
            {"hidden_size", s.hidden},
            {"intermediate_size", s.intermediate},
            {"num_hidden_layers", s.layers},
            {"num_attention_heads", s.heads},
            {"num_key_value_heads", s.kv_heads},
            {"head_dim", s.hidden / s.heads},
            {"hidden_act", "silu"},
            {"max_position_embeddings", s.max_positions},
            {"rms_norm_eps", 1e-5},
            {"rope_parameters", {{"rope_theta", 1e6}, {"rope_type", "default"}}},
            {"sliding_window", nullptr},
            {"tie_word_embeddings", false},
            {"vocab_size", s.vocab},
            {"bos_token_id", 1},
            {"eos_token_id", 2},
            {"dtype", dtype}};
  if (s.arch == "esm")
    return {{"architectures", {"EsmForMaskedLM"}},
            {"model_type", "esm"},
            {"hidden_size", s.hidden},
            {"intermediate_size", s.intermediate},
            {"num_hidden_layers", s.layers},
            {"num_attention_heads", s.heads},
            {"hidden_act", "gelu"},
            {"layer_norm_eps", 1e-5},
            {"max_position_embeddings", s.max_positions},
            {"position_embedding_type", "rotary"},
            {"emb_layer_norm_before", false},
            {"token_dropout", true},
            {"mask_token_id", 32},
            {"pad_token_id", 1},
            {"vocab_size", s.vocab},
            {"tie_word_embeddings", true},
            {"dtype", dtype}};
  throw std::runtime_error("unknown architecture " + s.arch);
}

std::vector<TensorSpec> tensors_for(const Shape &s) {
  std::vector<TensorSpec> t;
  const int64_t hd = s.hidden / s.heads;
  if (s.arch == "mistral") {
    t.push_back({"model.embed_tokens.weight", {s.vocab, s.hidden}});
    for (int64_t l = 0; l < s.layers; ++l) {
      const std::string p = "model.layers." + std::to_string(l) + ".";
      t.push_back({p + "input_layernorm.weight", {s.hidden}, true});
      t.push_back({p + "self_attn.q_proj.weight", {s.heads * hd, s.hidden}});
      t.push_back({p + "self_attn.k_proj.weight", {s.kv_heads * hd, s.hidden}});
      t.push_back({p + "self_attn.v_proj.weight", {s.kv_heads * hd, s.hidden}});
      t.push_back({p + "self_attn.o_proj.weight", {s.hidden, s.heads * hd}});
      t.push_back({p + "post_attention_layernorm.weight", {s.hidden}, true});
      t.push_back({p + "mlp.gate_proj.weight", {s.intermediate, s.hidden}});
      t.push_back({p + "mlp.up_proj.weight", {s.intermediate, s.hidden}});
      t.push_back({p + "mlp.down_proj.weight", {s.hidden, s.intermediate}});
    }
    t.push_back({"model.norm.weight", {s.hidden}, true});
    t.push_back({"lm_head.weight", {s.vocab, s.hidden}});
  } else if (s.arch == "esm") {
    t.push_back({"esm.embeddings.word_embeddings.weight", {s.vocab, s.hidden}});
    for (int64_t l = 0; l < s.layers; ++l) {
      const std::string p = "esm.encoder.layer." + std::to_string(l) + ".";
      for (const char *n : {"query", "key", "value"}) {
        t.push_back({p + "attention.self." + n + ".weight", {s.hidden, s.hidden}});
        t.push_back({p + "attention.self." + n + ".bias", {s.hidden}});
      }
      t.push_back({p + "attention.output.dense.weight", {s.hidden, s.hidden}});
      t.push_back({p + "attention.output.dense.bias", {s.hidden}});
      t.push_back({p + "attention.LayerNorm.weight", {s.hidden}, true});
      t.push_back({p + "attention.LayerNorm.bias", {s.hidden}});
      t.push_back({p + "intermediate.dense.weight", {s.intermediate, s.hidden}});
      t.push_back({p + "intermediate.dense.bias", {s.intermediate}});
      t.push_back({p + "output.dense.weight", {s.hidden, s.intermediate}});
      t.push_back({p + "output.dense.bias", {s.hidden}});
      t.push_back({p + "LayerNorm.weight", {s.hidden}, true});
      t.push_back({p + "LayerNorm.bias", {s.hidden}});
    }
    t.push_back({"esm.encoder.emb_layer_norm_after.weight", {s.hidden}, true});
    t.push_back({"esm.encoder.emb_layer_norm_after.bias", {s.hidden}});
    t.push_back({"lm_head.dense.weight", {s.hidden, s.hidden}});
    t.push_back({"lm_head.dense.bias", {s.hidden}});
    t.push_back({"lm_head.layer_norm.weight", {s.hidden}, true});
    t.push_back({"lm_head.layer_norm.bias", {s.hidden}});
    t.push_back({"lm_head.bias", {s.vocab}});
  }
  return t;
}

} // namespace make_model
