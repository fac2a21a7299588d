// The Llama family of decoders (Mistral, Mixtral, Helium, and any family built the same way):
// token embeddings, then pre-norm layers of RMSNorm + rotary grouped-query attention and
// RMSNorm + a gated MLP or a sparse mixture of experts, a final RMSNorm and the heads. The
// families differ only in what LlamaConfig holds: their config.json defaults, the rotary
// layout, the sliding window, the biases and the experts. A family plugin reads its config into
// a LlamaConfig (LlamaConfig::read with its class defaults) and states its heads; everything
// else is here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "blocks.hpp"
#include "config.hpp"
#include "decode_session.hpp"
#include "forward_io.hpp"
#include "ops.hpp"
#include "rope.hpp"
#include "sparse_moe.hpp"

namespace plinth::plugin {

// The heads a Llama-family plugin may serve (each family's HeadTable lists its own).
enum class DecoderHead { base, causal_lm, seq_cls, tok_cls, qa };

// The member defaults are MistralConfig's class defaults; other families start from them and
// set their own.
struct LlamaConfig {
  int64_t vocab_size = 32000;
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 14336;
  int64_t num_layers = 32;
  int64_t num_heads = 32;
  int64_t num_kv_heads = 8;
  int64_t head_dim = 0; // 0: hidden_size / num_heads
  int64_t max_positions = 4096 * 32;
  int64_t num_labels = 2;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;      // the class default when the file names none
  int32_t sliding_window = 4096;    // 0: none
  bool reads_sliding_window = true; // whether the family's config has the key at all
  int32_t hidden_act = PLINTH_UNARY_SILU;
  std::optional<int64_t> pad_token_id;
  bool tie_word_embeddings = false;
  bool attention_bias = false; // q/k/v projections (o_proj never has one in these families)
  bool mlp_bias = false;
  bool rotate_half = true; // false: adjacent pairs are rotated (GPT-J layout, Helium)
  int64_t num_experts = 0; // 0: a dense gated MLP per layer; else a sparse MoE block
  int64_t experts_per_token = 0;
  RopeSpec rope;

  // The keys every family shares, each taking the value in `defaults` (the family's class
  // defaults) when absent. Null keys mean what transformers makes of them: num_key_value_heads
  // one per attention head, head_dim hidden_size / heads, sliding_window and pad_token_id none.
  // The family reads its own keys (biases, experts) after.
  static LlamaConfig read(const Config &cfg, const LlamaConfig &defaults);
  // Checks that hold for every family (geometry, experts), after the family's reads.
  void validate() const;
};

// One decoder layer.
struct LlamaLayer {
  Tensor input_norm;
  Tensor post_attention_norm;
  RotaryAttention attn;
  GatedMlp mlp;  // dense layers
  SparseMoe moe; // mixture-of-experts layers (LlamaConfig::num_experts > 0)
};

class LlamaDecoder {
public:
  // label: the family's name in error messages ("mistral: ...").
  LlamaDecoder(const plinth_model_env &env, std::string label, LlamaConfig cfg, DecoderHead head);

  const LlamaConfig &config() const { return cfg_; }
  const Ops &ops() const { return ops_; }
  const std::string &label() const { return label_; }
  bool can_generate() const { return head_ == DecoderHead::causal_lm; }

  void forward(const ForwardIO &io) const;

  // Embeddings, then every layer. `on_hidden(i, h)` sees the embeddings (i = 0) and each
  // layer's output but the last; the caller applies the final norm. `want_router(i)` asks for
  // layer i's router logits (MoE layers), handed to `on_router(i, logits)`. With caches, new
  // keys/values go to slot `past` of each layer's cache.
  using HiddenFn = std::function<void(int64_t, const Tensor &)>;
  using WantFn = std::function<bool(int64_t)>;
  Tensor trunk(const Tensor &ids, const Tensor &positions, const Tensor &key_mask,
               const std::vector<KvCache> *caches, int64_t past, const HiddenFn &on_hidden,
               const WantFn &want_router = {}, const HiddenFn &on_router = {}) const;
  Tensor final_norm(const Tensor &h) const;
  Tensor lm_logits(const Tensor &h) const { return ops_.linear(h, lm_head_); }

  // What DecoderSession needs (decode_session.hpp).
  KvGeometry kv_geometry() const;
  Tensor decode_trunk(const DecodeStep &s) const {
    return trunk(s.ids_t, s.positions_t, s.key_mask, s.caches, s.past, nullptr);
  }

private:
  Ops ops_;
  std::string label_;
  LlamaConfig cfg_;
  DecoderHead head_;
  Tensor embed_;
  Tensor norm_;
  Tensor lm_head_;
  Linear score_; // seq_cls / tok_cls "score", qa "qa_outputs"
  RopeOptions rope_;
  std::vector<LlamaLayer> layers_;
};

// The whole ArchEdge Spec of a Llama-family plugin (arch_edge.hpp): its name (also its
// model_type and error label), its head table and its config reader.
template <const char *Name, const auto &Heads, LlamaConfig (*Read)(const Config &)>
struct LlamaPluginSpec {
  class Model : public LlamaDecoder {
  public:
    explicit Model(const plinth_model_env &env)
        : LlamaDecoder(env, Name, Read(Config(env.host, env.model_host)), Heads.parse(env.head)) {}
  };
  using Session = DecoderSession<Model>;
  static constexpr const char *name = Name;
  static constexpr const char *label = Name;
  static constexpr const char *model_type = Name;
  static constexpr const char *version = "0.1.0";
  static constexpr const auto &head_table = Heads;
};

} // namespace plinth::plugin
