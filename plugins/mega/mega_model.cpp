#include "mega_model.hpp"

#include <cmath>
#include <optional>

#include "error.hpp"
#include "first_token_heads.hpp"

namespace plinth::mega {

using plugin::fail;
using plugin::Weights;

// ---------------------------------------------------------------- norms -----------------

namespace {
constexpr float kNormEps = 1e-5f; // MegaSequenceNorm's default, used for every norm type
}

void MegaNorm::load(const Ops &ops, const Weights &w, const std::string &prefix,
                    const MegaConfig &cfg) {
  kind_ = cfg.norm;
  const std::string p = prefix + "norm.";
  const bool affine = cfg.norm_affine;
  switch (kind_) {
  case NormKind::layernorm:
    if (affine) {
      weight_ = w.get(p + "weight");
      bias_ = w.get(p + "bias");
    }
    break;
  case NormKind::scalenorm:
    if (affine) scalar_ = w.get(p + "scalar", PLINTH_DTYPE_F32);
    break;
  case NormKind::rmsnorm:
    if (affine) weight_ = w.get(p + "weight", PLINTH_DTYPE_F32);
    break;
  case NormKind::batchnorm: {
    // Inference BatchNorm1d over the hidden channels, folded as torch folds it:
    // x * (weight / sqrt(var + eps)) + (bias - mean * that).
    const std::vector<float> mean = ops.read_f32(w.get(p + "running_mean", PLINTH_DTYPE_F32));
    const std::vector<float> var = ops.read_f32(w.get(p + "running_var", PLINTH_DTYPE_F32));
    const size_t H = mean.size();
    std::vector<float> gain(H, 1.0f), shift(H, 0.0f);
    if (affine) {
      gain = ops.read_f32(w.get(p + "weight", PLINTH_DTYPE_F32));
      shift = ops.read_f32(w.get(p + "bias", PLINTH_DTYPE_F32));
    }
    if (var.size() != H || gain.size() != H || shift.size() != H ||
        static_cast<int64_t>(H) != cfg.hidden_size)
      fail(PLINTH_ERR_FORMAT, "mega: batch norm statistics under '" + p + "' have wrong sizes");
    for (size_t i = 0; i < H; ++i) {
      const float a = gain[i] / std::sqrt(var[i] + kNormEps);
      gain[i] = a;
      shift[i] = shift[i] - mean[i] * a;
    }
    weight_ = ops.from_host({static_cast<int64_t>(H)}, gain);
    bias_ = ops.from_host({static_cast<int64_t>(H)}, shift);
    break;
  }
  }
}

Tensor MegaNorm::operator()(const Ops &ops, const Tensor &x) const {
  switch (kind_) {
  case NormKind::layernorm: return ops.layer_norm(x, weight_, bias_, kNormEps);
  case NormKind::scalenorm: {
    Tensor y = ops.rms_norm(x, {}, kNormEps);
    if (scalar_) ops.mul_(y, scalar_);
    return y;
  }
  case NormKind::rmsnorm:
    // MegaRMSNorm.forward discards its normalised value and returns input * weight.
    return weight_ ? ops.mul(x, weight_) : ops.copy(x);
  case NormKind::batchnorm: {
    Tensor y = ops.mul(x, weight_);
    ops.add_(y, bias_);
    return y;
  }
  }
  return x;
}

// ---------------------------------------------------------------- model -----------------

MegaModel::MegaModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = MegaConfig::read(cfg);
  Weights w(env.host, env.model_host);

  // MegaModel checkpoints keep the trunk at the top level, the task models under "mega.".
  const std::string p = w.prefix("embedding_layer.word_embeddings.weight", {"mega.", ""});
  word_embeddings_ = w.get(p + "embedding_layer.word_embeddings.weight");
  if (cfg_.add_token_type_embeddings)
    token_type_embeddings_ = w.get(p + "embedding_layer.token_type_embeddings.weight");

  const int64_t H = cfg_.hidden_size, Z = cfg_.shared_size, I = cfg_.intermediate_size;
  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string lp = p + "layers." + std::to_string(i) + ".";
    const std::string mp = lp + "mega_layer.";
    MegaLayer l;
    l.norm.load(ops_, w, mp + "norm.", cfg_);
    l.ema.load(ops_, w, mp + "ema_gate.", cfg_);
    l.v_proj = Linear::load(w, mp + "v_proj");
    l.mx_proj = Linear::load(w, mp + "mx_proj");
    l.h_proj = Linear::load(w, mp + "h_proj");
    if (l.v_proj.out_features() != I || l.mx_proj.out_features() != Z + I + 2 * H ||
        l.h_proj.out_features() != H)
      fail(PLINTH_ERR_FORMAT, "mega: projections under '" + mp +
                                  "' do not match hidden_size / intermediate_size / "
                                  "shared_representation_size");
    // [2, Z] matrices, which the core would load in the weight dtype: the elementwise ops
    // need them in f32.
    Tensor qk_w = w.get(mp + "qk_weight", PLINTH_DTYPE_F32);
    Tensor qk_b = w.get(mp + "qk_bias", PLINTH_DTYPE_F32);
    if (qk_w.numel() != 2 * Z || qk_b.numel() != 2 * Z)
      fail(PLINTH_ERR_FORMAT,
           "mega: '" + mp + "qk_weight' / 'qk_bias' should be [2, " + std::to_string(Z) + "]");
    l.q_weight = ops_.view(qk_w, {Z}, 0);
    l.k_weight = ops_.view(qk_w, {Z}, Z);
    l.q_bias = ops_.view(qk_b, {Z}, 0);
    l.k_bias = ops_.view(qk_b, {Z}, Z);
    l.attention.load(ops_, w, mp, cfg_);
    l.has_nffn = cfg_.use_normalized_ffn;
    if (l.has_nffn) {
      l.ffn_norm.load(ops_, w, lp + "nffn.norm.", cfg_);
      l.fc1 = Linear::load(w, lp + "nffn.fc1");
      l.fc2 = Linear::load(w, lp + "nffn.fc2");
    }
    layers_.push_back(std::move(l));
  }

  switch (head_) {
  case Head::base:
    if (w.has(p + "pooler.dense.weight")) pooler_ = Linear::load(w, p + "pooler.dense");
    break;
  case Head::masked_lm:
  case Head::causal_lm: {
    const std::string name = head_ == Head::masked_lm ? "mlm_head" : "lm_head";
    if (cfg_.add_lm_hidden_dense_layer) lm_dense_ = Linear::load(w, "dense");
    // The head's weight is tied to the word embeddings (transformers re-ties it after
    // loading) unless the config unties it.
    lm_weight_ = !cfg_.tie_word_embeddings && w.has(name + ".weight") ? w.get(name + ".weight")
                                                                      : word_embeddings_;
    lm_bias_ = w.opt(name + ".bias");
    break;
  }
  case Head::seq_cls:
    cls_dense_ = Linear::load(w, "classifier.dense");
    cls_out_ = Linear::load(w, "classifier.out_proj");
    break;
  case Head::tok_cls: cls_out_ = Linear::load(w, "classifier"); break;
  case Head::qa: qa_outputs_ = Linear::load(w, "qa_outputs"); break;
  case Head::multiple_choice:
    pooler_ = Linear::load(w, p + "pooler.dense");
    cls_out_ = Linear::load(w, "classifier");
    break;
  }
}

Tensor MegaModel::embed(const Tensor &ids, const Tensor &token_types) const {
  Tensor e = ops_.get_rows(word_embeddings_, ids);
  // Without token_type_ids transformers uses its all-zero buffer.
  if (token_type_embeddings_) {
    Tensor tt = token_types;
    if (!tt) tt = ops_.zeros(ids.shape(), PLINTH_DTYPE_I32);
    ops_.add_(e, ops_.get_rows(token_type_embeddings_, tt));
  }
  return e;
}

Tensor MegaModel::mega_input(const MegaLayer &l, const Tensor &h) const {
  return cfg_.normalize_before_mega ? l.norm(ops_, h) : h;
}

Projected MegaModel::project(const MegaLayer &l, const Tensor &x, const Tensor &ema_out) const {
  const int64_t H = cfg_.hidden_size, Z = cfg_.shared_size, I = cfg_.intermediate_size;
  Projected p;
  p.value = l.v_proj(ops_, x);
  ops_.unary_(cfg_.activation, p.value);
  // mx_proj splits into [H | Z + I | H]: residual gate, (query/key | attention gate), and
  // the intermediate state.
  Tensor base = l.mx_proj(ops_, ema_out);
  p.residual_gate = ops_.slice(base, -1, 0, H);
  ops_.unary_(PLINTH_UNARY_SIGMOID, p.residual_gate);
  Tensor qk_gates = ops_.slice(base, -1, H, Z + I);
  ops_.unary_(PLINTH_UNARY_SILU, qk_gates);
  p.intermediate = ops_.slice(base, -1, H + Z + I, H);
  Tensor shared = ops_.slice(qk_gates, -1, 0, Z);
  p.attn_gate = ops_.slice(qk_gates, -1, Z, I);
  p.query = ops_.mul(shared, l.q_weight);
  ops_.add_(p.query, l.q_bias);
  p.key = ops_.mul(shared, l.k_weight);
  ops_.add_(p.key, l.k_bias);
  return p;
}

Tensor MegaModel::finish(const MegaLayer &l, const Tensor &h, const Projected &p,
                         const Tensor &attn) const {
  // activation(intermediate + h_proj(attn * attention_gate))
  Tensor gated = ops_.mul(attn, p.attn_gate);
  Tensor w = l.h_proj(ops_, gated);
  ops_.add_(w, p.intermediate);
  ops_.unary_(cfg_.activation, w);
  // addcmul(residual, residual_gate, w - residual)
  ops_.binary_(PLINTH_BINARY_SUB, w, h);
  ops_.mul_(w, p.residual_gate);
  ops_.add_(w, h);
  Tensor out = cfg_.normalize_before_mega ? w : l.norm(ops_, w);
  if (!l.has_nffn) return out;

  // MegaNormalizedFeedForwardNetwork
  Tensor x = cfg_.normalize_before_ffn ? l.ffn_norm(ops_, out) : out;
  Tensor hidden = l.fc1(ops_, x);
  ops_.unary_(cfg_.activation, hidden);
  Tensor y = l.fc2(ops_, hidden);
  ops_.add_(y, out);
  return cfg_.normalize_before_ffn ? y : l.ffn_norm(ops_, y);
}

Tensor MegaModel::attend_full(const MegaLayer &l, const Projected &p,
                              const std::vector<int32_t> &mask, bool mask_given) const {
  const int64_t B = p.query.dim(0), T = p.query.dim(1);
  const int64_t Z = cfg_.shared_size, I = cfg_.intermediate_size;
  // Chunking splits the sequence into independent chunks of chunk_size (a shorter sequence
  // is one chunk); transformers can only reshape lengths that are multiples of it.
  int64_t L = T;
  if (cfg_.use_chunking && T >= cfg_.chunk_size) {
    if (T % cfg_.chunk_size != 0)
      fail(PLINTH_ERR_INVALID_ARGUMENT,
           "mega: use_chunking needs a sequence length shorter than or a multiple of chunk_size "
           "(got " +
               std::to_string(T) + " with chunk_size " + std::to_string(cfg_.chunk_size) + ")");
    L = cfg_.chunk_size;
  }
  const int64_t G = B * (T / L);
  std::vector<int32_t> key_mask;
  if (mask_given) key_mask = mask; // [B, T] is [G, L] row-major
  Tensor out = l.attention(ops_, ops_.view(p.query, {G, L, Z}), ops_.view(p.key, {G, L, Z}),
                           ops_.view(p.value, {G, L, I}), 0, key_mask, cfg_.is_decoder);
  return ops_.view(out, {B, T, I});
}

Tensor MegaModel::encode(const plugin::ForwardIO &io, const plugin::IntInput &ids,
                         const std::vector<int32_t> &mask, bool mask_given,
                         const plugin::IntInput *token_types) const {
  const int64_t B = ids.shape[0], T = ids.shape[1];
  Tensor tt;
  if (token_types != nullptr) tt = ops_.from_host({B, T}, token_types->data);
  Tensor h = embed(ops_.from_host({B, T}, ids.data), tt);
  if (io.want("hidden_states.0")) io.emit("hidden_states.0", h);

  Tensor ema_mask;
  if (mask_given) {
    std::vector<float> m(mask.begin(), mask.end());
    ema_mask = ops_.from_host({B, T, 1}, m);
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    const MegaLayer &l = layers_[i];
    Tensor x = mega_input(l, h);
    Projected p = project(l, x, l.ema.forward(ops_, x, ema_mask));
    h = finish(l, h, p, attend_full(l, p, mask, mask_given));
    const std::string name = "hidden_states." + std::to_string(i + 1);
    if (io.want(name)) io.emit(name, h);
  }
  return h;
}

Tensor MegaModel::lm_logits(const Tensor &h) const {
  Tensor x = h;
  if (lm_dense_.weight) {
    x = lm_dense_(ops_, h);
    ops_.unary_(PLINTH_UNARY_TANH, x);
  }
  return ops_.linear(x, lm_weight_, lm_bias_);
}

void MegaModel::forward(const plugin::ForwardIO &io) const {
  plugin::IntInput ids = io.require_ints("input_ids");
  const bool choices = head_ == Head::multiple_choice;
  if (ids.shape.size() != (choices ? 3u : 2u))
    fail(PLINTH_ERR_INVALID_ARGUMENT, choices ? "mega: input_ids must be [batch, choices, seq]"
                                              : "mega: input_ids must be [batch, seq]");
  const plugin::Shape given = ids.shape;
  // Multiple choice runs the trunk on [batch * choices, seq].
  if (choices) ids.shape = {given[0] * given[1], given[2]};
  const int64_t B = ids.shape[0], T = ids.shape[1];
  if (T <= 0) fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: empty input");

  std::vector<int32_t> mask(static_cast<size_t>(B * T), 1);
  bool mask_given = false;
  if (auto m = io.ints("attention_mask")) {
    if (m->shape != given)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: attention_mask must match input_ids");
    mask = m->data;
    mask_given = true;
  }
  std::optional<plugin::IntInput> tt = io.ints("token_type_ids");
  if (tt) {
    if (tt->shape != given)
      fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: token_type_ids must match input_ids");
    tt->shape = ids.shape;
  }
  // Token types only matter with add_token_type_embeddings; otherwise they are ignored, as
  // MegaEmbeddings ignores them.
  const plugin::IntInput *types = tt && token_type_embeddings_ ? &*tt : nullptr;

  Tensor h = encode(io, ids, mask, mask_given, types);
  switch (head_) {
  case Head::base:
    io.emit("last_hidden_state", h);
    if (pooler_.weight) io.emit("pooler_output", plugin::tanh_pool(ops_, pooler_, h));
    break;
  case Head::masked_lm:
  case Head::causal_lm: io.emit("logits", lm_logits(h)); break;
  case Head::seq_cls:
    // MegaClassificationHead on the first token
    io.emit("logits", plugin::first_token_classify(ops_, cls_dense_, cls_out_, h));
    break;
  case Head::tok_cls: io.emit("logits", cls_out_(ops_, h)); break;
  case Head::qa: {
    Tensor logits = qa_outputs_(ops_, h); // [B, T, 2]
    if (logits.dim(2) != 2)
      fail(PLINTH_ERR_FORMAT, "mega: qa_outputs must have 2 outputs (start, end)");
    io.emit("start_logits", ops_.view(ops_.slice(logits, 2, 0, 1), {B, T}));
    io.emit("end_logits", ops_.view(ops_.slice(logits, 2, 1, 1), {B, T}));
    break;
  }
  case Head::multiple_choice: {
    Tensor logits = cls_out_(ops_, plugin::tanh_pool(ops_, pooler_, h)); // [B * C, 1]
    io.emit("logits", ops_.view(logits, {given[0], given[1]}));
    break;
  }
  }
}

} // namespace plinth::mega
