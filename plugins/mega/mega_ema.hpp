// MegaMultiDimensionDampedEma: the multi-dimensional damped EMA that Mega runs before its
// attention. Its kernel depends only on the weights and the length, so it is computed on the
// host (in float32, as torch computes it) and applied with the backend's depthwise conv1d:
// a causal kernel, or for the bidirectional EMA a two-sided one. Incremental decoding runs the
// same EMA as a recurrence over a [B, H, N] state.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mega_config.hpp"
#include "ops.hpp"
#include "weights.hpp"

namespace plinth::mega {

using plugin::Ops;
using plugin::Tensor;

class Ema {
public:
  Ema() = default;
  Ema(const Ema &) = delete;
  Ema &operator=(const Ema &) = delete;
  Ema(Ema &&other) noexcept;

  void load(const Ops &ops, const plugin::Weights &w, const std::string &prefix,
            const MegaConfig &cfg);

  // Full sequence: silu(ema(x * mask) + x * omega). x [B, T, H]; mask [B, T, 1] or empty.
  Tensor forward(const Ops &ops, const Tensor &x, const Tensor &mask) const;

  // Incremental, unidirectional and untruncated: advances state [B, H, N] over the new
  // tokens x [B, n, H] (mask [B, n, 1]) and returns their outputs.
  Tensor step_recurrent(const Ops &ops, const Tensor &x, const Tensor &mask, Tensor &state) const;
  // Incremental with a truncated kernel: the masked inputs are kept in history
  // [B, max_tokens, H] (the new ones written at `past`) and the outputs are the truncated
  // convolution over them, as a full recompute gives.
  Tensor step_window(const Ops &ops, const Tensor &x, const Tensor &mask, const Tensor &history,
                     int64_t past) const;

  int64_t state_size() const { return n_; }

private:
  struct StepCoeffs {
    Tensor kernel; // [H, n] causal conv taps
    Tensor carry;  // [n, H, N]: gamma * q^(t+1), the old state's share of output t
    Tensor inject; // [H, n, N]: p * beta * q^(n-1-t), input t's share of the new state
    Tensor decay;  // [H, N]: q^n
  };

  // taps[d * K + l] = sum_n p*beta * q^l * gamma*scale (the einsum of
  // _compute_efficient_ema_kernel)
  std::vector<float> taps(int64_t K) const;
  // The conv1d kernel [H, L] (and its centre) for a sequence whose EMA kernel has K taps.
  Tensor conv_kernel(const Ops &ops, int64_t K, bool bidirectional, int64_t *center) const;
  StepCoeffs step_coeffs(const Ops &ops, int64_t n) const;
  Tensor finish(const Ops &ops, Tensor ema, const Tensor &x) const;

  int64_t h_ = 0;  // hidden size
  int64_t d2_ = 0; // kernel rows: 2H when bidirectional
  int64_t n_ = 0;  // ema_projection_size
  bool bidirectional_ = false;
  std::optional<int64_t> truncation_;
  std::vector<float> pb_;    // [D2, N] sigmoid(delta) * beta
  std::vector<float> logq_;  // [D2, N] log(1 - sigmoid(delta) * sigmoid(alpha))
  std::vector<float> gamma_; // [D2, N] gamma * sqrt(1 / N)
  Tensor omega_;             // [H] residual weight

  // Caches (forward is const; the core runs one call at a time per model, the mutex only
  // guards against misuse). Tap l does not depend on the length, so the host taps are kept
  // for the longest length seen and cut to size; the device kernel is kept for the last
  // length used, and the step coefficients for the one-token step that decoding repeats.
  mutable std::mutex mu_;
  mutable std::vector<float> taps_; // [D2, taps_cap_]
  mutable int64_t taps_cap_ = 0;
  mutable int64_t kernel_len_ = -1;
  mutable bool kernel_bidir_ = false;
  mutable Tensor kernel_;
  mutable std::optional<StepCoeffs> one_step_;
};

} // namespace plinth::mega
