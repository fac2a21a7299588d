#include "mobilebert_model.hpp"

#include <cmath>

#include "error.hpp"
#include "first_token_heads.hpp"

namespace plinth::mobilebert {

using plugin::fail;
using plugin::Weights;

Tensor Norm::operator()(const plugin::Ops &ops, const Tensor &x) const {
  if (!no_norm) return ops.layer_norm(x, weight, bias, eps);
  // NoNorm: input * weight + bias, two elementwise ops as in the reference.
  Tensor y = ops.mul(x, weight);
  ops.add_(y, bias);
  return y;
}

namespace {

// The eps nn.LayerNorm uses when a module passes none: MobileBertEmbeddings and
// MobileBertOutput build their norm without config.layer_norm_eps.
constexpr float kTorchDefaultEps = 1e-5f;

Norm load_norm(const Weights &w, const std::string &name, bool no_norm, float eps, int64_t width) {
  Norm n;
  n.weight = w.first_of({name + ".weight", name + ".gamma"});
  n.bias = w.first_of({name + ".bias", name + ".beta"});
  n.no_norm = no_norm;
  n.eps = eps;
  if (n.weight.numel() != width || n.bias.numel() != width)
    fail(PLINTH_ERR_FORMAT, "mobilebert: '" + name + "' does not have " + std::to_string(width) +
                                " features as the config implies");
  return n;
}

} // namespace

Linear load_linear(const Weights &w, const std::string &name, int64_t in, int64_t out) {
  Linear l = Linear::load(w, name);
  if (l.weight.ndim() != 2 || l.weight.dim(0) != out || l.weight.dim(1) != in)
    fail(PLINTH_ERR_FORMAT, "mobilebert: '" + name + ".weight' has shape " +
                                plugin::shape_string(l.weight.shape()) + ", the config implies [" +
                                std::to_string(out) + ", " + std::to_string(in) + "]");
  return l;
}

MobileBertModel::MobileBertModel(const plinth_model_env &env)
    : ops_(env.ops, env.backend), head_(kHeads.parse(env.head)) {
  plugin::Config cfg(env.host, env.model_host);
  cfg_ = MobileBertConfig::read(cfg);
  Weights w(env.host, env.model_host);
  // MobileBertModel checkpoints keep the trunk at the top level, the task models under
  // "mobilebert.".
  const std::string p = w.prefix("embeddings.word_embeddings.weight", {"mobilebert.", ""});
  load_trunk(w, p);
  load_heads(w, p);
}

void MobileBertModel::load_trunk(const Weights &w, const std::string &p) {
  const MobileBertConfig &c = cfg_;
  const float eps = static_cast<float>(c.layer_norm_eps);
  const int64_t H = c.hidden_size;
  const int64_t TH = c.true_hidden_size;
  const int64_t IB = c.intra_bottleneck_size;

  word_embeddings_ = w.get(p + "embeddings.word_embeddings.weight");
  if (word_embeddings_.dim(0) != c.vocab_size || word_embeddings_.dim(1) != c.embedding_size)
    fail(PLINTH_ERR_FORMAT, "mobilebert: word_embeddings do not match vocab_size x embedding_size");
  position_embeddings_ = w.get(p + "embeddings.position_embeddings.weight");
  token_type_embeddings_ = w.get(p + "embeddings.token_type_embeddings.weight");
  if (position_embeddings_.dim(1) != H || token_type_embeddings_.dim(1) != H)
    fail(PLINTH_ERR_FORMAT, "mobilebert: position/token type embeddings must be hidden_size wide");
  if (c.trigram_input || c.embedding_size != H)
    embedding_transformation_ = load_linear(w, p + "embeddings.embedding_transformation",
                                            c.embedding_size * (c.trigram_input ? 3 : 1), H);
  embedding_norm_ = load_norm(w, p + "embeddings.LayerNorm", c.no_norm, kTorchDefaultEps, H);

  // The tensors feeding query/key and value (see layer_forward) decide their input widths.
  const bool bottleneck_qkv = c.use_bottleneck && c.use_bottleneck_attention;
  const bool shared_qk =
      c.use_bottleneck && !c.use_bottleneck_attention && c.key_query_shared_bottleneck;
  const int64_t qk_in = bottleneck_qkv || shared_qk ? IB : H;
  const int64_t v_in = bottleneck_qkv ? IB : H;

  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string lp = p + "encoder.layer." + std::to_string(i) + ".";
    MobileBertLayer l;
    if (c.use_bottleneck) {
      l.bottleneck_input.dense = load_linear(w, lp + "bottleneck.input.dense", H, IB);
      l.bottleneck_input.norm = load_norm(w, lp + "bottleneck.input.LayerNorm", c.no_norm, eps, IB);
      if (shared_qk) {
        l.bottleneck_attention.dense = load_linear(w, lp + "bottleneck.attention.dense", H, IB);
        l.bottleneck_attention.norm =
            load_norm(w, lp + "bottleneck.attention.LayerNorm", c.no_norm, eps, IB);
      }
    }
    l.query = load_linear(w, lp + "attention.self.query", qk_in, TH);
    l.key = load_linear(w, lp + "attention.self.key", qk_in, TH);
    l.value = load_linear(w, lp + "attention.self.value", v_in, TH);
    l.attn_out = load_linear(w, lp + "attention.output.dense", TH, TH);
    l.attn_norm = load_norm(w, lp + "attention.output.LayerNorm", c.no_norm, eps, TH);
    for (int64_t f = 0; f + 1 < c.num_feedforward_networks; ++f) {
      const std::string fp = lp + "ffn." + std::to_string(f) + ".";
      FeedForward ff;
      ff.intermediate = load_linear(w, fp + "intermediate.dense", TH, c.intermediate_size);
      ff.output = load_linear(w, fp + "output.dense", c.intermediate_size, TH);
      ff.norm = load_norm(w, fp + "output.LayerNorm", c.no_norm, eps, TH);
      l.ffn.push_back(std::move(ff));
    }
    l.intermediate = load_linear(w, lp + "intermediate.dense", TH, c.intermediate_size);
    l.output = load_linear(w, lp + "output.dense", c.intermediate_size, TH);
    l.output_norm = load_norm(w, lp + "output.LayerNorm", c.no_norm, kTorchDefaultEps, TH);
    if (c.use_bottleneck) {
      l.output_bottleneck.dense = load_linear(w, lp + "output.bottleneck.dense", TH, H);
      l.output_bottleneck.norm =
          load_norm(w, lp + "output.bottleneck.LayerNorm", c.no_norm, eps, H);
    }
    layers_.push_back(std::move(l));
  }
}

Tensor MobileBertModel::embed(const EncoderInputs &in) const {
  const int64_t R = in.rows;
  const int64_t T = in.T;
  const int64_t E = cfg_.embedding_size;
  Tensor e = ops_.get_rows(word_embeddings_, ops_.from_host({R, T}, in.ids));
  if (cfg_.trigram_input) {
    // [next token, this token, previous token] side by side, zero past either end of the row:
    // the kernel-3 convolution of the paper, done by embedding_transformation.
    Tensor tri = ops_.zeros({R, T, 3 * E});
    if (T > 1) {
      Tensor next = ops_.zeros({R, T, E});
      ops_.set_slice_(next, 1, 0, ops_.slice(e, 1, 1, T - 1));
      ops_.set_slice_(tri, 2, 0, next);
      Tensor prev = ops_.zeros({R, T, E});
      ops_.set_slice_(prev, 1, 1, ops_.slice(e, 1, 0, T - 1));
      ops_.set_slice_(tri, 2, 2 * E, prev);
    }
    ops_.set_slice_(tri, 2, E, e);
    e = tri;
  }
  if (embedding_transformation_.weight) e = embedding_transformation_(ops_, e);

  // Positions are 0..T-1 in every row (the position_ids buffer), padding or not.
  std::vector<int32_t> pos(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t)
    pos[static_cast<size_t>(t)] = static_cast<int32_t>(t);
  ops_.add_(e, ops_.get_rows(position_embeddings_, ops_.from_host({T}, pos)));
  ops_.add_(e, ops_.get_rows(token_type_embeddings_, ops_.from_host({R, T}, in.token_types)));
  return embedding_norm_(ops_, e);
}

Tensor MobileBertModel::layer_forward(const plugin::ForwardIO &io, const MobileBertLayer &l,
                                      const Tensor &h, const Tensor &mask, int64_t index) const {
  const int64_t R = h.dim(0);
  const int64_t T = h.dim(1);
  const int64_t NH = cfg_.num_heads;
  const int64_t D = cfg_.head_dim;

  // Bottleneck: which tensors feed query/key, value and the attention residual.
  Tensor qk_in = h, v_in = h, layer_input = h;
  if (cfg_.use_bottleneck) {
    layer_input = l.bottleneck_input.norm(ops_, l.bottleneck_input.dense(ops_, h));
    if (cfg_.use_bottleneck_attention) {
      qk_in = v_in = layer_input;
    } else if (cfg_.key_query_shared_bottleneck) {
      qk_in = l.bottleneck_attention.norm(ops_, l.bottleneck_attention.dense(ops_, h));
    }
  }

  Tensor q = ops_.view(l.query(ops_, qk_in), {R, T, NH, D});
  Tensor k = ops_.view(l.key(ops_, qk_in), {R, T, NH, D});
  Tensor v = ops_.view(l.value(ops_, v_in), {R, T, NH, D});
  plugin::AttentionOptions opts;
  opts.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  opts.key_mask = mask;
  const std::string an = "attentions." + std::to_string(index);
  const bool emit_probs = io.want(an);
  if (emit_probs) opts.probs = ops_.empty({R, NH, T, T});
  Tensor ctx = ops_.view(ops_.attention(q, k, v, opts), {R, T, NH * D});
  if (emit_probs) io.emit(an, opts.probs);

  // MobileBertSelfOutput: norm(dense(context) + layer_input).
  Tensor a = l.attn_out(ops_, ctx);
  ops_.add_(a, layer_input);
  a = l.attn_norm(ops_, a);

  // The extra feed-forward networks, each with its own residual and norm.
  for (const FeedForward &ff : l.ffn) {
    Tensor x = ff.intermediate(ops_, a);
    ops_.unary_(cfg_.hidden_act, x);
    Tensor y = ff.output(ops_, x);
    ops_.add_(y, a);
    a = ff.norm(ops_, y);
  }

  Tensor x = l.intermediate(ops_, a);
  ops_.unary_(cfg_.hidden_act, x);
  Tensor out = l.output(ops_, x);
  ops_.add_(out, a);
  out = l.output_norm(ops_, out);
  if (cfg_.use_bottleneck) {
    // OutputBottleneck: back to hidden_size, residual with the layer's input.
    Tensor y = l.output_bottleneck.dense(ops_, out);
    ops_.add_(y, h);
    out = l.output_bottleneck.norm(ops_, y);
  }
  return out;
}

Tensor MobileBertModel::encode(const plugin::ForwardIO &io, const EncoderInputs &in) const {
  Tensor h = embed(in);
  Tensor mask = ops_.from_host({in.rows, in.T}, in.mask);
  for (int64_t i = 0; i < cfg_.num_layers; ++i) {
    const std::string hs = "hidden_states." + std::to_string(i);
    if (io.want(hs)) io.emit(hs, h);
    h = layer_forward(io, layers_[static_cast<size_t>(i)], h, mask, i);
  }
  const std::string last = "hidden_states." + std::to_string(cfg_.num_layers);
  if (io.want(last)) io.emit(last, h);
  return h;
}

Tensor MobileBertModel::pool(const Tensor &h) const {
  // MobileBertPooler: the first token, through dense + tanh with classifier_activation.
  if (!pooler_.weight) return plugin::first_token(ops_, h);
  return plugin::tanh_pool(ops_, pooler_, h);
}

} // namespace plinth::mobilebert
