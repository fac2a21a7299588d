// Float32 arithmetic in the order PyTorch's CPU kernels use, so that f32 results match
// transformers bit for bit rather than to a few ulps. It matters where a model cancels large
// terms (MobileBERT's no_norm checkpoints reach ~5e3 and sum to ~1e-1): there every rounding
// decides the result, and a correctly rounded but differently ordered computation misses the
// references by 1e-2. Each function states which PyTorch computation it mirrors; each has a
// vector (AVX2/FMA) and a portable path that give identical bits.
#pragma once

#include <cstdint>

namespace plinth::cpu {

// exp(d) as Vectorized<float>::exp() computes it (SLEEF's expf_u10 algorithm): Cody-Waite
// reduction by ln 2 in two FMA steps, a degree-5 polynomial, scaling by 2^q in two halves;
// 0 below -104, +inf above 100.
float torch_expf(float d);

// Softmax of a row in place, as torch.softmax over the last dim (_vec_softmax_lastdim):
// m = max, e = exp(x - m), sum over 16 lanes (lane l adds elements l, l+16, ... in order, then
// lanes fold l+8, l+4, l+2, l+1: torch's AVX-512 reduce_all, which made the reference
// fixtures), then e * (1 / sum). -inf entries (masked keys) become 0. The row's max must be
// finite (the caller handles rows with nothing visible).
void torch_softmax_row(float *x, int64_t n, float max);

// Keys transposed to [D][ld] (ld >= n, a multiple of 8, padding zeroed) from n rows of D
// floats, `stride` floats apart: the layout score_chains() reads.
void transpose_keys(const float *k, int64_t stride, int64_t n, int64_t D, float *kt, int64_t ld);

// s[j] = (sum over d of q[d] * kt[d][j]) * scale for j in [j0, j1): each sum one FMA chain over d
// starting from 0, as the BLAS microkernels behind torch.matmul(q, k^T) accumulate, then the
// scale as a separate multiplication (eager attention scales the scores, not q). Works in
// blocks of 8: also writes s[j] from j0 rounded down to j1 rounded up to a multiple of 8, so s
// must hold ld floats.
void score_chains(const float *q, const float *kt, int64_t ld, int64_t D, int64_t j0, int64_t j1,
                  float scale, float *s);

// score_chains() for two queries at once (s0 from q0, s1 from q1), with the same bits: the
// keys are read once for both and twice as many chains hide the FMA latency.
void score_chains2(const float *q0, const float *q1, const float *kt, int64_t ld, int64_t D,
                   int64_t j0, int64_t j1, float scale, float *s0, float *s1);

} // namespace plinth::cpu
