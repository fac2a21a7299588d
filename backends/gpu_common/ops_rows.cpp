// Row-wise ops over the last dimension: normalisations, softmax, reductions, argmax, top-k.
#include "backend.hpp"

namespace plinth::gpu::ops {
namespace {

struct Rows {
  int64_t count, width;
};

Rows rows_of(const plinth_tensor *t) {
  return {t->ndim ? shape_numel(t->ndim - 1, t->shape) : 1, last_dim(t)};
}

void check_per_row(const plinth_tensor *x, const plinth_tensor *out, const char *name,
                   int64_t per_row) {
  const Rows r = rows_of(x);
  bool ok = numel(out) == r.count * per_row;
  if (ok && per_row != 1) ok = last_dim(out) == per_row;
  if (!ok)
    fail(describe(name, out) + " does not hold " + std::to_string(per_row) +
         " value(s) per row of " + describe("x", x));
}

} // namespace

plinth_status layer_norm(plinth_backend_ctx *ctx, const plinth_tensor *x,
                         const plinth_tensor *weight, const plinth_tensor *bias, float eps,
                         plinth_tensor *out) {
  return guarded("layer_norm", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_same_shape(x, "x", out, "out");
    const Rows r = rows_of(x);
    if (weight) check_param(weight, "weight", r.width, "last dim of x");
    if (bias) check_param(bias, "bias", r.width, "last dim of x");
    launch_layer_norm(f32(x), weight ? weight->data : nullptr,
                      weight ? weight->dtype : PLINTH_DTYPE_F32, bias ? bias->data : nullptr,
                      bias ? bias->dtype : PLINTH_DTYPE_F32, eps, f32(out), r.count, r.width,
                      stream_of(ctx));
  });
}

plinth_status rms_norm(plinth_backend_ctx *ctx, const plinth_tensor *x, const plinth_tensor *weight,
                       float eps, plinth_tensor *out) {
  return guarded("rms_norm", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_same_shape(x, "x", out, "out");
    const Rows r = rows_of(x);
    if (weight) check_param(weight, "weight", r.width, "last dim of x");
    launch_rms_norm(f32(x), weight ? weight->data : nullptr,
                    weight ? weight->dtype : PLINTH_DTYPE_F32, eps, f32(out), r.count, r.width,
                    stream_of(ctx));
  });
}

plinth_status softmax(plinth_backend_ctx *ctx, const plinth_tensor *x, plinth_tensor *out) {
  return guarded("softmax", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_same_shape(x, "x", out, "out");
    const Rows r = rows_of(x);
    launch_softmax(f32(x), f32(out), r.count, r.width, stream_of(ctx));
  });
}

plinth_status reduce(plinth_backend_ctx *ctx, int32_t op, const plinth_tensor *x,
                     plinth_tensor *out) {
  return guarded("reduce", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_per_row(x, out, "out", 1);
    if (op < PLINTH_REDUCE_SUM || op > PLINTH_REDUCE_MIN)
      fail("unknown reduce op " + std::to_string(op));
    const Rows r = rows_of(x);
    launch_reduce(op, f32(x), f32(out), r.count, r.width, stream_of(ctx));
  });
}

plinth_status argmax(plinth_backend_ctx *ctx, const plinth_tensor *x, plinth_tensor *out_i32) {
  return guarded("argmax", ctx, [&] {
    check_f32(x, "x");
    check_i32(out_i32, "out");
    check_per_row(x, out_i32, "out", 1);
    const Rows r = rows_of(x);
    if (r.width == 0 && r.count > 0) fail(describe("x", x) + ": empty rows have no argmax");
    if (r.width > 0x7fffffff) fail(describe("x", x) + ": rows too long for i32 indices");
    launch_argmax(f32(x), i32(out_i32), r.count, r.width, stream_of(ctx));
  });
}

plinth_status topk(plinth_backend_ctx *ctx, const plinth_tensor *x, int32_t k,
                   plinth_tensor *values, plinth_tensor *indices_i32) {
  return guarded("topk", ctx, [&] {
    check_f32(x, "x");
    const Rows r = rows_of(x);
    if (k < 0 || k > r.width)
      fail("k = " + std::to_string(k) + " outside [0, " + std::to_string(r.width) + "] for " +
           describe("x", x));
    if (!values && !indices_i32) fail("values and indices are both NULL");
    if (values) {
      check_f32(values, "values");
      check_per_row(x, values, "values", k);
    }
    if (indices_i32) {
      check_i32(indices_i32, "indices");
      check_per_row(x, indices_i32, "indices", k);
    }
    launch_topk(f32(x), k, values ? f32(values) : nullptr, indices_i32 ? i32(indices_i32) : nullptr,
                r.count, r.width, stream_of(ctx));
  });
}

} // namespace plinth::gpu::ops
