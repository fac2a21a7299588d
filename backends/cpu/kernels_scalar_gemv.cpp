// Portable matrix-vector and quantized kernels: the reference the AVX2 set is tested against,
// and what runs on CPUs without AVX2/FMA/F16C.
#include "half.hpp"
#include "kernels_impl.hpp"
#include "quant_layout.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace plinth::cpu::generic {
namespace {

// Dot products of one weight row (converted element by element) with M activation rows,
// in eight partial sums per row so the compiler can vectorise without -ffast-math.
template <class Load>
void gemv_rows(int64_t rows, int64_t K, const float *x, int64_t M, float *y, int64_t ldy,
               Load load) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t m = 0; m < M; ++m) {
      const float *xr = x + m * K;
      float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t k = 0;
      for (; k + 8 <= K; k += 8)
        for (int j = 0; j < 8; ++j)
          acc[j] += load(r, k + j) * xr[k + j];
      float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      for (; k < K; ++k)
        s += load(r, k) * xr[k];
      y[m * ldy + r] = s;
    }
}

float scale_of(const uint8_t *block) {
  uint16_t h;
  std::memcpy(&h, block, 2);
  return half_to_float(h);
}

} // namespace

void gemv_f32(const float *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y,
              int64_t ldy) {
  gemv_rows(rows, K, x.x, M, y, ldy, [&](int64_t r, int64_t k) { return w[r * K + k]; });
}

void gemv_f16(const uint16_t *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y,
              int64_t ldy) {
  gemv_rows(rows, K, x.x, M, y, ldy,
            [&](int64_t r, int64_t k) { return half_to_float(w[r * K + k]); });
}

void gemv_bf16(const uint16_t *w, int64_t rows, int64_t K, const F32Acts &x, int64_t M, float *y,
               int64_t ldy) {
  gemv_rows(rows, K, x.x, M, y, ldy,
            [&](int64_t r, int64_t k) { return bf16_to_float(w[r * K + k]); });
}

void quantize_acts(const float *x, int64_t K, int64_t m, const QActs &acts) {
  const int64_t nb = K / kQBlock;
  for (int64_t b = 0; b < nb; ++b) {
    const float *xb = x + b * kQBlock;
    const int64_t blk = m * acts.blocks_per_row + b;
    float amax = 0.0f;
    for (int64_t i = 0; i < kQBlock; ++i)
      amax = std::max(amax, std::fabs(xb[i]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 127.0f / amax : 0.0f;
    int8_t *q = acts.q + blk * kQBlock;
    for (int64_t i = 0; i < kQBlock; ++i)
      q[i] = static_cast<int8_t>(std::nearbyint(xb[i] * id)); // ties to even, as cvtps2dq
    int32_t sum = 0;
    for (int64_t i = 0; i < kQBlock; ++i)
      sum += q[i];
    acts.d[blk] = d;
    acts.s8[blk] = 8.0f * d * static_cast<float>(sum);
  }
  pair_q4_acts(acts, m);
}

void gemv_q8_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  const int64_t nb = K / kQBlock;
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = w + static_cast<size_t>(r * nb) * kQ8BlockBytes;
    for (int64_t m = 0; m < M; ++m) {
      float s = 0.0f;
      for (int64_t b = 0; b < nb; ++b) {
        const QBlockRef blk = q_block(row, b, nb, kQ8BlockBytes);
        const auto *wq = reinterpret_cast<const int8_t *>(blk.payload);
        const int8_t *xq = x.q + (m * x.blocks_per_row + b) * kQBlock;
        int32_t isum = 0;
        for (int64_t i = 0; i < kQBlock; ++i)
          isum += wq[i] * xq[i];
        s += static_cast<float>(isum) * (scale_of(blk.scale) * x.d[m * x.blocks_per_row + b]);
      }
      y[m * ldy + r] = s;
    }
  }
}

void gemv_q4_0(const uint8_t *w, int64_t rows, int64_t K, const QActs &x, int64_t M, float *y,
               int64_t ldy) {
  const int64_t nb = K / kQBlock;
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t *row = w + static_cast<size_t>(r * nb) * kQ4BlockBytes;
    for (int64_t m = 0; m < M; ++m) {
      float s = 0.0f;
      for (int64_t b = 0; b < nb; ++b) {
        const QBlockRef blk = q_block(row, b, nb, kQ4BlockBytes);
        const uint8_t *nib = blk.payload;
        const int8_t *xq = x.q + (m * x.blocks_per_row + b) * kQBlock;
        int32_t isum = 0;
        for (int64_t i = 0; i < kQBlock / 2; ++i) {
          isum += ((nib[i] & 15) - 8) * xq[i];
          isum += ((nib[i] >> 4) - 8) * xq[i + kQBlock / 2];
        }
        s += static_cast<float>(isum) * (scale_of(blk.scale) * x.d[m * x.blocks_per_row + b]);
      }
      y[m * ldy + r] = s;
    }
  }
}

void q8_0_to_f32(const uint8_t *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kQBlock; ++b) {
    const uint8_t *blk = src + b * kQ8BlockBytes;
    const float d = scale_of(blk);
    const auto *q = reinterpret_cast<const int8_t *>(blk + 2);
    for (int64_t i = 0; i < kQBlock; ++i)
      dst[b * kQBlock + i] = d * static_cast<float>(q[i]);
  }
}

void q4_0_to_f32(const uint8_t *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kQBlock; ++b) {
    const uint8_t *blk = src + b * kQ4BlockBytes;
    const float d = scale_of(blk);
    for (int64_t i = 0; i < kQBlock / 2; ++i) {
      dst[b * kQBlock + i] = d * static_cast<float>((blk[2 + i] & 15) - 8);
      dst[b * kQBlock + i + kQBlock / 2] = d * static_cast<float>((blk[2 + i] >> 4) - 8);
    }
  }
}

} // namespace plinth::cpu::generic
