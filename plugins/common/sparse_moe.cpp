#include "sparse_moe.hpp"

#include <vector>

#include "error.hpp"

namespace plinth::plugin {

namespace {

void expect_shape(const Tensor &t, const Shape &want, const std::string &name) {
  if (t.shape() != want)
    fail(PLINTH_ERR_FORMAT, "weight '" + name + "' has shape " + shape_string(t.shape()) +
                                ", expected " + shape_string(want) + " from config.json");
}

// Copies the per-expert matrices into one [E, rows_per_expert * parts, cols] tensor (in the
// dtype they were loaded in), part p of expert e at rows (e * parts + p) * rows_per_expert.
Tensor stack_experts(const Ops &ops, const Weights &w, const std::string &prefix,
                     int64_t num_experts, std::initializer_list<const char *> parts, int64_t rows,
                     int64_t cols) {
  Tensor stacked;
  Tensor flat;
  const int64_t n_parts = static_cast<int64_t>(parts.size());
  for (int64_t e = 0; e < num_experts; ++e) {
    int64_t p = 0;
    for (const char *part : parts) {
      const std::string name = prefix + std::to_string(e) + "." + part + ".weight";
      Tensor m = w.get(name);
      expect_shape(m, {rows, cols}, name);
      if (!stacked) {
        stacked = ops.empty({num_experts, n_parts * rows, cols}, m.dtype());
        flat = ops.view(stacked, {num_experts * n_parts * rows, cols});
      }
      if (m.dtype() != stacked.dtype()) m = ops.copy(m, stacked.dtype());
      ops.set_slice_(flat, 0, (e * n_parts + p) * rows, m);
      ++p;
    }
  }
  return stacked;
}

} // namespace

SparseMoe SparseMoe::load(const Ops &ops, const Weights &w, const std::string &layer_prefix,
                          int64_t num_experts, int64_t top_k, int64_t hidden, int64_t intermediate,
                          int32_t act) {
  SparseMoe m;
  m.num_experts = num_experts;
  m.top_k = top_k;
  m.intermediate = intermediate;
  m.act = act;
  const std::string fused = layer_prefix + "mlp.";
  const std::string legacy = layer_prefix + "block_sparse_moe.";
  if (w.has(fused + "experts.gate_up_proj")) {
    m.router = Linear::load(w, fused + "gate");
    m.gate_up = w.get(fused + "experts.gate_up_proj");
    m.down = w.get(fused + "experts.down_proj");
    expect_shape(m.gate_up, {num_experts, 2 * intermediate, hidden},
                 fused + "experts.gate_up_proj");
    expect_shape(m.down, {num_experts, hidden, intermediate}, fused + "experts.down_proj");
  } else {
    m.router = Linear::load(w, legacy + "gate");
    // w1 = gate, w3 = up, w2 = down (MixtralBlockSparseTop2MLP: w2(act(w1 x) * w3 x)).
    m.gate_up =
        stack_experts(ops, w, legacy + "experts.", num_experts, {"w1", "w3"}, intermediate, hidden);
    m.down = stack_experts(ops, w, legacy + "experts.", num_experts, {"w2"}, hidden, intermediate);
  }
  // The router is a bias-free nn.Linear in every transformers version.
  m.router.bias = Tensor();
  expect_shape(m.router.weight, {num_experts, hidden}, layer_prefix + "...gate.weight");
  return m;
}

Tensor SparseMoe::operator()(const Ops &ops, const Tensor &x, Tensor *router_logits) const {
  const Shape shape = x.shape();
  const int64_t H = shape.back();
  const int64_t M = x.numel() / H;
  const int64_t K = top_k;
  Tensor rows = ops.view(x, {M, H});

  Tensor logits = router(ops, rows); // [M, E]
  if (router_logits != nullptr) *router_logits = logits;
  // MixtralTopKRouter: softmax over all experts in float32, top-k of the probabilities, then
  // the chosen k renormalised to sum to one (always, Mixtral has no norm_topk_prob switch).
  Tensor probs = ops.softmax(logits);
  TopK top = ops.topk(probs, static_cast<int32_t>(K));
  Tensor weights =
      ops.binary(PLINTH_BINARY_DIV, top.values, ops.reduce(PLINTH_REDUCE_SUM, top.values));

  // One row per (token, choice): token m's input repeated K times, routed to expert
  // indices[m, j]. Repeated by broadcasting onto zeros (exact: 0 + x = x), so the step needs
  // no host upload and can be recorded (KvSession).
  Tensor xr = ops.zeros({M, K, H});
  ops.add_(xr, ops.view(rows, {M, 1, H}));
  xr = ops.view(xr, {M * K, H});
  Tensor ids = ops.view(top.indices, {M * K});

  Tensor gu = ops.linear_indexed(xr, gate_up, ids); // [M*K, 2I]
  Tensor g = ops.slice(gu, 1, 0, intermediate);
  Tensor u = ops.slice(gu, 1, intermediate, intermediate);
  ops.unary_(act, g);
  ops.mul_(g, u);
  Tensor y = ops.linear_indexed(g, down, ids); // [M*K, H]

  // Weight each expert's output, then sum a token's K outputs.
  Tensor y3 = ops.view(y, {M, K, H});
  ops.mul_(y3, ops.view(weights, {M, K, 1}));
  Tensor summed = ops.reduce(PLINTH_REDUCE_SUM, ops.permute(y3, {0, 2, 1})); // [M, H, 1]
  return ops.view(summed, shape);
}

} // namespace plinth::plugin
