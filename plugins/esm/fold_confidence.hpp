// Host-side confidence outputs of ESMFold, computed from its two confidence heads' logits the
// way transformers' EsmForProteinFolding.forward (4.39) does: pLDDT from the lDDT head
// (categorical_lddt), and from the pTM head the aligned-error probabilities, the predicted
// aligned error (openfold compute_predicted_aligned_error) and pTM (openfold compute_tm).
//
// Everything is float32 in the reference's order of operations (softmax subtracts the row
// maximum and scales by the reciprocal of the sum; reductions run left to right over the last
// axis), so results agree with torch's to a few float32 ulps. Arrays are flat and row-major.
// Size or shape mismatches throw std::invalid_argument.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace plinth::esmfold {

inline constexpr int64_t kLddtBins = 50;         // EsmForProteinFolding.lddt_bins
inline constexpr int64_t kAlignedErrorBins = 64; // distogram_bins, passed to the pTM helpers
inline constexpr float kAlignedErrorMaxBin = 31.0f;

// torch.linspace(start, end, steps) in float32, with torch's CPU formula (the first half counts
// up from start, the second half down from end), so bin edges match bit for bit.
std::vector<float> linspace_f32(float start, float end, int64_t steps);

// Softmax over the last axis: in and out are [rows, n]; out may alias in.
void softmax_last_axis(std::span<const float> in, int64_t rows, int64_t n, std::span<float> out);

// EsmCategoricalMixture's bin values: midpoints of linspace(0, 1, bins + 1), [bins].
std::vector<float> lddt_bin_centers(int64_t bins);
// categorical_lddt: logits [rows, bins] -> out [rows], the expected bin value in 0..1, times
// scale.
void categorical_lddt(std::span<const float> logits, int64_t rows, int64_t bins,
                      std::span<float> out, float scale = 1.0f);
// EsmForProteinFolding's plddt: categorical_lddt of the last structure-module block of
// lddt_head [blocks, batch, len, atoms, bins] -> [batch, len, atoms]. transformers 4.39 does not
// scale it (values in 0..1, which output_to_pdb writes as B-factors); fair-esm's ESMFold
// multiplies by 100 (pass scale = 100 for that).
std::vector<float> plddt_from_lddt_head(std::span<const float> lddt_head, int64_t blocks,
                                        int64_t batch, int64_t len, int64_t atoms = 37,
                                        int64_t bins = kLddtBins, float scale = 1.0f);

// _calculate_bin_centers(linspace(0, max_bin, no_bins - 1)): no_bins values, the last one
// a step past the last boundary (31.75 for ESMFold).
std::vector<float> aligned_error_bin_centers(float max_bin, int64_t no_bins);

struct AlignedError {
  std::vector<float> aligned_confidence_probs; // [batch, len, len, no_bins]
  std::vector<float> predicted_aligned_error;  // [batch, len, len]
  float max_predicted_aligned_error = 0.0f;    // scalar: the last bin centre
};
// compute_predicted_aligned_error on ptm_logits [batch, len, len, no_bins]. Every position,
// padded or not, is computed: the reference applies no mask.
AlignedError compute_predicted_aligned_error(std::span<const float> ptm_logits, int64_t batch,
                                             int64_t len, int64_t no_bins = kAlignedErrorBins,
                                             float max_bin = kAlignedErrorMaxBin);

// compute_tm on ptm_logits [batch, len, len, no_bins] with residue_weights [len] (empty: all
// ones, as ESMFold calls it): per aligned residue i, the weighted mean over j of the expected
// TM term; the result is that value at the first maximum of (value * weight) over the whole
// batch and all i. So for a batch it is one number for all sequences, and padded rows take part
// and the TM scale d0 uses the padded length: exactly what 4.39's forward outputs as "ptm".
float compute_tm(std::span<const float> ptm_logits, int64_t batch, int64_t len,
                 std::span<const float> residue_weights = {}, int64_t no_bins = kAlignedErrorBins,
                 float max_bin = kAlignedErrorMaxBin, float eps = 1e-8f);
// One pTM per sequence, each compute_tm of its unpadded block ptm_logits[b, :n_b, :n_b] with
// n_b = seq_lens[b] (1..len), as fair-esm's ESMFold computes "ptm". Equals compute_tm for a
// batch of one unpadded sequence.
std::vector<float> compute_tm_per_sequence(std::span<const float> ptm_logits, int64_t batch,
                                           int64_t len, std::span<const int64_t> seq_lens,
                                           int64_t no_bins = kAlignedErrorBins,
                                           float max_bin = kAlignedErrorMaxBin);

// Everything EsmForProteinFolding.forward (4.39) derives from the two heads, with its default
// arguments: lddt_head [blocks, batch, len, 37, 50], ptm_logits [batch, len, len, 64].
struct FoldingConfidence {
  std::vector<float> plddt;                    // [batch, len, 37], 0..1
  std::vector<float> aligned_confidence_probs; // [batch, len, len, 64]
  std::vector<float> predicted_aligned_error;  // [batch, len, len]
  float max_predicted_aligned_error = 0.0f;
  float ptm = 0.0f; // compute_tm over the whole padded batch (see compute_tm)
};
FoldingConfidence folding_confidence(std::span<const float> lddt_head, int64_t blocks,
                                     std::span<const float> ptm_logits, int64_t batch, int64_t len);

} // namespace plinth::esmfold
