// Row-wise ops over the last dimension: normalisations, softmax, reductions, argmax, top-k.
#include "backend.hpp"

namespace plinth::gpu::ops {

plinth_status layer_norm(plinth_backend_ctx *ctx, const plinth_tensor *x,
                         const plinth_tensor *weight, const plinth_tensor *bias, float eps,
                         plinth_tensor *out) {
  return guarded("layer_norm", ctx, [&] {
    const Rows r = check_rowwise(x, weight, bias, out);
    launch_layer_norm(f32(x), weight ? weight->data : nullptr,
                      weight ? weight->dtype : PLINTH_DTYPE_F32, bias ? bias->data : nullptr,
                      bias ? bias->dtype : PLINTH_DTYPE_F32, eps, f32(out), r.count, r.width,
                      stream_of(ctx));
  });
}

plinth_status rms_norm(plinth_backend_ctx *ctx, const plinth_tensor *x, const plinth_tensor *weight,
                       float eps, plinth_tensor *out) {
  return guarded("rms_norm", ctx, [&] {
    const Rows r = check_rowwise(x, weight, nullptr, out);
    launch_rms_norm(f32(x), weight ? weight->data : nullptr,
                    weight ? weight->dtype : PLINTH_DTYPE_F32, eps, f32(out), r.count, r.width,
                    stream_of(ctx));
  });
}

plinth_status softmax(plinth_backend_ctx *ctx, const plinth_tensor *x, plinth_tensor *out) {
  return guarded("softmax", ctx, [&] {
    const Rows r = check_rowwise(x, nullptr, nullptr, out);
    launch_softmax(f32(x), f32(out), r.count, r.width, context_of(ctx)->torch_order,
                   stream_of(ctx));
  });
}

plinth_status reduce(plinth_backend_ctx *ctx, int32_t op, const plinth_tensor *x,
                     plinth_tensor *out) {
  return guarded("reduce", ctx, [&] {
    const Rows r = check_reduce(op, x, out);
    launch_reduce(op, f32(x), f32(out), r.count, r.width, stream_of(ctx));
  });
}

plinth_status argmax(plinth_backend_ctx *ctx, const plinth_tensor *x, plinth_tensor *out_i32) {
  return guarded("argmax", ctx, [&] {
    const Rows r = check_argmax(x, out_i32);
    if (r.width > 0x7fffffff) fail(describe("x", x) + ": rows too long for i32 indices");
    launch_argmax(f32(x), i32(out_i32), r.count, r.width, stream_of(ctx));
  });
}

plinth_status topk(plinth_backend_ctx *ctx, const plinth_tensor *x, int32_t k,
                   plinth_tensor *values, plinth_tensor *indices_i32) {
  return guarded("topk", ctx, [&] {
    const Rows r = check_topk(x, k, values, indices_i32);
    launch_topk(f32(x), k, values ? f32(values) : nullptr, indices_i32 ? i32(indices_i32) : nullptr,
                r.count, r.width, stream_of(ctx));
  });
}

} // namespace plinth::gpu::ops
