// Elementwise ops over f32: activations, broadcasting binary ops, affine.
// Formulas follow torch's float32 definitions so results agree to rounding.
#include "backend.hpp"

#include <array>
#include <cmath>
#include <limits>

namespace plinth::cpu::ops {
namespace {

constexpr int64_t kGrain = 1 << 14; // elements per chunk: small ops stay on one thread

template <class F> void map(plinth_backend_ctx *ctx, const float *x, float *y, int64_t n, F f) {
  pool_of(ctx).parallel_for(n, kGrain, [&](int64_t b, int64_t e, int) {
    for (int64_t i = b; i < e; ++i)
      y[i] = f(x[i]);
  });
}

inline float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

inline float maximum(float a, float b) { return (a > b || std::isnan(a)) ? a : b; }
inline float minimum(float a, float b) { return (a < b || std::isnan(a)) ? a : b; }

template <class Op>
void broadcast_rows(plinth_backend_ctx *ctx, const float *a, const float *b, float *out,
                    const std::array<int64_t, 4> &shape, const std::array<int64_t, 4> &bstride,
                    Op op) {
  const int64_t inner = shape[3], rows = shape[0] * shape[1] * shape[2];
  pool_of(ctx).parallel_for(
      rows, std::max<int64_t>(1, kGrain / (inner + 1)), [&](int64_t lo, int64_t hi, int) {
        for (int64_t r = lo; r < hi; ++r) {
          const int64_t i2 = r % shape[2], i1 = (r / shape[2]) % shape[1],
                        i0 = r / (shape[2] * shape[1]);
          const float *br = b + i0 * bstride[0] + i1 * bstride[1] + i2 * bstride[2];
          const float *ar = a + r * inner;
          float *orow = out + r * inner;
          if (bstride[3] == 0) {
            const float bv = br[0];
            for (int64_t i = 0; i < inner; ++i)
              orow[i] = op(ar[i], bv);
          } else {
            for (int64_t i = 0; i < inner; ++i)
              orow[i] = op(ar[i], br[i]);
          }
        }
      });
}

} // namespace

plinth_status unary(plinth_backend_ctx *ctx, int32_t op, const plinth_tensor *x,
                    plinth_tensor *out) {
  return guarded("unary", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_same_shape(x, "x", out, "out");
    const float *xp = f32(x);
    float *yp = f32(out);
    const int64_t n = numel(x);
    switch (op) {
    case PLINTH_UNARY_GELU:
      map(ctx, xp, yp, n,
          [](float v) { return 0.5f * v * (1.0f + std::erf(v * static_cast<float>(M_SQRT1_2))); });
      break;
    case PLINTH_UNARY_GELU_TANH: {
      const float k = static_cast<float>(M_SQRT2 * M_2_SQRTPI * 0.5); // sqrt(2/pi)
      map(ctx, xp, yp, n,
          [k](float v) { return 0.5f * v * (1.0f + std::tanh(k * (v + 0.044715f * v * v * v))); });
      break;
    }
    case PLINTH_UNARY_SILU:
      map(ctx, xp, yp, n, [](float v) { return v / (1.0f + std::exp(-v)); });
      break;
    case PLINTH_UNARY_RELU:
      map(ctx, xp, yp, n, [](float v) { return v > 0.0f ? v : (std::isnan(v) ? v : 0.0f); });
      break;
    case PLINTH_UNARY_TANH: map(ctx, xp, yp, n, [](float v) { return std::tanh(v); }); break;
    case PLINTH_UNARY_SIGMOID: map(ctx, xp, yp, n, [](float v) { return sigmoid(v); }); break;
    case PLINTH_UNARY_EXP: map(ctx, xp, yp, n, [](float v) { return std::exp(v); }); break;
    case PLINTH_UNARY_NEG: map(ctx, xp, yp, n, [](float v) { return -v; }); break;
    case PLINTH_UNARY_SQUARE: map(ctx, xp, yp, n, [](float v) { return v * v; }); break;
    case PLINTH_UNARY_SQRT: map(ctx, xp, yp, n, [](float v) { return std::sqrt(v); }); break;
    case PLINTH_UNARY_RELU2:
      map(ctx, xp, yp, n, [](float v) {
        const float r = v > 0.0f ? v : (std::isnan(v) ? v : 0.0f);
        return r * r;
      });
      break;
    case PLINTH_UNARY_QUICK_GELU:
      map(ctx, xp, yp, n, [](float v) { return v * sigmoid(1.702f * v); });
      break;
    case PLINTH_UNARY_ABS: map(ctx, xp, yp, n, [](float v) { return std::fabs(v); }); break;
    case PLINTH_UNARY_RECIPROCAL: map(ctx, xp, yp, n, [](float v) { return 1.0f / v; }); break;
    case PLINTH_UNARY_SOFTPLUS: // torch default: beta 1, linear above threshold 20
      map(ctx, xp, yp, n, [](float v) { return v > 20.0f ? v : std::log1p(std::exp(v)); });
      break;
    default: fail("unknown unary op " + std::to_string(op) + " on " + describe("x", x));
    }
  });
}

plinth_status binary(plinth_backend_ctx *ctx, int32_t op, const plinth_tensor *a,
                     const plinth_tensor *b, plinth_tensor *out) {
  return guarded("binary", ctx, [&] {
    const BroadcastShape bc = check_binary(op, a, b, out);
    const std::array<int64_t, 4> &shape = bc.shape, &bstride = bc.bstride;
    const float *ap = f32(a), *bp = f32(b);
    float *op_ = f32(out);
    switch (op) {
    case PLINTH_BINARY_ADD:
      broadcast_rows(ctx, ap, bp, op_, shape, bstride, [](float x, float y) { return x + y; });
      break;
    case PLINTH_BINARY_SUB:
      broadcast_rows(ctx, ap, bp, op_, shape, bstride, [](float x, float y) { return x - y; });
      break;
    case PLINTH_BINARY_MUL:
      broadcast_rows(ctx, ap, bp, op_, shape, bstride, [](float x, float y) { return x * y; });
      break;
    case PLINTH_BINARY_DIV:
      broadcast_rows(ctx, ap, bp, op_, shape, bstride, [](float x, float y) { return x / y; });
      break;
    case PLINTH_BINARY_MAX: broadcast_rows(ctx, ap, bp, op_, shape, bstride, maximum); break;
    case PLINTH_BINARY_MIN: broadcast_rows(ctx, ap, bp, op_, shape, bstride, minimum); break;
    }
  });
}

plinth_status affine(plinth_backend_ctx *ctx, const plinth_tensor *x, float alpha, float beta,
                     plinth_tensor *out) {
  return guarded("affine", ctx, [&] {
    check_f32(x, "x");
    check_f32(out, "out");
    check_same_shape(x, "x", out, "out");
    map(ctx, f32(x), f32(out), numel(x), [alpha, beta](float v) { return alpha * v + beta; });
  });
}

} // namespace plinth::cpu::ops
