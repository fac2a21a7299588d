// ESMFold's host-side confidence outputs (plugins/esm/fold_confidence) against the esmfold
// fixtures: the fixture's lddt_head and ptm_logits, fed through our functions, must give its
// plddt, aligned_confidence_probs, predicted_aligned_error and (single sequence) ptm and
// max_predicted_aligned_error, compared at unpadded residues with case.json's tolerances.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "esmfold_fixture.hpp"
#include "fold_confidence.hpp"
#include "plinth_types.h"
#include "safetensors.hpp"

namespace fs = std::filesystem;
namespace ef = plinth::esmfold;

namespace {

using esmfold_fixture::kCases;
using esmfold_fixture::read_tensor;
const char *const kCaseNames[] = {"protein_folding", "protein_folding_single"};

// case.json tolerance_per_output (the larger of the two cases' where they differ);
// allclose-style: |got - want| <= atol + rtol * |want|.
constexpr double kRtol = 1e-4;
constexpr double kPlddtAtol = 1e-4;
constexpr double kProbsAtol = 1e-4;
constexpr double kPaeAtol = 0.0019; // the single case's; the batch case allows 0.0022
constexpr double kPtmAtol = 1e-4;
constexpr double kMaxPaeAtol = 0.0032;

bool close(double got, double want, double atol) {
  return std::fabs(got - want) <= atol + kRtol * std::fabs(want);
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return buf;
}

struct Fixture {
  std::string name;
  int64_t blocks = 0, batch = 0, len = 0;
  std::vector<int64_t> mask;     // [B,L]
  std::vector<int64_t> seq_lens; // [B]
  std::vector<float> lddt_head;  // [blocks,B,L,37,50]
  std::vector<float> ptm_logits; // [B,L,L,64]
  std::vector<float> plddt;      // [B,L,37]
  std::vector<float> probs;      // [B,L,L,64]
  std::vector<float> pae;        // [B,L,L]
  bool has_scalars = false;      // ptm and max_predicted_aligned_error (single case only)
  float ptm = 0.0f, max_pae = 0.0f;

  explicit Fixture(const std::string &case_name) : name(case_name) {
    plinth::SafetensorsFile in(kCases / name / "inputs.safetensors");
    plinth::SafetensorsFile ex(kCases / name / "expected.safetensors");
    std::vector<int64_t> shape;
    mask = read_tensor<int64_t>(in, "attention_mask", PLINTH_DTYPE_I64, &shape);
    batch = shape.at(0);
    len = shape.at(1);
    lddt_head = read_tensor<float>(ex, "lddt_head", PLINTH_DTYPE_F32, &shape);
    blocks = shape.at(0);
    if (shape != std::vector<int64_t>{blocks, batch, len, 37, 50})
      throw std::runtime_error("unexpected lddt_head shape");
    ptm_logits = read_tensor<float>(ex, "ptm_logits", PLINTH_DTYPE_F32, &shape);
    if (shape != std::vector<int64_t>{batch, len, len, 64})
      throw std::runtime_error("unexpected ptm_logits shape");
    plddt = read_tensor<float>(ex, "plddt", PLINTH_DTYPE_F32);
    probs = read_tensor<float>(ex, "aligned_confidence_probs", PLINTH_DTYPE_F32);
    pae = read_tensor<float>(ex, "predicted_aligned_error", PLINTH_DTYPE_F32);
    has_scalars = ex.find("ptm") != nullptr;
    if (has_scalars) {
      ptm = read_tensor<float>(ex, "ptm", PLINTH_DTYPE_F32).at(0);
      max_pae = read_tensor<float>(ex, "max_predicted_aligned_error", PLINTH_DTYPE_F32).at(0);
    }
    for (int64_t b = 0; b < batch; ++b) {
      int64_t n = 0;
      for (int64_t i = 0; i < len; ++i)
        n += mask[b * len + i] != 0;
      seq_lens.push_back(n);
    }
  }
  bool valid(int64_t b, int64_t i) const { return mask[b * len + i] != 0; }
};

// Compares got against want over [B, L, (L,) inner] at unpadded positions (both residues for
// pair outputs); reports the count and worst case of mismatches.
void expect_close(const Fixture &fx, const char *what, const std::vector<float> &got,
                  const std::vector<float> &want, bool pair, int64_t inner, double atol) {
  ASSERT_EQ(got.size(), want.size()) << what;
  const int64_t cols = pair ? fx.len : 1;
  int64_t checked = 0, bad = 0;
  double worst = 0.0;
  std::string worst_at;
  for (int64_t b = 0; b < fx.batch; ++b)
    for (int64_t i = 0; i < fx.len; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        if (!fx.valid(b, i) || (pair && !fx.valid(b, j))) continue;
        for (int64_t k = 0; k < inner; ++k) {
          const size_t at = ((b * fx.len + i) * cols + j) * inner + k;
          const double err = std::fabs(double(got[at]) - double(want[at]));
          ++checked;
          if (!close(got[at], want[at], atol)) ++bad;
          if (err > worst) {
            worst = err;
            char buf[128];
            std::snprintf(buf, sizeof buf, "[b=%lld, i=%lld, j=%lld, k=%lld]: got %.7g, want %.7g",
                          static_cast<long long>(b), static_cast<long long>(i),
                          static_cast<long long>(j), static_cast<long long>(k), double(got[at]),
                          double(want[at]));
            worst_at = buf;
          }
        }
      }
  EXPECT_GT(checked, 0) << what;
  EXPECT_EQ(bad, 0) << fx.name << " " << what << ": " << bad << " of " << checked
                    << " values outside tolerance; worst " << worst_at;
}

TEST(EsmFoldConfidence, BinCentersMatchTorch) {
  const std::vector<float> lddt = ef::lddt_bin_centers(50);
  ASSERT_EQ(lddt.size(), 50u);
  EXPECT_NEAR(lddt.front(), 0.01f, 1e-7);
  EXPECT_NEAR(lddt.back(), 0.99f, 1e-7);

  // linspace(0, 31, 63) has step 0.5 exactly, so ESMFold's centres are exact quarters.
  const std::vector<float> ae = ef::aligned_error_bin_centers(31.0f, 64);
  ASSERT_EQ(ae.size(), 64u);
  for (int k = 0; k < 63; ++k)
    EXPECT_EQ(ae[k], 0.25f + 0.5f * k) << k;
  EXPECT_EQ(ae.back(), 31.75f);

  // torch's linspace counts the second half down from the end, so the end is hit exactly.
  const std::vector<float> ls = ef::linspace_f32(0.0f, 1.0f, 51);
  EXPECT_EQ(ls.front(), 0.0f);
  EXPECT_EQ(ls.back(), 1.0f);
  EXPECT_EQ(ls[49], 1.0f - 0.02f);
  EXPECT_EQ(ef::linspace_f32(2.0f, 5.0f, 1), std::vector<float>{2.0f});
}

TEST(EsmFoldConfidence, SoftmaxIsStableAndWorksInPlace) {
  std::vector<float> x = {1000.0f, 1001.0f, 999.0f, -5.0f, 0.0f, 5.0f};
  std::vector<float> want(6);
  ef::softmax_last_axis(x, 2, 3, want);
  for (float v : want)
    EXPECT_TRUE(std::isfinite(v));
  EXPECT_NEAR(want[0] + want[1] + want[2], 1.0f, 1e-6);
  EXPECT_NEAR(want[1], 1.0 / (1.0 + std::exp(-1.0) + std::exp(-2.0)), 1e-6);
  ef::softmax_last_axis(x, 2, 3, x);
  EXPECT_EQ(x, want);
}

TEST(EsmFoldConfidence, PlddtMatchesFixtures) {
  for (const char *name : kCaseNames) {
    SCOPED_TRACE(name);
    const Fixture fx(name);
    const std::vector<float> got =
        ef::plddt_from_lddt_head(fx.lddt_head, fx.blocks, fx.batch, fx.len);
    expect_close(fx, "plddt", got, fx.plddt, false, 37, kPlddtAtol);

    // The scale only multiplies the result (fair-esm's ESMFold reports 0..100).
    const std::vector<float> scaled =
        ef::plddt_from_lddt_head(fx.lddt_head, fx.blocks, fx.batch, fx.len, 37, 50, 100.0f);
    for (size_t k = 0; k < got.size(); ++k)
      ASSERT_EQ(scaled[k], 100.0f * got[k]);
  }
}

TEST(EsmFoldConfidence, PlddtUsesLastBlockOnly) {
  const Fixture fx("protein_folding_single");
  // Garbage in every block but the last must not change the result.
  std::vector<float> head = fx.lddt_head;
  const size_t per_block = head.size() / fx.blocks;
  std::fill(head.begin(), head.end() - per_block, 1e30f);
  EXPECT_EQ(ef::plddt_from_lddt_head(head, fx.blocks, fx.batch, fx.len),
            ef::plddt_from_lddt_head(fx.lddt_head, fx.blocks, fx.batch, fx.len));
}

TEST(EsmFoldConfidence, AlignedErrorMatchesFixtures) {
  for (const char *name : kCaseNames) {
    SCOPED_TRACE(name);
    const Fixture fx(name);
    const ef::AlignedError ae =
        ef::compute_predicted_aligned_error(fx.ptm_logits, fx.batch, fx.len);
    expect_close(fx, "aligned_confidence_probs", ae.aligned_confidence_probs, fx.probs, true, 64,
                 kProbsAtol);
    expect_close(fx, "predicted_aligned_error", ae.predicted_aligned_error, fx.pae, true, 1,
                 kPaeAtol);
    EXPECT_EQ(ae.max_predicted_aligned_error, 31.75f);
    if (fx.has_scalars) {
      EXPECT_TRUE(close(ae.max_predicted_aligned_error, fx.max_pae, kMaxPaeAtol))
          << "got " << ae.max_predicted_aligned_error << ", want " << fx.max_pae;
    }
  }
}

TEST(EsmFoldConfidence, PtmMatchesSingleFixture) {
  const Fixture fx("protein_folding_single");
  ASSERT_TRUE(fx.has_scalars);
  ASSERT_EQ(fx.seq_lens, std::vector<int64_t>{fx.len});
  const float ptm = ef::compute_tm(fx.ptm_logits, fx.batch, fx.len);
  EXPECT_TRUE(close(ptm, fx.ptm, kPtmAtol)) << "got " << fmt(ptm) << ", want " << fmt(fx.ptm);
  // Explicit all-ones weights are what the reference defaults to.
  const std::vector<float> ones(fx.len, 1.0f);
  EXPECT_EQ(ef::compute_tm(fx.ptm_logits, fx.batch, fx.len, ones), ptm);
  // An unpadded sequence's own pTM is the same computation.
  EXPECT_EQ(ef::compute_tm_per_sequence(fx.ptm_logits, fx.batch, fx.len, fx.seq_lens),
            std::vector<float>{ptm});
}

TEST(EsmFoldConfidence, FoldingConfidenceMatchesFixtures) {
  for (const char *name : kCaseNames) {
    SCOPED_TRACE(name);
    const Fixture fx(name);
    const ef::FoldingConfidence c =
        ef::folding_confidence(fx.lddt_head, fx.blocks, fx.ptm_logits, fx.batch, fx.len);
    expect_close(fx, "plddt", c.plddt, fx.plddt, false, 37, kPlddtAtol);
    expect_close(fx, "aligned_confidence_probs", c.aligned_confidence_probs, fx.probs, true, 64,
                 kProbsAtol);
    expect_close(fx, "predicted_aligned_error", c.predicted_aligned_error, fx.pae, true, 1,
                 kPaeAtol);
    // The batch's ptm (one number over the padded batch in 4.39) is not in its fixture.
    EXPECT_EQ(c.ptm, ef::compute_tm(fx.ptm_logits, fx.batch, fx.len));
    if (fx.has_scalars) {
      EXPECT_TRUE(close(c.ptm, fx.ptm, kPtmAtol)) << c.ptm << " vs " << fx.ptm;
      EXPECT_TRUE(close(c.max_predicted_aligned_error, fx.max_pae, kMaxPaeAtol));
    }
  }
}

TEST(EsmFoldConfidence, PtmPerSequenceCropsPadding) {
  const Fixture fx("protein_folding");
  ASSERT_EQ(fx.batch, 2);
  ASSERT_LT(fx.seq_lens[1], fx.len);
  const std::vector<float> per_seq =
      ef::compute_tm_per_sequence(fx.ptm_logits, fx.batch, fx.len, fx.seq_lens);
  ASSERT_EQ(per_seq.size(), 2u);
  for (int64_t b = 0; b < fx.batch; ++b) {
    // Same as compute_tm on a copy of the unpadded corner.
    const int64_t n = fx.seq_lens[b];
    std::vector<float> crop;
    for (int64_t i = 0; i < n; ++i) {
      const float *row = fx.ptm_logits.data() + ((b * fx.len + i) * fx.len) * 64;
      crop.insert(crop.end(), row, row + n * 64);
    }
    EXPECT_EQ(per_seq[b], ef::compute_tm(crop, 1, n)) << b;
    EXPECT_GT(per_seq[b], 0.0f);
    EXPECT_LT(per_seq[b], 1.0f);
  }
  // The second sequence is the single fixture's; padding changes its logits only slightly.
  const Fixture single("protein_folding_single");
  EXPECT_NEAR(per_seq[1], single.ptm, 5e-3);
  // Over a batch, 4.39's pTM is one number: the best alignment of any sequence, each scored over
  // the padded length (padded rows included).
  const size_t per_entry = fx.ptm_logits.size() / fx.batch;
  float best = 0.0f;
  for (int64_t b = 0; b < fx.batch; ++b) {
    const std::span<const float> entry(fx.ptm_logits.data() + b * per_entry, per_entry);
    best = std::max(best, ef::compute_tm(entry, 1, fx.len));
  }
  EXPECT_EQ(ef::compute_tm(fx.ptm_logits, fx.batch, fx.len), best);
}

TEST(EsmFoldConfidence, RejectsBadShapes) {
  std::vector<float> logits(2 * 3 * 3 * 64, 0.0f);
  EXPECT_THROW(ef::compute_predicted_aligned_error(logits, 2, 4), std::invalid_argument);
  EXPECT_THROW(ef::compute_predicted_aligned_error(logits, 2, 3, 2), std::invalid_argument);
  EXPECT_THROW(ef::compute_tm(logits, 2, 3, std::vector<float>(4, 1.0f)), std::invalid_argument);
  EXPECT_THROW(ef::compute_tm(logits, 0, 3), std::invalid_argument);
  EXPECT_THROW(ef::compute_tm_per_sequence(logits, 2, 3, std::vector<int64_t>{3, 4}),
               std::invalid_argument);
  EXPECT_THROW(ef::compute_tm_per_sequence(logits, 2, 3, std::vector<int64_t>{3, 0}),
               std::invalid_argument);
  EXPECT_THROW(ef::compute_tm_per_sequence(logits, 2, 3, std::vector<int64_t>{3}),
               std::invalid_argument);
  std::vector<float> head(2 * 1 * 3 * 37 * 50, 0.0f);
  EXPECT_THROW(ef::plddt_from_lddt_head(head, 3, 1, 3), std::invalid_argument);
  EXPECT_THROW(ef::plddt_from_lddt_head(head, 0, 1, 3), std::invalid_argument);
  EXPECT_THROW(ef::plddt_from_lddt_head(head, 2, -1, -3), std::invalid_argument);
  std::vector<float> out(3);
  EXPECT_THROW(ef::categorical_lddt(std::vector<float>(4 * 50), 4, 50, out), std::invalid_argument);
  EXPECT_THROW(ef::softmax_last_axis(out, 1, 0, out), std::invalid_argument);
  // Uniform logits: the expectation is the mean bin centre.
  const std::vector<float> plddt = ef::plddt_from_lddt_head(head, 2, 1, 3);
  for (float v : plddt)
    EXPECT_NEAR(v, 0.5f, 1e-6);
}

} // namespace
