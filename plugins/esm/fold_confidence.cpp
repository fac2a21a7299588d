#include "fold_confidence.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace plinth::esmfold {
namespace {

[[noreturn]] void fail(const std::string &what) {
  throw std::invalid_argument("esmfold confidence: " + what);
}

// Product of dimensions, rejecting negative ones and products that would not fit a size_t
// (a corrupt shape must not wrap around to a small, plausible size).
size_t element_count(std::initializer_list<int64_t> dims) {
  size_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) fail("negative dimension " + std::to_string(d));
    const auto u = static_cast<size_t>(d);
    if (u != 0 && n > std::numeric_limits<size_t>::max() / u) fail("shape is too large");
    n *= u;
  }
  return n;
}

void check_size(const char *what, size_t got, size_t want) {
  if (got != want)
    fail(std::string(what) + " has " + std::to_string(got) + " elements, expected " +
         std::to_string(want));
}

void check_positive(const char *what, int64_t v) {
  if (v < 1) fail(std::string(what) + " must be at least 1, got " + std::to_string(v));
}

// Left-to-right sum of a[k] * b[k], each product rounded to float first: torch materialises
// the elementwise product before reducing (torch.sum(probs * centers, -1)).
float dot(const float *a, const float *b, int64_t n) {
  float s = 0.0f;
  for (int64_t k = 0; k < n; ++k)
    s += a[k] * b[k];
  return s;
}

// One softmax row: subtract the maximum, exponentiate, then multiply by the reciprocal of the
// sum (torch's CPU last-axis kernel scales rather than divides).
void softmax_row(const float *in, int64_t n, float *out) {
  float m = in[0];
  // NaN wins, as in torch's max, so a NaN logit poisons its row instead of being skipped.
  for (int64_t k = 1; k < n; ++k)
    if (in[k] > m || std::isnan(in[k])) m = in[k];
  float sum = 0.0f;
  for (int64_t k = 0; k < n; ++k) {
    out[k] = std::exp(in[k] - m);
    sum += out[k];
  }
  const float inv = 1.0f / sum;
  for (int64_t k = 0; k < n; ++k)
    out[k] *= inv;
}

void check_aligned_error_args(int64_t no_bins) {
  // linspace(0, max_bin, no_bins - 1) needs two boundaries to define the bin width.
  if (no_bins < 3) fail("no_bins must be at least 3, got " + std::to_string(no_bins));
}

// compute_tm over `batch` square blocks of n x n residues, row r of block b starting at
// logits[b * batch_stride + r * row_stride] (so a block can be the unpadded corner of a larger
// padded one). weights has n entries.
float tm_score(const float *logits, int64_t batch, int64_t n, int64_t batch_stride,
               int64_t row_stride, std::span<const float> weights, int64_t no_bins, float max_bin,
               float eps) {
  const std::vector<float> centers = aligned_error_bin_centers(max_bin, no_bins);

  // d0 is Python float (double) arithmetic in the reference; only d0**2 meets the float32
  // tensor, as a scalar of the tensor's dtype.
  const int64_t clipped_n = std::max<int64_t>(n, 19);
  const double d0 = 1.24 * std::pow(static_cast<double>(clipped_n - 15), 1.0 / 3) - 1.8;
  const auto d0_sq = static_cast<float>(d0 * d0);
  std::vector<float> tm_per_bin(no_bins);
  for (int64_t k = 0; k < no_bins; ++k)
    tm_per_bin[k] = 1.0f / (1.0f + (centers[k] * centers[k]) / d0_sq);

  float weight_sum = 0.0f;
  for (float w : weights)
    weight_sum += w;
  const float denom = eps + weight_sum;
  std::vector<float> normed(n);
  for (int64_t j = 0; j < n; ++j)
    normed[j] = weights[j] / denom;

  std::vector<float> probs(no_bins), term(n);
  float best_weighted = 0.0f, best = std::numeric_limits<float>::quiet_NaN();
  bool have_best = false;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < n; ++i) {
      const float *row = logits + b * batch_stride + i * row_stride;
      for (int64_t j = 0; j < n; ++j) {
        softmax_row(row + j * no_bins, no_bins, probs.data());
        term[j] = dot(probs.data(), tm_per_bin.data(), no_bins);
      }
      const float per_alignment = dot(term.data(), normed.data(), n);
      const float weighted = per_alignment * weights[i];
      // The reference picks the first position equal to the maximum (row-major over batch and
      // i); a strict > keeps the first of equal maxima.
      if (!std::isnan(weighted) && (!have_best || weighted > best_weighted)) {
        best_weighted = weighted;
        best = per_alignment;
        have_best = true;
      }
    }
  }
  return best;
}

} // namespace

std::vector<float> linspace_f32(float start, float end, int64_t steps) {
  if (steps < 0) fail("linspace steps must not be negative");
  std::vector<float> out(static_cast<size_t>(steps));
  if (steps == 0) return out;
  if (steps == 1) {
    out[0] = start;
    return out;
  }
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int64_t halfway = steps / 2;
  for (int64_t i = 0; i < steps; ++i)
    out[i] = i < halfway ? start + step * static_cast<float>(i)
                         : end - step * static_cast<float>(steps - i - 1);
  return out;
}

void softmax_last_axis(std::span<const float> in, int64_t rows, int64_t n, std::span<float> out) {
  check_positive("softmax axis length", n);
  const size_t count = element_count({rows, n});
  check_size("softmax input", in.size(), count);
  check_size("softmax output", out.size(), count);
  // Works in place: each row is read fully (for the maximum) before out is written, and the
  // exponentials read in[k] before writing out[k].
  for (int64_t r = 0; r < rows; ++r)
    softmax_row(in.data() + r * n, n, out.data() + r * n);
}

std::vector<float> lddt_bin_centers(int64_t bins) {
  check_positive("lddt bins", bins);
  const std::vector<float> edges = linspace_f32(0.0f, 1.0f, bins + 1);
  std::vector<float> centers(bins);
  for (int64_t k = 0; k < bins; ++k)
    centers[k] = (edges[k] + edges[k + 1]) / 2.0f;
  return centers;
}

void categorical_lddt(std::span<const float> logits, int64_t rows, int64_t bins,
                      std::span<float> out, float scale) {
  const std::vector<float> centers = lddt_bin_centers(bins);
  check_size("lddt logits", logits.size(), element_count({rows, bins}));
  check_size("plddt output", out.size(), element_count({rows}));
  std::vector<float> probs(bins);
  for (int64_t r = 0; r < rows; ++r) {
    softmax_row(logits.data() + r * bins, bins, probs.data());
    // The scale is a separate multiply after the expectation, as in `100 * plddt`.
    const float mean = dot(probs.data(), centers.data(), bins);
    out[r] = scale * mean;
  }
}

std::vector<float> plddt_from_lddt_head(std::span<const float> lddt_head, int64_t blocks,
                                        int64_t batch, int64_t len, int64_t atoms, int64_t bins,
                                        float scale) {
  check_positive("lddt_head blocks", blocks);
  check_positive("lddt bins", bins);
  const size_t per_block = element_count({batch, len, atoms, bins});
  check_size("lddt_head", lddt_head.size(), element_count({blocks, batch, len, atoms, bins}));
  // Only the last structure-module block's logits give pLDDT (lddt_head[-1]).
  const auto last = lddt_head.subspan(static_cast<size_t>(blocks - 1) * per_block, per_block);
  const int64_t rows = batch * len * atoms;
  std::vector<float> plddt(static_cast<size_t>(rows));
  categorical_lddt(last, rows, bins, plddt, scale);
  return plddt;
}

std::vector<float> aligned_error_bin_centers(float max_bin, int64_t no_bins) {
  check_aligned_error_args(no_bins);
  const std::vector<float> boundaries = linspace_f32(0.0f, max_bin, no_bins - 1);
  const float step = boundaries[1] - boundaries[0];
  std::vector<float> centers(no_bins);
  for (int64_t k = 0; k + 1 < no_bins; ++k)
    centers[k] = boundaries[k] + step / 2.0f;
  centers[no_bins - 1] = centers[no_bins - 2] + step;
  return centers;
}

AlignedError compute_predicted_aligned_error(std::span<const float> ptm_logits, int64_t batch,
                                             int64_t len, int64_t no_bins, float max_bin) {
  const std::vector<float> centers = aligned_error_bin_centers(max_bin, no_bins);
  const size_t pairs = element_count({batch, len, len});
  check_size("ptm_logits", ptm_logits.size(), element_count({batch, len, len, no_bins}));

  AlignedError r;
  r.aligned_confidence_probs.resize(ptm_logits.size());
  r.predicted_aligned_error.resize(pairs);
  for (size_t p = 0; p < pairs; ++p) {
    float *probs = r.aligned_confidence_probs.data() + p * no_bins;
    softmax_row(ptm_logits.data() + p * no_bins, no_bins, probs);
    r.predicted_aligned_error[p] = dot(probs, centers.data(), no_bins);
  }
  r.max_predicted_aligned_error = centers.back();
  return r;
}

float compute_tm(std::span<const float> ptm_logits, int64_t batch, int64_t len,
                 std::span<const float> residue_weights, int64_t no_bins, float max_bin,
                 float eps) {
  check_aligned_error_args(no_bins);
  check_positive("batch", batch);
  check_positive("len", len);
  check_size("ptm_logits", ptm_logits.size(), element_count({batch, len, len, no_bins}));
  std::vector<float> ones;
  if (residue_weights.empty()) {
    ones.assign(static_cast<size_t>(len), 1.0f);
    residue_weights = ones;
  }
  check_size("residue_weights", residue_weights.size(), element_count({len}));
  return tm_score(ptm_logits.data(), batch, len, len * len * no_bins, len * no_bins,
                  residue_weights, no_bins, max_bin, eps);
}

std::vector<float> compute_tm_per_sequence(std::span<const float> ptm_logits, int64_t batch,
                                           int64_t len, std::span<const int64_t> seq_lens,
                                           int64_t no_bins, float max_bin) {
  check_aligned_error_args(no_bins);
  check_size("ptm_logits", ptm_logits.size(), element_count({batch, len, len, no_bins}));
  check_size("seq_lens", seq_lens.size(), element_count({batch}));
  std::vector<float> out(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t n = seq_lens[b];
    if (n < 1 || n > len)
      fail("seq_lens[" + std::to_string(b) + "] = " + std::to_string(n) + " is outside 1.." +
           std::to_string(len));
    const std::vector<float> ones(static_cast<size_t>(n), 1.0f);
    out[b] = tm_score(ptm_logits.data() + b * len * len * no_bins, 1, n, 0, len * no_bins, ones,
                      no_bins, max_bin, 1e-8f);
  }
  return out;
}

FoldingConfidence folding_confidence(std::span<const float> lddt_head, int64_t blocks,
                                     std::span<const float> ptm_logits, int64_t batch,
                                     int64_t len) {
  constexpr int64_t kAtoms = 37;
  FoldingConfidence c;
  c.plddt = plddt_from_lddt_head(lddt_head, blocks, batch, len, kAtoms, kLddtBins);
  c.ptm = compute_tm(ptm_logits, batch, len);
  AlignedError ae = compute_predicted_aligned_error(ptm_logits, batch, len);
  c.aligned_confidence_probs = std::move(ae.aligned_confidence_probs);
  c.predicted_aligned_error = std::move(ae.predicted_aligned_error);
  c.max_predicted_aligned_error = ae.max_predicted_aligned_error;
  return c;
}

} // namespace plinth::esmfold
