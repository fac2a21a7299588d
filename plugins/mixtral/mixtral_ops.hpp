// Backend ops that common's Ops wrapper does not expose yet (topk, linear_indexed), with the
// same conventions: the output is allocated here, a failing or missing op throws.
// Candidates for plugins/common/ops.hpp.
#pragma once

#include <cstdint>

#include "ops.hpp"

namespace plinth::plugin {

struct TopK {
  Tensor values;  // f32 [..., k], descending
  Tensor indices; // i32 [..., k]
};

// The k largest entries along the last dim (ties: lower index first, as torch.topk on CPU).
TopK topk(const Ops &ops, const Tensor &x, int32_t k);

// y[m, :] = x[m, :] @ w[ids[m]]^T for w [E, N, K] and ids i32 with one entry per row of x.
Tensor linear_indexed(const Ops &ops, const Tensor &x, const Tensor &w, const Tensor &ids);

} // namespace plinth::plugin
