#include "mega_attention.hpp"

#include <algorithm>
#include <cmath>

#include "error.hpp"

namespace plinth::mega {

using plugin::fail;

// ---------------------------------------------------------------- relative bias ---------

void RelPosBias::load(const Ops &ops, const plugin::Weights &w, const std::string &prefix,
                      const MegaConfig &cfg) {
  kind_ = cfg.rel_pos;
  if (kind_ == RelPosKind::simple) {
    table_ = ops.read_f32(w.get(prefix + "rel_pos_bias.rel_pos_bias", PLINTH_DTYPE_F32));
    span_limit_ = cfg.rel_pos_span();
    if (static_cast<int64_t>(table_.size()) != 2 * cfg.max_positions - 1)
      fail(PLINTH_ERR_FORMAT, "mega: '" + prefix + "rel_pos_bias.rel_pos_bias' should hold " +
                                  std::to_string(2 * cfg.max_positions - 1) + " values");
    return;
  }
  const int64_t Z = cfg.shared_size;
  alpha_ = ops.read_f32(w.get(prefix + "rel_pos_bias.alpha", PLINTH_DTYPE_F32));
  beta_ = ops.read_f32(w.get(prefix + "rel_pos_bias.b_param", PLINTH_DTYPE_F32));
  if (static_cast<int64_t>(alpha_.size()) != Z || static_cast<int64_t>(beta_.size()) != Z)
    fail(PLINTH_ERR_FORMAT, "mega: rotary bias alpha/b_param under '" + prefix +
                                "' should hold shared_representation_size values");
  // get_sinusoid_embeddings: exp(arange(half) * -(log(10000) / half)) in float32
  const int64_t half = Z / 2;
  const auto step = static_cast<float>(std::log(10000.0) / static_cast<double>(half));
  inv_freq_.resize(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i)
    inv_freq_[static_cast<size_t>(i)] = std::exp(static_cast<float>(i) * -step);
}

std::vector<float> RelPosBias::rotated(const std::vector<float> &v, int64_t p0, int64_t n) const {
  // MegaRotaryRelativePositionalBias.rotary on the parameter repeated at positions p0..p0+n-1:
  // [x1 cos - x2 sin, x2 cos + x1 sin] over the two halves.
  const auto Z = static_cast<int64_t>(v.size());
  const int64_t half = Z / 2;
  std::vector<float> out(static_cast<size_t>(n * Z));
  for (int64_t r = 0; r < n; ++r) {
    float *o = out.data() + r * Z;
    for (int64_t i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p0 + r) * inv_freq_[static_cast<size_t>(i)];
      const float s = std::sin(angle), c = std::cos(angle);
      const float x1 = v[static_cast<size_t>(i)], x2 = v[static_cast<size_t>(i + half)];
      o[i] = x1 * c - x2 * s;
      o[i + half] = x2 * c + x1 * s;
    }
  }
  return out;
}

Tensor RelPosBias::operator()(const Ops &ops, int64_t q0, int64_t nq, int64_t nk,
                              int64_t span) const {
  if (kind_ == RelPosKind::rotary) {
    const auto Z = static_cast<int64_t>(alpha_.size());
    Tensor a = ops.from_host({nq, Z}, rotated(alpha_, q0, nq));
    Tensor b = ops.from_host({nk, Z}, rotated(beta_, 0, nk));
    return ops.matmul(a, b, false, true);
  }
  if (span > span_limit_)
    fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: sequence length " + std::to_string(span) +
                                          " goes beyond the simple relative bias's max length " +
                                          std::to_string(span_limit_));
  // The tiled slice in MegaSimpleRelativePositionalBias.forward puts
  // rel_pos_bias[M - 1 + j - i] at (i, j), whatever the length.
  std::vector<float> out(static_cast<size_t>(nq * nk));
  const auto size = static_cast<int64_t>(table_.size());
  for (int64_t r = 0; r < nq; ++r)
    for (int64_t c = 0; c < nk; ++c) {
      const int64_t idx = span_limit_ - 1 + c - (q0 + r);
      if (idx < 0 || idx >= size)
        fail(PLINTH_ERR_INVALID_ARGUMENT, "mega: relative position beyond the bias table");
      out[static_cast<size_t>(r * nk + c)] = table_[static_cast<size_t>(idx)];
    }
  return ops.from_host({nq, nk}, out);
}

// ---------------------------------------------------------------- attention -------------

void MegaAttention::load(const Ops &ops, const plugin::Weights &w, const std::string &prefix,
                         const MegaConfig &cfg) {
  kind_ = cfg.attn;
  unary_ = cfg.attn_unary;
  scale_ = static_cast<float>(std::pow(static_cast<double>(cfg.shared_size), -0.5));
  rel_pos_.load(ops, w, prefix, cfg);
}

Tensor MegaAttention::operator()(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                                 int64_t q_offset, const std::vector<int32_t> &key_mask,
                                 bool causal) const {
  // transformers builds the bias for the key length and keeps the rows of the queries.
  Tensor bias = rel_pos_(ops, q_offset, q.dim(1), k.dim(1), k.dim(1));
  if (kind_ == AttnKind::softmax) return softmax(ops, q, k, v, q_offset, key_mask, causal, bias);
  return element(ops, q, k, v, q_offset, key_mask, causal, bias);
}

Tensor MegaAttention::softmax(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                              int64_t q_offset, const std::vector<int32_t> &key_mask, bool causal,
                              const Tensor &bias) const {
  const int64_t G = q.dim(0), Lq = q.dim(1), Lk = k.dim(1);
  const int64_t Z = q.dim(2), I = v.dim(2);
  plugin::AttentionOptions opts;
  opts.scale = scale_;
  opts.causal = causal;
  opts.q_offset = q_offset;
  opts.bias = ops.view(bias, {1, 1, Lq, Lk});
  if (!key_mask.empty()) {
    // softmax_attention masks padded keys only in groups that have a real one: a group
    // (row or chunk) of padding alone attends over all its keys.
    std::vector<int32_t> m = key_mask;
    for (int64_t g = 0; g < G; ++g) {
      auto row = m.begin() + g * Lk;
      if (std::all_of(row, row + Lk, [](int32_t x) { return x == 0; })) std::fill(row, row + Lk, 1);
    }
    opts.key_mask = ops.from_host({G, Lk}, m);
  }
  Tensor out = ops.attention(ops.view(q, {G, Lq, 1, Z}), ops.view(k, {G, Lk, 1, Z}),
                             ops.view(v, {G, Lk, 1, I}), opts);
  return ops.view(out, {G, Lq, I});
}

Tensor MegaAttention::element(const Ops &ops, const Tensor &q, const Tensor &k, const Tensor &v,
                              int64_t q_offset, const std::vector<int32_t> &key_mask, bool causal,
                              const Tensor &bias) const {
  const int64_t G = q.dim(0), Lq = q.dim(1), Lk = k.dim(1);
  // element_attention: act(q k^T / lengths + bias) * padding_mask * causal_mask, where
  // lengths is the causal row length when causal, else the group's real-token count
  // (at least 1), else the key length.
  std::vector<float> lengths(static_cast<size_t>(G * Lq));
  for (int64_t g = 0; g < G; ++g) {
    int64_t real = Lk;
    if (!key_mask.empty()) {
      real = 0;
      for (int64_t j = 0; j < Lk; ++j)
        real += key_mask[static_cast<size_t>(g * Lk + j)] != 0 ? 1 : 0;
      real = std::max<int64_t>(real, 1);
    }
    for (int64_t r = 0; r < Lq; ++r)
      lengths[static_cast<size_t>(g * Lq + r)] =
          static_cast<float>(causal ? q_offset + r + 1 : real);
  }
  Tensor s = ops.matmul(q, k, false, true); // [G, Lq, Lk]
  ops.binary_(PLINTH_BINARY_DIV, s, ops.from_host({G, Lq, 1}, lengths));
  ops.add_(s, bias);

  if (kind_ == AttnKind::laplace) {
    // LaplaceActivation: 0.5 * (1 + erf((x - mu) / (sigma * sqrt(2)))). The op table has no
    // erf, so this one runs on the host.
    std::vector<float> h = ops.read_f32(s);
    const auto denom = static_cast<float>(0.282095 * std::sqrt(2.0));
    for (float &x : h)
      x = 0.5f * (1.0f + std::erf((x - 0.707107f) / denom));
    ops.write(s, h.data(), h.size() * sizeof(float));
  } else {
    ops.unary_(unary_, s);
  }

  if (!key_mask.empty() || causal) {
    std::vector<float> keep(static_cast<size_t>(G * Lq * Lk));
    for (int64_t g = 0; g < G; ++g)
      for (int64_t r = 0; r < Lq; ++r)
        for (int64_t j = 0; j < Lk; ++j) {
          const bool real = key_mask.empty() || key_mask[static_cast<size_t>(g * Lk + j)] != 0;
          const bool visible = !causal || j <= q_offset + r;
          keep[static_cast<size_t>((g * Lq + r) * Lk + j)] = real && visible ? 1.0f : 0.0f;
        }
    ops.mul_(s, ops.from_host({G, Lq, Lk}, keep));
  }
  return ops.matmul(s, v); // [G, Lq, I]
}

} // namespace plinth::mega
