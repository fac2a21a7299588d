// EsmModel.predict_contacts: EsmContactPredictionHead over the attention maps of every layer.
#include "error.hpp"
#include "esm_model.hpp"

namespace plinth::esm {

namespace {

// EsmModel builds its contact head with the default eos_idx = 2, whatever config.json says
// eos_token_id is; this keeps to what transformers computes.
constexpr int32_t kContactEosIdx = 2;

} // namespace

Tensor EsmModel::contacts(const plugin::IntInput &ids, const std::vector<int32_t> &mask,
                          const Tensor &attn_all) const {
  const int64_t B = attn_all.dim(0);
  const int64_t C = attn_all.dim(1); // layers * heads
  const int64_t T = attn_all.dim(2);
  const int64_t S = T - 2;

  // predict_contacts zeroes the maps of padding (queries and keys); the head then zeroes
  // those of eos tokens. Both are one [B, 1, T, T] product mask.
  std::vector<float> keep(static_cast<size_t>(B * T));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      keep[static_cast<size_t>(b * T + t)] =
          (mask[static_cast<size_t>(b * T + t)] != 0 && ids.at(b, t) != kContactEosIdx) ? 1.0f
                                                                                        : 0.0f;
  std::vector<float> pair(static_cast<size_t>(B * T * T));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < T; ++i)
      for (int64_t j = 0; j < T; ++j)
        pair[static_cast<size_t>((b * T + i) * T + j)] =
            keep[static_cast<size_t>(b * T + i)] * keep[static_cast<size_t>(b * T + j)];
  Tensor a = ops_.mul(attn_all, ops_.from_host({B, 1, T, T}, pair));

  // Drop the last position, then the first (<cls>): [..., 1:T-1, 1:T-1].
  a = ops_.slice(ops_.slice(a, 2, 1, S), 3, 1, S);

  // symmetrize
  ops_.add_(a, ops_.permute(a, {0, 1, 3, 2}));

  // average product correction: a - (row sums * column sums) / total
  Tensor row = ops_.reduce(PLINTH_REDUCE_SUM, a); // [B, C, S, 1]
  Tensor col =
      ops_.view(ops_.reduce(PLINTH_REDUCE_SUM, ops_.permute(a, {0, 1, 3, 2})), {B, C, 1, S});
  Tensor total =
      ops_.view(ops_.reduce(PLINTH_REDUCE_SUM, ops_.view(a, {B, C, S * S})), {B, C, 1, 1});
  Tensor avg = ops_.zeros({B, C, S, S});
  ops_.add_(avg, row);
  ops_.mul_(avg, col);
  ops_.binary_(PLINTH_BINARY_DIV, avg, total);
  ops_.binary_(PLINTH_BINARY_SUB, a, avg);

  // logistic regression over the layer*head channels
  Tensor features = ops_.permute(a, {0, 2, 3, 1}); // [B, S, S, C]
  Tensor logits = contact_regression_(ops_, features);
  ops_.unary_(PLINTH_UNARY_SIGMOID, logits);
  return ops_.view(logits, {B, S, S});
}

} // namespace plinth::esm
