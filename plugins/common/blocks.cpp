#include "blocks.hpp"

#include "error.hpp"

namespace plinth::plugin {

namespace {

struct NamedUnary {
  const char *name;
  int32_t op;
};

// ACT2FN names and their unary ops, in the order the error message lists them.
constexpr NamedUnary kActivations[] = {
    {"silu", PLINTH_UNARY_SILU},
    {"swish", PLINTH_UNARY_SILU},
    {"gelu", PLINTH_UNARY_GELU},
    // transformers' tanh approximations (gelu_fast is the same formula, factored differently)
    {"gelu_new", PLINTH_UNARY_GELU_TANH},
    {"gelu_pytorch_tanh", PLINTH_UNARY_GELU_TANH},
    {"gelu_fast", PLINTH_UNARY_GELU_TANH},
    {"relu", PLINTH_UNARY_RELU},
    {"relu2", PLINTH_UNARY_RELU2},
    {"quick_gelu", PLINTH_UNARY_QUICK_GELU},
    {"tanh", PLINTH_UNARY_TANH},
    {"sigmoid", PLINTH_UNARY_SIGMOID},
};

} // namespace

int32_t activation_from_name(const std::string &name, const std::string &option,
                             std::initializer_list<const char *> handled_by_caller) {
  for (const NamedUnary &a : kActivations)
    if (name == a.name) return a.op;
  std::string list;
  for (const char *s : handled_by_caller)
    list += (list.empty() ? "'" : ", '") + std::string(s) + "'";
  for (const NamedUnary &a : kActivations)
    list += (list.empty() ? "'" : ", '") + std::string(a.name) + "'";
  fail(PLINTH_ERR_UNSUPPORTED,
       "config.json: " + option + " = '" + name + "' is not supported (supported: " + list + ")");
}

Linear Linear::load(const Weights &w, const std::string &name) {
  Linear l;
  l.weight = w.get(name + ".weight");
  l.bias = w.opt(name + ".bias");
  return l;
}

LayerNorm LayerNorm::load(const Weights &w, const std::string &name) {
  return {w.first_of({name + ".weight", name + ".gamma"}),
          w.first_of({name + ".bias", name + ".beta"})};
}

GatedMlp GatedMlp::load(const Weights &w, const std::string &prefix, int32_t act) {
  GatedMlp m;
  m.gate = Linear::load(w, prefix + "gate_proj");
  m.up = Linear::load(w, prefix + "up_proj");
  m.down = Linear::load(w, prefix + "down_proj");
  m.act = act;
  return m;
}

Tensor GatedMlp::operator()(const Ops &ops, const Tensor &x) const {
  Tensor g = gate(ops, x);
  ops.unary_(act, g);
  ops.mul_(g, up(ops, x));
  return down(ops, g);
}

Tensor attend_cached(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                     const KvCache &cache, int64_t past, AttentionOptions opts) {
  if (cache.past_dev) {
    // Positions from the backend: kv_len stays 0, i.e. bounded by the whole cache.
    ops.set_slice_dev_(cache.k, 1, cache.past_dev, k);
    ops.set_slice_dev_(cache.v, 1, cache.past_dev, v);
    opts.kv_len_dev = cache.end_dev;
    opts.q_offset_dev = cache.past_dev;
    opts.kv_len = 0;
    opts.q_offset = past;
  } else {
    ops.set_slice_(cache.k, 1, past, k);
    ops.set_slice_(cache.v, 1, past, v);
    opts.kv_len = past + q.dim(1);
    opts.q_offset = past;
  }
  return ops.attention(q, cache.k, cache.v, opts);
}

RotaryAttention RotaryAttention::load(const Weights &w, const std::string &prefix, int64_t n_heads,
                                      int64_t n_kv_heads, int64_t head_dim) {
  RotaryAttention a;
  a.q = Linear::load(w, prefix + "q_proj");
  a.k = Linear::load(w, prefix + "k_proj");
  a.v = Linear::load(w, prefix + "v_proj");
  a.o = Linear::load(w, prefix + "o_proj");
  a.n_heads = n_heads;
  a.n_kv_heads = n_kv_heads;
  a.head_dim = head_dim;
  if (n_kv_heads <= 0 || n_heads % n_kv_heads != 0)
    fail(PLINTH_ERR_FORMAT, "config.json: num_attention_heads (" + std::to_string(n_heads) +
                                ") must be a multiple of num_key_value_heads (" +
                                std::to_string(n_kv_heads) + ")");
  if (a.q.out_features() != n_heads * head_dim || a.k.out_features() != n_kv_heads * head_dim ||
      a.v.out_features() != n_kv_heads * head_dim)
    fail(PLINTH_ERR_FORMAT,
         "attention weights under '" + prefix + "' do not match the configured heads and head_dim");
  return a;
}

Tensor CausalAttention::attend(const Ops &ops, const Tensor &x, const Tensor *positions,
                               const RopeOptions *rope, const Tensor &key_mask,
                               const KvCache *cache, int64_t past) const {
  const int64_t B = x.dim(0);
  const int64_t T = x.dim(1);
  Tensor qh = ops.view(q(ops, x), {B, T, n_heads, head_dim});
  Tensor kh = ops.view(k(ops, x), {B, T, n_kv_heads, head_dim});
  Tensor vh = ops.view(v(ops, x), {B, T, n_kv_heads, head_dim});
  if (rope != nullptr) {
    ops.rope_(qh, *positions, *rope);
    ops.rope_(kh, *positions, *rope);
  }

  AttentionOptions opts;
  opts.scale = scale;
  opts.causal = true;
  opts.window = window;
  opts.key_mask = key_mask;
  Tensor out;
  if (cache != nullptr) {
    out = attend_cached(ops, qh, kh, vh, *cache, past, opts);
  } else {
    out = ops.attention(qh, kh, vh, opts);
  }
  return o(ops, ops.view(out, {B, T, n_heads * head_dim}));
}

} // namespace plinth::plugin
