// Row-wise ops over the last dimension: normalisations, softmax, reductions, argmax, top-k.
// Norm and reduction sums are accumulated in double: the result is the correctly rounded float
// that torch's cascade summation approximates, independent of thread count. Softmax follows
// torch's exact order instead (torch_order.hpp): attention weights feed cancellations.
#include "backend.hpp"
#include "torch_order.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <vector>

namespace plinth::cpu::ops {
namespace {

int64_t grain_for(int64_t width) { return std::max<int64_t>(1, 16384 / (width + 1)); }

// NaN ranks above everything, as in torch.argmax / torch.topk.
inline bool ranks_above(float a, float b) {
  if (std::isnan(a)) return !std::isnan(b);
  return a > b;
}

} // namespace

plinth_status layer_norm(plinth_backend_ctx *ctx, const plinth_tensor *x,
                         const plinth_tensor *weight, const plinth_tensor *bias, float eps,
                         plinth_tensor *out) {
  return guarded("layer_norm", ctx, [&] {
    const Rows r = check_rowwise(x, weight, bias, out);
    std::unique_ptr<F32Vector> w, b;
    if (weight) w = std::make_unique<F32Vector>(weight, "weight", r.width, "last dim of x");
    if (bias) b = std::make_unique<F32Vector>(bias, "bias", r.width, "last dim of x");
    const float *xp = f32(x), *wp = w ? w->data() : nullptr, *bp = b ? b->data() : nullptr;
    float *yp = f32(out);
    pool_of(ctx).parallel_for(r.count, grain_for(r.width), [&](int64_t lo, int64_t hi, int) {
      for (int64_t i = lo; i < hi; ++i) {
        const float *xr = xp + i * r.width;
        float *yr = yp + i * r.width;
        double sum = 0.0;
        for (int64_t j = 0; j < r.width; ++j)
          sum += xr[j];
        const double mean = sum / static_cast<double>(r.width);
        double sq = 0.0;
        for (int64_t j = 0; j < r.width; ++j) {
          const double d = xr[j] - mean;
          sq += d * d;
        }
        const float var = static_cast<float>(sq / static_cast<double>(r.width)); // biased
        const float rstd = 1.0f / std::sqrt(var + eps);
        const float m = static_cast<float>(mean);
        for (int64_t j = 0; j < r.width; ++j) {
          float v = (xr[j] - m) * rstd;
          if (wp) v *= wp[j];
          if (bp) v += bp[j];
          yr[j] = v;
        }
      }
    });
  });
}

plinth_status rms_norm(plinth_backend_ctx *ctx, const plinth_tensor *x, const plinth_tensor *weight,
                       float eps, plinth_tensor *out) {
  return guarded("rms_norm", ctx, [&] {
    const Rows r = check_rowwise(x, weight, nullptr, out);
    std::unique_ptr<F32Vector> w;
    if (weight) w = std::make_unique<F32Vector>(weight, "weight", r.width, "last dim of x");
    const float *xp = f32(x), *wp = w ? w->data() : nullptr;
    float *yp = f32(out);
    pool_of(ctx).parallel_for(r.count, grain_for(r.width), [&](int64_t lo, int64_t hi, int) {
      for (int64_t i = lo; i < hi; ++i) {
        const float *xr = xp + i * r.width;
        float *yr = yp + i * r.width;
        double sq = 0.0;
        for (int64_t j = 0; j < r.width; ++j)
          sq += static_cast<double>(xr[j]) * xr[j];
        // transformers: x * rsqrt(mean(x^2) + eps) * w, all in float32.
        const float ms = static_cast<float>(sq / static_cast<double>(r.width));
        const float scale = 1.0f / std::sqrt(ms + eps);
        for (int64_t j = 0; j < r.width; ++j)
          yr[j] = wp ? wp[j] * (xr[j] * scale) : xr[j] * scale;
      }
    });
  });
}

plinth_status softmax(plinth_backend_ctx *ctx, const plinth_tensor *x, plinth_tensor *out) {
  return guarded("softmax", ctx, [&] {
    const Rows r = check_rowwise(x, nullptr, nullptr, out);
    const float *xp = f32(x);
    float *yp = f32(out);
    pool_of(ctx).parallel_for(r.count, grain_for(r.width), [&](int64_t lo, int64_t hi, int) {
      for (int64_t i = lo; i < hi; ++i) {
        const float *xr = xp + i * r.width;
        float *yr = yp + i * r.width;
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < r.width; ++j)
          mx = std::max(mx, xr[j]);
        if (yr != xr) std::copy(xr, xr + r.width, yr);
        torch_softmax_row(yr, r.width, mx); // torch's own rounding order (torch_order.hpp)
      }
    });
  });
}

plinth_status reduce(plinth_backend_ctx *ctx, int32_t op, const plinth_tensor *x,
                     plinth_tensor *out) {
  return guarded("reduce", ctx, [&] {
    const Rows r = check_reduce(op, x, out);
    const float *xp = f32(x);
    float *yp = f32(out);
    pool_of(ctx).parallel_for(r.count, grain_for(r.width), [&](int64_t lo, int64_t hi, int) {
      for (int64_t i = lo; i < hi; ++i) {
        const float *xr = xp + i * r.width;
        if (op == PLINTH_REDUCE_SUM || op == PLINTH_REDUCE_MEAN) {
          double s = 0.0;
          for (int64_t j = 0; j < r.width; ++j)
            s += xr[j];
          if (op == PLINTH_REDUCE_MEAN) s /= static_cast<double>(r.width);
          yp[i] = static_cast<float>(s);
        } else {
          const bool want_max = op == PLINTH_REDUCE_MAX;
          float v = want_max ? -std::numeric_limits<float>::infinity()
                             : std::numeric_limits<float>::infinity();
          for (int64_t j = 0; j < r.width; ++j) {
            const float e = xr[j];
            if (std::isnan(e)) {
              v = e; // nan propagates, as in torch
              break;
            }
            v = want_max ? std::max(v, e) : std::min(v, e);
          }
          yp[i] = v;
        }
      }
    });
  });
}

plinth_status argmax(plinth_backend_ctx *ctx, const plinth_tensor *x, plinth_tensor *out_i32) {
  return guarded("argmax", ctx, [&] {
    const Rows r = check_argmax(x, out_i32);
    const float *xp = f32(x);
    auto *yp = static_cast<int32_t *>(out_i32->data);
    pool_of(ctx).parallel_for(r.count, grain_for(r.width), [&](int64_t lo, int64_t hi, int) {
      for (int64_t i = lo; i < hi; ++i) {
        const float *xr = xp + i * r.width;
        int64_t best = 0;
        for (int64_t j = 1; j < r.width; ++j)
          if (ranks_above(xr[j], xr[best])) best = j; // strict: ties keep the first index
        yp[i] = static_cast<int32_t>(best);
      }
    });
  });
}

plinth_status topk(plinth_backend_ctx *ctx, const plinth_tensor *x, int32_t k,
                   plinth_tensor *values, plinth_tensor *indices_i32) {
  return guarded("topk", ctx, [&] {
    const Rows r = check_topk(x, k, values, indices_i32);
    const float *xp = f32(x);
    float *vp = values ? f32(values) : nullptr;
    auto *ip = indices_i32 ? static_cast<int32_t *>(indices_i32->data) : nullptr;
    pool_of(ctx).parallel_for(r.count, grain_for(r.width), [&](int64_t lo, int64_t hi, int) {
      std::vector<int32_t> idx(static_cast<size_t>(r.width));
      for (int64_t i = lo; i < hi; ++i) {
        const float *xr = xp + i * r.width;
        std::iota(idx.begin(), idx.end(), 0);
        std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [xr](int32_t a, int32_t b) {
          if (ranks_above(xr[a], xr[b])) return true;
          if (ranks_above(xr[b], xr[a])) return false;
          return a < b; // ties: lower index first
        });
        for (int32_t j = 0; j < k; ++j) {
          if (vp) vp[i * k + j] = xr[idx[j]];
          if (ip) ip[i * k + j] = idx[j];
        }
      }
    });
  });
}

} // namespace plinth::cpu::ops
