// Elementwise ops over f32: activations, broadcasting binary ops, affine.
#include "backend.hpp"

#include <algorithm>

namespace plinth::gpu::ops {

plinth_status unary(plinth_backend_ctx *ctx, int32_t op, const plinth_tensor *x,
                    plinth_tensor *out) {
  return guarded("unary", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_same_shape(x, "x", out, "out");
    if (op < PLINTH_UNARY_GELU || op > PLINTH_UNARY_SOFTPLUS)
      fail("unknown unary op " + std::to_string(op) + " on " + describe("x", x));
    launch_unary(op, f32(x), f32(out), numel(x), stream_of(ctx));
  });
}

plinth_status binary(plinth_backend_ctx *ctx, int32_t op, const plinth_tensor *a,
                     const plinth_tensor *b, plinth_tensor *out) {
  return guarded("binary", ctx, [&] {
    const BroadcastShape sh = check_binary(op, a, b, out);
    Broadcast4 bc;
    std::copy(sh.shape.begin(), sh.shape.end(), bc.shape);
    std::copy(sh.bstride.begin(), sh.bstride.end(), bc.bstride);
    launch_binary(op, f32(a), f32(b), f32(out), bc, stream_of(ctx));
  });
}

plinth_status affine(plinth_backend_ctx *ctx, const plinth_tensor *x, float alpha, float beta,
                     plinth_tensor *out) {
  return guarded("affine", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_same_shape(x, "x", out, "out");
    launch_affine(f32(x), f32(out), numel(x), alpha, beta, stream_of(ctx));
  });
}

} // namespace plinth::gpu::ops
