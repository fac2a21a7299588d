#include "gpt2_layers.hpp"

#include "error.hpp"

namespace plinth::gpt2 {

using plugin::fail;

Linear load_conv1d(const Loader &ld, const std::string &name) {
  const std::string wname = name + ".weight";
  plinth_host_tensor info{};
  int32_t dtype = PLINTH_DTYPE_F32;
  if (ld.env.host->weight_info(ld.env.model_host, wname.c_str(), &info) == PLINTH_OK &&
      (info.dtype == PLINTH_DTYPE_F16 || info.dtype == PLINTH_DTYPE_BF16))
    dtype = info.dtype;
  Tensor stored = ld.w.get(wname, dtype);
  if (stored.ndim() != 2)
    fail(PLINTH_ERR_FORMAT, "gpt2: '" + wname + "' should be a matrix [in, out]");
  Linear l;
  l.weight = ld.ops.permute(stored, {1, 0});
  l.bias = ld.w.opt(name + ".bias");
  if (l.bias && l.bias.numel() != l.weight.dim(0))
    fail(PLINTH_ERR_FORMAT, "gpt2: '" + name + ".bias' does not match its weight");
  return l;
}

plugin::CausalAttention load_attention(const Loader &ld, const std::string &prefix, int64_t n_heads,
                                       int64_t head_dim) {
  const plugin::Ops &ops = ld.ops;
  plugin::CausalAttention a;
  a.n_heads = n_heads;
  a.n_kv_heads = n_heads;
  a.head_dim = head_dim;
  const int64_t E = n_heads * head_dim;
  Linear fused = load_conv1d(ld, prefix + "c_attn");
  if (fused.weight.dim(0) != 3 * E || fused.weight.dim(1) != E)
    fail(PLINTH_ERR_FORMAT, "gpt2: '" + prefix + "c_attn.weight' should be [" + std::to_string(E) +
                                ", " + std::to_string(3 * E) + "]");
  // Rows [0, E) of the transposed matrix produce the query, [E, 2E) the key, [2E, 3E) the
  // value (c_attn(x).split(E, dim=2)); views keep them in one allocation.
  Linear *parts[3] = {&a.q, &a.k, &a.v};
  for (int64_t i = 0; i < 3; ++i) {
    parts[i]->weight = ops.view(fused.weight, {E, E}, i * E * E);
    if (fused.bias) parts[i]->bias = ops.view(fused.bias, {E}, i * E);
  }
  a.o = load_conv1d(ld, prefix + "c_proj");
  return a;
}

Gpt2Mlp Gpt2Mlp::load(const Loader &ld, const std::string &prefix) {
  Gpt2Mlp m;
  m.fc = load_conv1d(ld, prefix + "c_fc");
  m.proj = load_conv1d(ld, prefix + "c_proj");
  return m;
}

Tensor Gpt2Mlp::operator()(const plugin::Ops &ops, const Tensor &x) const {
  Tensor h = fc(ops, x);
  if (!identity) ops.unary_(act, h);
  return proj(ops, h);
}

} // namespace plinth::gpt2
