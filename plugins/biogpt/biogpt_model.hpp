// The BioGPT decoder (BioGptModel) and its heads, built from backend ops.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "biogpt_config.hpp"
#include "biogpt_layers.hpp"
#include "decode_session.hpp"
#include "forward_io.hpp"
#include "head_table.hpp"

namespace plinth::biogpt {

enum class Head { base, causal_lm, seq_cls, tok_cls };

// The heads served, in the order the C API lists them, and the transformers classes each serves;
// an empty head name means causal_lm.
inline constexpr plugin::HeadTable kHeads{
    "biogpt",
    Head::causal_lm,
    {
        {Head::base, "base", {"BioGptModel"}},
        {Head::causal_lm, "causal_lm", {"BioGptForCausalLM"}},
        {Head::seq_cls, "seq_cls", {"BioGptForSequenceClassification"}},
        {Head::tok_cls, "tok_cls", {"BioGptForTokenClassification"}},
    }};

struct BioGptLayer {
  LayerNorm attn_norm; // self_attn_layer_norm (pre-LN)
  plugin::CausalAttention attn;
  LayerNorm ffn_norm; // final_layer_norm (pre-LN before fc1)
  BioGptMlp mlp;
};

class BioGptModel {
public:
  explicit BioGptModel(const plinth_model_env &env);

  const BioGptConfig &config() const { return cfg_; }
  const plugin::Ops &ops() const { return ops_; }
  bool can_generate() const { return head_ == Head::causal_lm; }

  void forward(const plugin::ForwardIO &io) const;

  // Scaled token embeddings plus learned positions, then every layer. table_rows [B, T] i32
  // on the backend are the rows of the position table: position + kPositionOffset, checked
  // by check_positions() on the host positions first. `on_hidden(i, h)` sees the embeddings
  // (i = 0) and each layer's output but the last (i = 1 .. L-1); the caller applies the final
  // layer norm. With caches, new keys/values go to slot `past`.
  using HiddenFn = std::function<void(int64_t, const Tensor &)>;
  void check_positions(const std::vector<int32_t> &pos) const;
  Tensor trunk(const Tensor &ids, const Tensor &table_rows, const Tensor &key_mask,
               const std::vector<plugin::KvCache> *caches, int64_t past,
               const HiddenFn &on_hidden) const;
  Tensor final_norm(const Tensor &h) const;
  Tensor lm_logits(const Tensor &h) const { return ops_.linear(h, lm_head_); }

  // What plugin::DecoderSession needs. The trunk takes rows of the position table:
  // generate()'s positions + 2.
  plugin::KvGeometry kv_geometry() const {
    return {"biogpt", std::vector<int64_t>(static_cast<size_t>(cfg_.num_layers), cfg_.num_heads),
            cfg_.head_dim, cfg_.vocab_size, BioGptConfig::kPositionOffset};
  }
  void check_step(const plugin::DecodeStep &s) const { check_positions(s.positions); }
  Tensor decode_trunk(const plugin::DecodeStep &s) const {
    return trunk(s.ids_t, s.positions_t, s.key_mask, s.caches, s.past, nullptr);
  }

private:
  plugin::Ops ops_;
  BioGptConfig cfg_;
  Head head_;
  Tensor embed_tokens_;
  Tensor embed_positions_;
  LayerNorm final_norm_;
  Tensor lm_head_; // output_projection
  Linear score_;   // seq_cls "score", tok_cls "classifier"
  std::vector<BioGptLayer> layers_;
};

} // namespace plinth::biogpt
