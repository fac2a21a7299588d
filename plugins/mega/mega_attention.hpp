// Mega's single-head gated attention core: the relative positional bias ("simple" or
// "rotary") and the attention function (softmax, or element-wise laplace / relu2 / ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mega_config.hpp"
#include "ops.hpp"
#include "weights.hpp"

namespace plinth::mega {

using plugin::Ops;
using plugin::Tensor;

// MegaSimpleRelativePositionalBias / MegaRotaryRelativePositionalBias. Both are relative:
// the bias of query position i and key position j depends on j - i (and on the weights).
class RelPosBias {
public:
  void load(const Ops &ops, const plugin::Weights &w, const std::string &prefix,
            const MegaConfig &cfg);

  // bias[r, c] for query position q0 + r (r < nq) and key position c (c < nk): [nq, nk].
  // `span` is the sequence (or chunk) length transformers builds the bias for; the simple
  // bias refuses spans beyond its table, as transformers does.
  Tensor operator()(const Ops &ops, int64_t q0, int64_t nq, int64_t nk, int64_t span) const;

private:
  RelPosKind kind_ = RelPosKind::rotary;
  // simple
  std::vector<float> table_; // rel_pos_bias [2 * max_positions - 1]
  int64_t span_limit_ = 0;   // MegaSimpleRelativePositionalBias.max_positions
  // rotary
  std::vector<float> alpha_, beta_; // [Z]
  std::vector<float> inv_freq_;     // [Z / 2]
  std::vector<float> rotated(const std::vector<float> &v, int64_t p0, int64_t n) const;
};

// The attention function of MegaMovingAverageGatedAttention over groups (batch rows, or
// batch x chunks). q [G, Lq, Z], k [G, Lk, Z], v [G, Lk, I]; query r sits at key position
// q_offset + r. key_mask: [G, Lk] (1 = real token), or empty when no attention mask was given.
class MegaAttention {
public:
  void load(const Ops &ops, const plugin::Weights &w, const std::string &prefix,
            const MegaConfig &cfg);

  Tensor operator()(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                    int64_t q_offset, const std::vector<int32_t> &key_mask, bool causal) const;

private:
  Tensor softmax(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                 int64_t q_offset, const std::vector<int32_t> &key_mask, bool causal,
                 const Tensor &bias) const;
  Tensor element(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                 int64_t q_offset, const std::vector<int32_t> &key_mask, bool causal,
                 const Tensor &bias) const;

  AttnKind kind_ = AttnKind::softmax;
  int32_t unary_ = 0;
  float scale_ = 1.0f;
  RelPosBias rel_pos_;
};

} // namespace plinth::mega
