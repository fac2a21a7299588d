#include "first_token_heads.hpp"

namespace plinth::plugin {

Tensor first_token(const Ops &ops, const Tensor &h) {
  return ops.view(ops.slice(h, 1, 0, 1), {h.dim(0), h.dim(2)});
}

Tensor tanh_pool(const Ops &ops, const Linear &dense, const Tensor &h) {
  Tensor pooled = dense(ops, first_token(ops, h));
  ops.unary_(PLINTH_UNARY_TANH, pooled);
  return pooled;
}

Tensor first_token_classify(const Ops &ops, const Linear &dense, const Linear &out_proj,
                            const Tensor &h) {
  return out_proj(ops, tanh_pool(ops, dense, h));
}

} // namespace plinth::plugin
