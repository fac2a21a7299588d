#include "mega_ema.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "error.hpp"

namespace plinth::mega {

using plugin::fail;

namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// The longest block the recurrence handles in one go: its coefficient tensors grow with the
// block, and a longer run of tokens is split into blocks that chain through the state.
constexpr int64_t kMaxStepBlock = 64;

} // namespace

Ema::Ema(Ema &&o) noexcept
    : h_(o.h_), d2_(o.d2_), n_(o.n_), bidirectional_(o.bidirectional_), truncation_(o.truncation_),
      pb_(std::move(o.pb_)), logq_(std::move(o.logq_)), gamma_(std::move(o.gamma_)),
      omega_(std::move(o.omega_)), taps_(std::move(o.taps_)), taps_cap_(o.taps_cap_),
      kernel_len_(o.kernel_len_), kernel_bidir_(o.kernel_bidir_), kernel_(std::move(o.kernel_)),
      one_step_(std::move(o.one_step_)) {}

void Ema::load(const Ops &ops, const plugin::Weights &w, const std::string &prefix,
               const MegaConfig &cfg) {
  h_ = cfg.hidden_size;
  n_ = cfg.ema_size;
  bidirectional_ = cfg.bidirectional;
  truncation_ = cfg.truncation;
  d2_ = bidirectional_ ? 2 * h_ : h_;
  auto host = [&](const std::string &name, int64_t count) {
    std::vector<float> v = ops.read_f32(w.get(prefix + name, PLINTH_DTYPE_F32));
    if (static_cast<int64_t>(v.size()) != count)
      fail(PLINTH_ERR_FORMAT, "mega: '" + prefix + name + "' has " + std::to_string(v.size()) +
                                  " values, expected " + std::to_string(count) +
                                  " (check hidden_size, ema_projection_size, bidirectional)");
    return v;
  };
  const int64_t count = d2_ * n_;
  const std::vector<float> delta = host("damping_factor", count);
  const std::vector<float> alpha = host("decay_factor", count);
  const std::vector<float> beta = host("ema_expansion_matrix", count);
  const std::vector<float> gamma = host("kernel_projection_matrix", count);
  const auto scale = static_cast<float>(std::sqrt(1.0 / static_cast<double>(n_)));
  pb_.resize(static_cast<size_t>(count));
  logq_.resize(static_cast<size_t>(count));
  gamma_.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
    const float p = sigmoid(delta[i]);
    const float q = 1.0f - p * sigmoid(alpha[i]);
    pb_[i] = p * beta[i];
    logq_[i] = std::log(q);
    gamma_[i] = gamma[i] * scale;
  }
  omega_ = w.get(prefix + "residual_weight");
  if (omega_.numel() != h_) fail(PLINTH_ERR_FORMAT, "mega: '" + prefix + "residual_weight' size");
}

std::vector<float> Ema::taps(int64_t K) const {
  if (K > taps_cap_) {
    const int64_t cap = std::max(K, 2 * taps_cap_);
    taps_.assign(static_cast<size_t>(d2_ * cap), 0.0f);
    for (int64_t d = 0; d < d2_; ++d)
      for (int64_t l = 0; l < cap; ++l) {
        double sum = 0.0;
        for (int64_t j = 0; j < n_; ++j) {
          const size_t i = static_cast<size_t>(d * n_ + j);
          // torch: exp(arange(L) * log(q)) in float32, times p * beta, times gamma * scale
          const float vander = std::exp(static_cast<float>(l) * logq_[i]);
          sum += static_cast<double>(pb_[i] * vander * gamma_[i]);
        }
        taps_[static_cast<size_t>(d * cap + l)] = static_cast<float>(sum);
      }
    taps_cap_ = cap;
  }
  std::vector<float> out(static_cast<size_t>(d2_ * K));
  for (int64_t d = 0; d < d2_; ++d)
    std::copy_n(taps_.begin() + d * taps_cap_, K, out.begin() + d * K);
  return out;
}

Tensor Ema::conv_kernel(const Ops &ops, int64_t K, bool bidirectional, int64_t *center) const {
  std::lock_guard<std::mutex> lock(mu_);
  *center = K - 1;
  if (kernel_ && kernel_len_ == K && kernel_bidir_ == bidirectional) return kernel_;
  const std::vector<float> t = taps(K);
  // conv1d_depthwise: out[t] = sum_l kernel[l] * x[t + l - center]. Tap l of the causal
  // kernel reads x[t - l]; the bidirectional EMA adds the second half of the kernel rows
  // reading x[t + l] (its l = 0 tap lands on the same slot as the causal one, as the
  // padded sum in MegaMultiDimensionDampedEma.forward does).
  const int64_t L = bidirectional ? 2 * K - 1 : K;
  std::vector<float> k(static_cast<size_t>(h_ * L), 0.0f);
  for (int64_t c = 0; c < h_; ++c) {
    float *row = k.data() + c * L;
    for (int64_t l = 0; l < K; ++l)
      row[K - 1 - l] = t[static_cast<size_t>(c * K + l)];
    if (bidirectional)
      for (int64_t l = 0; l < K; ++l)
        row[K - 1 + l] += t[static_cast<size_t>((h_ + c) * K + l)];
  }
  kernel_ = ops.from_host({h_, L}, k);
  kernel_len_ = K;
  kernel_bidir_ = bidirectional;
  return kernel_;
}

Tensor Ema::finish(const Ops &ops, Tensor ema, const Tensor &x) const {
  // silu(ema + x * omega): the residual uses the unmasked input
  ops.add_(ema, ops.mul(x, omega_));
  ops.unary_(PLINTH_UNARY_SILU, ema);
  return ema;
}

Tensor Ema::forward(const Ops &ops, const Tensor &x, const Tensor &mask) const {
  const int64_t T = x.dim(1);
  const int64_t K = truncation_ ? std::min(*truncation_, T) : T;
  Tensor in = mask ? ops.mul(x, mask) : x;
  int64_t center = 0;
  Tensor kernel = conv_kernel(ops, K, bidirectional_, &center);
  return finish(ops, ops.conv1d_depthwise(in, kernel, center), x);
}

Ema::StepCoeffs Ema::step_coeffs(const Ops &ops, int64_t n) const {
  if (n == 1) {
    std::lock_guard<std::mutex> lock(mu_);
    if (one_step_) return *one_step_;
  }
  int64_t center = 0;
  StepCoeffs c;
  c.kernel = conv_kernel(ops, n, false, &center);
  std::vector<float> carry(static_cast<size_t>(n * h_ * n_));
  std::vector<float> inject(static_cast<size_t>(h_ * n * n_));
  std::vector<float> decay(static_cast<size_t>(h_ * n_));
  for (int64_t d = 0; d < h_; ++d)
    for (int64_t j = 0; j < n_; ++j) {
      const size_t i = static_cast<size_t>(d * n_ + j);
      for (int64_t t = 0; t < n; ++t) {
        carry[static_cast<size_t>((t * h_ + d) * n_ + j)] =
            gamma_[i] * std::exp(static_cast<float>(t + 1) * logq_[i]);
        inject[static_cast<size_t>((d * n + t) * n_ + j)] =
            pb_[i] * std::exp(static_cast<float>(n - 1 - t) * logq_[i]);
      }
      decay[i] = std::exp(static_cast<float>(n) * logq_[i]);
    }
  c.carry = ops.from_host({n, h_, n_}, carry);
  c.inject = ops.from_host({h_, n, n_}, inject);
  c.decay = ops.from_host({h_, n_}, decay);
  if (n == 1) {
    std::lock_guard<std::mutex> lock(mu_);
    one_step_ = c;
  }
  return c;
}

Tensor Ema::step_recurrent(const Ops &ops, const Tensor &x, const Tensor &mask,
                           Tensor &state) const {
  if (bidirectional_)
    fail(PLINTH_ERR_UNSUPPORTED, "mega: a bidirectional EMA cannot decode incrementally");
  const int64_t B = x.dim(0);
  const int64_t n = x.dim(1);
  Tensor in = ops.mul(x, mask);
  Tensor out = n > kMaxStepBlock ? ops.empty(x.shape()) : Tensor{};
  for (int64_t t0 = 0; t0 < n; t0 += kMaxStepBlock) {
    const int64_t m = std::min(kMaxStepBlock, n - t0);
    Tensor xb = m == n ? in : ops.slice(in, 1, t0, m);
    const StepCoeffs c = step_coeffs(ops, m);
    // the block's own inputs: a causal conv with m taps
    Tensor yb = ops.conv1d_depthwise(xb, c.kernel, m - 1);
    // what the state carries in from before the block
    Tensor carried = ops.zeros({B, m, h_, n_});
    ops.add_(carried, ops.view(state, {B, 1, h_, n_}));
    ops.mul_(carried, c.carry);
    ops.add_(yb, ops.view(ops.reduce(PLINTH_REDUCE_SUM, carried), {B, m, h_}));
    // state = q^m * state + sum_t x[t] * p * beta * q^(m-1-t)
    Tensor injected = ops.matmul(ops.permute(xb, {2, 0, 1}), c.inject); // [H, B, N]
    ops.mul_(state, c.decay);
    ops.add_(state, ops.permute(injected, {1, 0, 2}));
    if (m == n) {
      out = yb;
    } else {
      ops.set_slice_(out, 1, t0, yb);
    }
  }
  return finish(ops, out, x);
}

Tensor Ema::step_window(const Ops &ops, const Tensor &x, const Tensor &mask, const Tensor &history,
                        int64_t past) const {
  if (bidirectional_)
    fail(PLINTH_ERR_UNSUPPORTED, "mega: a bidirectional EMA cannot decode incrementally");
  const int64_t n = x.dim(1);
  const int64_t trunc = *truncation_;
  ops.set_slice_(history, 1, past, ops.mul(x, mask));
  // Output t reads inputs t - trunc + 1 .. t, so the window starts trunc - 1 before `past`.
  const int64_t start = std::max<int64_t>(0, past - (trunc - 1));
  const int64_t len = past + n - start;
  Tensor window = ops.slice(history, 1, start, len);
  const int64_t K = std::min(trunc, len);
  int64_t center = 0;
  Tensor kernel = conv_kernel(ops, K, false, &center);
  Tensor y = ops.conv1d_depthwise(window, kernel, center);
  return finish(ops, ops.slice(y, 1, len - n, n), x);
}

} // namespace plinth::mega
