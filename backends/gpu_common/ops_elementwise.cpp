// Elementwise ops over f32: activations, broadcasting binary ops, affine.
#include "backend.hpp"

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
    check_f32(a, "a");
    check_f32(b, "b");
    check_f32(out, "out");
    check_same_shape(a, "a", out, "out");
    if (op < PLINTH_BINARY_ADD || op > PLINTH_BINARY_MIN)
      fail("unknown binary op " + std::to_string(op));
    const std::string pair = describe("a", a) + " and " + describe("b", b);
    Broadcast4 bc{{1, 1, 1, 1}, {0, 0, 0, 0}};
    for (int32_t i = 0; i < b->ndim - a->ndim; ++i)
      if (b->shape[i] != 1) fail(pair + ": b does not broadcast to a");
    int64_t st = 1;
    for (int32_t i = 1; i <= a->ndim; ++i) {
      const int64_t ad = a->shape[a->ndim - i];
      const int32_t bi = b->ndim - i;
      const int64_t bd = bi >= 0 ? b->shape[bi] : 1;
      if (bd != 1 && bd != ad)
        fail(pair + ": b does not broadcast to a (dim " + std::to_string(a->ndim - i) + ")");
      bc.shape[4 - i] = ad;
      bc.bstride[4 - i] = (bd == 1) ? 0 : st;
      st *= bd;
    }
    if (b->data == out->data && !same_shape(a, b) && numel(out) > 0)
      fail(pair + ": out may alias b only when shapes match");
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
