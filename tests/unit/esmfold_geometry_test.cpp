// ESMFold's host-side geometry (plugins/esm/fold_residue_constants, fold_geometry) against the
// esmfold fixtures: the structure module's frames and angles, fed through our geometry, must
// give its sidechain_frames and positions; the atom masks and index maps must match exactly.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "esmfold_fixture.hpp"
#include "fold_geometry.hpp"
#include "fold_residue_constants.hpp"
#include "plinth_types.h"
#include "safetensors.hpp"

namespace fs = std::filesystem;
namespace ef = plinth::esmfold;

namespace {

using esmfold_fixture::kCases;
using esmfold_fixture::read_tensor;
// case.json tolerance_per_output; allclose-style: |got - want| <= atol + rtol * |want|.
constexpr double kRtol = 1e-4;
constexpr double kPositionsAtol = 0.0034;
constexpr double kSidechainFramesAtol = 0.0034;

using esmfold_fixture::format_error;

struct Fixture {
  int64_t blocks = 0, batch = 0, length = 0;
  std::vector<int64_t> aatype, mask;
  std::vector<float> frames, angles, sidechain_frames, positions;
  std::vector<float> atom14_exists, atom37_exists;
  std::vector<int64_t> atom14_to_atom37, atom37_to_atom14;

  explicit Fixture(const std::string &name) {
    plinth::SafetensorsFile in(kCases / name / "inputs.safetensors");
    plinth::SafetensorsFile ex(kCases / name / "expected.safetensors");
    std::vector<int64_t> shape;
    aatype = read_tensor<int64_t>(in, "input_ids", PLINTH_DTYPE_I64, &shape);
    batch = shape.at(0), length = shape.at(1);
    mask = read_tensor<int64_t>(in, "attention_mask", PLINTH_DTYPE_I64);
    frames = read_tensor<float>(ex, "frames", PLINTH_DTYPE_F32, &shape);
    blocks = shape.at(0);
    angles = read_tensor<float>(ex, "angles", PLINTH_DTYPE_F32);
    sidechain_frames = read_tensor<float>(ex, "sidechain_frames", PLINTH_DTYPE_F32);
    positions = read_tensor<float>(ex, "positions", PLINTH_DTYPE_F32);
    atom14_exists = read_tensor<float>(ex, "atom14_atom_exists", PLINTH_DTYPE_F32);
    atom37_exists = read_tensor<float>(ex, "atom37_atom_exists", PLINTH_DTYPE_F32);
    atom14_to_atom37 = read_tensor<int64_t>(ex, "residx_atom14_to_atom37", PLINTH_DTYPE_I64);
    atom37_to_atom14 = read_tensor<int64_t>(ex, "residx_atom37_to_atom14", PLINTH_DTYPE_I64);
  }
};

const char *const kCaseNames[] = {"protein_folding", "protein_folding_single"};

// Compares per residue (only where mask is set), width values each; returns the largest
// absolute difference.
double expect_close(const std::vector<float> &got, const float *want, const int64_t *mask,
                    int64_t residues, int64_t width, double atol, const std::string &what) {
  double worst = 0;
  int failures = 0;
  for (int64_t i = 0; i < residues; ++i) {
    if (mask[i] == 0) continue;
    for (int64_t k = 0; k < width; ++k) {
      const double g = got[i * width + k], w = want[i * width + k];
      const double diff = std::abs(g - w);
      worst = std::max(worst, diff);
      if (!(diff <= atol + kRtol * std::abs(w)) && failures++ < 5)
        ADD_FAILURE() << what << " residue " << i << " element " << k << ": got " << g << ", want "
                      << w;
    }
  }
  return worst;
}

} // namespace

TEST(EsmFoldGeometry, FramesAndAnglesGiveSidechainFramesAndPositions) {
  for (const char *name : kCaseNames) {
    SCOPED_TRACE(name);
    const Fixture fx(name);
    const int64_t l = fx.length;
    double worst_frames = 0, worst_positions = 0;
    for (int64_t k = 0; k < fx.blocks; ++k) {
      for (int64_t b = 0; b < fx.batch; ++b) {
        const int64_t row = k * fx.batch + b;
        std::vector<float> sidechain(l * 8 * 16), positions(l * 14 * 3);
        ef::structure_to_atom14(std::span(fx.frames).subspan(row * l * 7, l * 7),
                                std::span(fx.angles).subspan(row * l * 14, l * 14),
                                std::span(fx.aatype).subspan(b * l, l), sidechain, positions);
        const std::string where =
            std::string(name) + " block " + std::to_string(k) + " sequence " + std::to_string(b);
        worst_frames =
            std::max(worst_frames,
                     expect_close(sidechain, &fx.sidechain_frames[row * l * 128], &fx.mask[b * l],
                                  l, 128, kSidechainFramesAtol, "sidechain_frames " + where));
        worst_positions = std::max(
            worst_positions, expect_close(positions, &fx.positions[row * l * 42], &fx.mask[b * l],
                                          l, 42, kPositionsAtol, "positions " + where));
      }
    }
    ::testing::Test::RecordProperty(std::string(name) + "_max_abs_sidechain_frames",
                                    format_error(worst_frames));
    ::testing::Test::RecordProperty(std::string(name) + "_max_abs_positions",
                                    format_error(worst_positions));
  }
}

TEST(EsmFoldGeometry, MasksAndIndexMapsMatchExactly) {
  for (const char *name : kCaseNames) {
    SCOPED_TRACE(name);
    const Fixture fx(name);
    const ef::AtomMasks m = ef::make_atom14_masks(fx.aatype, fx.mask);
    EXPECT_EQ(m.atom14_atom_exists, fx.atom14_exists);
    EXPECT_EQ(m.atom37_atom_exists, fx.atom37_exists);
    EXPECT_EQ(m.residx_atom14_to_atom37, fx.atom14_to_atom37);
    EXPECT_EQ(m.residx_atom37_to_atom14, fx.atom37_to_atom14);
  }
}

TEST(EsmFoldGeometry, Atom14ToAtom37GathersAndMasks) {
  const Fixture fx("protein_folding");
  const int64_t l = fx.length;
  const ef::AtomMasks m = ef::make_atom14_masks(fx.aatype, fx.mask);
  const int64_t last = (fx.blocks - 1) * fx.batch;
  const std::span<const float> atom14 =
      std::span(fx.positions).subspan(last * l * 42, fx.batch * l * 42);
  std::vector<float> atom37(fx.batch * l * 37 * 3);
  ef::atom14_to_atom37(atom14, m.residx_atom37_to_atom14, m.atom37_atom_exists, atom37);
  for (int64_t i = 0; i < fx.batch * l; ++i) {
    const int aatype = static_cast<int>(fx.aatype[i]);
    for (int a = 0; a < 37; ++a) {
      const bool exists = m.atom37_atom_exists[i * 37 + a] != 0.0f;
      for (int k = 0; k < 3; ++k) {
        const float got = atom37[(i * 37 + a) * 3 + k];
        if (!exists) {
          EXPECT_EQ(got, 0.0f);
          continue;
        }
        const int slot = static_cast<int>(m.residx_atom37_to_atom14[i * 37 + a]);
        EXPECT_EQ(ef::atom14_name(aatype, slot), ef::atom_type_name(a));
        EXPECT_EQ(got, atom14[(i * 14 + slot) * 3 + k]);
      }
    }
  }
}

TEST(EsmFoldResidueConstants, SequencesMapToTheFixtureAatypes) {
  const Fixture fx("protein_folding");
  const char *seqs[] = {"MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "MVLSPADKTNVKAAWGKVGAHAGEYGAEAL"};
  for (int b = 0; b < 2; ++b) {
    const std::vector<int64_t> got = ef::sequence_to_aatype(seqs[b]);
    const std::vector<int64_t> want(fx.aatype.begin() + b * fx.length,
                                    fx.aatype.begin() + b * fx.length + got.size());
    EXPECT_EQ(got, want);
  }
  EXPECT_EQ(ef::sequence_to_aatype("ARNDCQEGHILKMFPSTWYVXBZUOJ"),
            (std::vector<int64_t>{0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                  13, 14, 15, 16, 17, 18, 19, 20, 20, 20, 20, 20, 20}));
  EXPECT_THROW(ef::sequence_to_aatype("MKa"), std::invalid_argument);
  EXPECT_THROW(ef::sequence_to_aatype("MK-"), std::invalid_argument);
  EXPECT_EQ(ef::restype_name3(0), "ALA");
  EXPECT_EQ(ef::restype_name3(4), "CYS");
  EXPECT_EQ(ef::restype_name3(19), "VAL");
  EXPECT_EQ(ef::restype_name3(20), "UNK");
  EXPECT_EQ(ef::restype_letter(20), 'X');
  EXPECT_THROW(ef::restype_name3(21), std::invalid_argument);
  EXPECT_THROW(ef::restype_letter(-1), std::invalid_argument);
}

TEST(EsmFoldResidueConstants, AtomTypesAndAtom14LayoutAreConsistent) {
  std::set<std::string_view> names;
  for (int a = 0; a < ef::kNumAtomTypes; ++a) {
    names.insert(ef::atom_type_name(a));
    EXPECT_EQ(ef::atom_type_index(ef::atom_type_name(a)), a);
  }
  EXPECT_EQ(names.size(), 37u);
  EXPECT_EQ(ef::atom_type_name(0), "N");
  EXPECT_EQ(ef::atom_type_name(3), "CB");
  EXPECT_EQ(ef::atom_type_name(36), "OXT");
  EXPECT_EQ(ef::atom_type_index("XX"), -1);
  EXPECT_THROW(ef::atom_type_name(37), std::invalid_argument);

  const ef::ResidueTables &t = ef::residue_tables();
  const int atom_counts[20] = {5, 11, 8, 8, 6, 9, 9, 4, 10, 8, 8, 9, 8, 11, 7, 6, 7, 14, 12, 7};
  const int chi_counts[20] = {0, 4, 2, 2, 1, 3, 3, 0, 2, 2, 2, 4, 3, 2, 2, 1, 1, 2, 2, 1};
  for (int r = 0; r < ef::kNumRestypesWithX; ++r) {
    SCOPED_TRACE(r);
    int atoms = 0, chis = 0;
    for (int s = 0; s < ef::kNumAtom14; ++s) {
      const std::string_view name = ef::atom14_name(r, s);
      EXPECT_EQ(t.atom14_mask[r][s], name.empty() ? 0.0f : 1.0f);
      if (name.empty()) continue;
      ++atoms;
      const int a37 = t.atom14_to_atom37[r][s];
      EXPECT_EQ(ef::atom_type_name(a37), name);
      EXPECT_EQ(t.atom37_to_atom14[r][a37], s);
      EXPECT_EQ(t.atom37_mask[r][a37], 1.0f);
      EXPECT_EQ(t.atom37_to_rigid_group[r][a37], t.atom14_to_rigid_group[r][s]);
    }
    for (int c = 0; c < ef::kNumChi; ++c)
      chis += t.chi_angles_mask[r][c] != 0.0f;
    if (r == ef::kUnknownRestype) {
      EXPECT_EQ(atoms, 0);
      EXPECT_EQ(chis, 0);
      continue;
    }
    // The backbone comes first in every residue.
    EXPECT_EQ(ef::atom14_name(r, 0), "N");
    EXPECT_EQ(ef::atom14_name(r, 1), "CA");
    EXPECT_EQ(ef::atom14_name(r, 2), "C");
    EXPECT_EQ(ef::atom14_name(r, 3), "O");
    EXPECT_EQ(atoms, atom_counts[r]);
    EXPECT_EQ(chis, chi_counts[r]);
    float mask37 = 0;
    for (int a = 0; a < ef::kNumAtomTypes; ++a)
      mask37 += t.atom37_mask[r][a];
    EXPECT_EQ(mask37, static_cast<float>(atoms));
    // Every chi angle's atoms belong to the residue.
    for (int c = 0; c < chis; ++c)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(t.atom37_mask[r][t.chi_angles_atom_indices[r][c][k]], 1.0f);
  }
}

TEST(EsmFoldResidueConstants, DefaultFramesAreRigidAndSitOnTheirAxisAtoms) {
  const ef::ResidueTables &t = ef::residue_tables();
  for (int r = 0; r < ef::kNumRestypesWithX; ++r) {
    SCOPED_TRACE(r);
    for (int g = 0; g < ef::kNumRigidGroups; ++g) {
      const auto &m = t.rigid_group_default_frame[r][g];
      const bool present =
          r != ef::kUnknownRestype && (g < 4 || t.chi_angles_mask[r][g - 4] != 0.0f);
      if (!present) {
        for (const auto &row : m)
          for (float v : row)
            EXPECT_EQ(v, 0.0f);
        continue;
      }
      // Orthonormal, right-handed.
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          double d = 0;
          for (int k = 0; k < 3; ++k)
            d += double(m[k][i]) * m[k][j];
          EXPECT_NEAR(d, i == j ? 1.0 : 0.0, 1e-6);
        }
      const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
      EXPECT_NEAR(det, 1.0, 1e-6);
      EXPECT_EQ(m[3][0], 0.0f);
      EXPECT_EQ(m[3][3], 1.0f);
    }
    if (r == ef::kUnknownRestype) continue;
    // phi's frame sits on N, psi's on C, chi1's on the third chi1 atom (all in backbone
    // coordinates).
    const auto &pos = t.atom37_rigid_group_positions[r];
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(t.rigid_group_default_frame[r][2][k][3], pos[0][k]);
      EXPECT_EQ(t.rigid_group_default_frame[r][3][k][3], pos[2][k]);
      if (t.chi_angles_mask[r][0] != 0.0f) {
        EXPECT_EQ(t.rigid_group_default_frame[r][4][k][3],
                  pos[t.chi_angles_atom_indices[r][0][2]][k]);
      }
    }
  }
}

namespace {
double dihedral(const float *p0, const float *p1, const float *p2, const float *p3) {
  double b0[3], b1[3], b2[3];
  for (int k = 0; k < 3; ++k) {
    b0[k] = double(p0[k]) - p1[k];
    b1[k] = double(p2[k]) - p1[k];
    b2[k] = double(p3[k]) - p2[k];
  }
  const double n1 = std::sqrt(b1[0] * b1[0] + b1[1] * b1[1] + b1[2] * b1[2]);
  for (double &v : b1)
    v /= n1;
  double v[3], w[3];
  const double d0 = b0[0] * b1[0] + b0[1] * b1[1] + b0[2] * b1[2];
  const double d2 = b2[0] * b1[0] + b2[1] * b1[1] + b2[2] * b1[2];
  for (int k = 0; k < 3; ++k)
    v[k] = b0[k] - d0 * b1[k], w[k] = b2[k] - d2 * b1[k];
  const double x = v[0] * w[0] + v[1] * w[1] + v[2] * w[2];
  const double c[3] = {b1[1] * v[2] - b1[2] * v[1], b1[2] * v[0] - b1[0] * v[2],
                       b1[0] * v[1] - b1[1] * v[0]};
  const double y = c[0] * w[0] + c[1] * w[1] + c[2] * w[2];
  return std::atan2(y, x);
}
} // namespace

// The chi angles fed in come back out of the built atoms, for every residue type (this covers
// CYS, which the fixtures lack), under an arbitrary backbone frame.
TEST(EsmFoldGeometry, ChiAnglesAreReproducedByTheBuiltAtoms) {
  const ef::ResidueTables &t = ef::residue_tables();
  const float q[7] = {0.5f, 0.5f, -0.5f, 0.5f, 3.0f, -7.5f, 12.25f};
  const ef::RigidFrame backbone = ef::frame_from_tensor7(std::span<const float, 7>(q));
  const double chis[4] = {1.0, -2.0, 2.5, -0.4};
  for (int r = 0; r < ef::kNumRestypes; ++r) {
    SCOPED_TRACE(r);
    float angles[14] = {0.3f, 0.9539392f, -0.6f, 0.8f, 0.8f, 0.6f};
    for (int c = 0; c < 4; ++c) {
      angles[(3 + c) * 2] = static_cast<float>(std::sin(chis[c]));
      angles[(3 + c) * 2 + 1] = static_cast<float>(std::cos(chis[c]));
    }
    const auto frames = ef::torsion_angles_to_frames(backbone, angles, r);
    float atom14[42];
    ef::atom14_positions(frames, r, atom14);
    for (int c = 0; c < ef::kNumChi; ++c) {
      if (t.chi_angles_mask[r][c] == 0.0f) continue;
      const float *p[4];
      for (int k = 0; k < 4; ++k)
        p[k] = &atom14[t.atom37_to_atom14[r][t.chi_angles_atom_indices[r][c][k]] * 3];
      EXPECT_NEAR(dihedral(p[0], p[1], p[2], p[3]), chis[c], 2e-3) << "chi" << c + 1;
    }
    // The backbone atoms sit where the backbone frame puts the literature positions.
    for (int s = 0; s < 3; ++s) {
      const auto want =
          ef::apply(backbone, std::span<const float, 3>(t.atom14_rigid_group_positions[r][s]));
      for (int k = 0; k < 3; ++k)
        EXPECT_FLOAT_EQ(atom14[s * 3 + k], want[k]);
    }
  }
}

TEST(EsmFoldGeometry, QuaternionAndFrameHelpers) {
  // 90 degrees about z: x -> y.
  const float h = std::sqrt(0.5f);
  const float q[4] = {h, 0.0f, 0.0f, h};
  const auto r = ef::quaternion_to_rotation(q);
  const float want[9] = {0, -1, 0, 1, 0, 0, 0, 0, 1};
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(r[i], want[i], 1e-7);

  ef::RigidFrame a;
  a.rot = r;
  a.trans = {1.0f, 2.0f, 3.0f};
  float m[16];
  ef::frame_to_4x4(a, m);
  EXPECT_EQ(m[3], 1.0f);
  EXPECT_EQ(m[15], 1.0f);
  EXPECT_EQ(m[12], 0.0f);
  const ef::RigidFrame back = ef::frame_from_4x4(m);
  EXPECT_EQ(back.rot, a.rot);
  EXPECT_EQ(back.trans, a.trans);
  const float x[3] = {1.0f, 0.0f, 0.0f};
  const auto ax = ef::apply(a, x);
  EXPECT_NEAR(ax[0], 1.0f, 1e-6);
  EXPECT_NEAR(ax[1], 3.0f, 1e-6);
  EXPECT_NEAR(ax[2], 3.0f, 1e-6);
  const ef::RigidFrame aa = ef::compose(a, a);
  const auto aax = ef::apply(aa, x);
  const auto twice = ef::apply(a, ax);
  for (int k = 0; k < 3; ++k)
    EXPECT_NEAR(aax[k], twice[k], 1e-6);
}

TEST(EsmFoldGeometry, RejectsBadInput) {
  const ef::RigidFrame id = ef::frame_from_tensor7(std::array<float, 7>{1, 0, 0, 0, 0, 0, 0});
  const std::array<float, 14> angles{};
  EXPECT_THROW(ef::torsion_angles_to_frames(id, angles, 21), std::invalid_argument);
  EXPECT_THROW(ef::torsion_angles_to_frames(id, angles, -1), std::invalid_argument);
  const std::vector<int64_t> bad_aatype = {0, 22};
  EXPECT_THROW(ef::make_atom14_masks(bad_aatype), std::invalid_argument);
  std::vector<float> frames(7 * 2), ang(14 * 2), sc(128 * 2), pos(42 * 2);
  const std::vector<int64_t> aatype = {0, 1};
  EXPECT_NO_THROW(ef::structure_to_atom14(frames, ang, aatype, sc, pos));
  EXPECT_THROW(ef::structure_to_atom14(frames, ang, bad_aatype, sc, pos), std::invalid_argument);
  std::vector<float> short_pos(42);
  EXPECT_THROW(ef::structure_to_atom14(frames, ang, aatype, sc, short_pos), std::invalid_argument);
  EXPECT_THROW(ef::make_atom14_masks(aatype, std::vector<int64_t>{1}), std::invalid_argument);
  std::vector<float> atom37(37 * 3 * 2);
  std::vector<int64_t> map(37 * 2, 14);
  std::vector<float> exists(37 * 2, 1.0f);
  EXPECT_THROW(ef::atom14_to_atom37(pos, map, exists, atom37), std::invalid_argument);
}

// X residues and residues without chi groups keep zero rotations in their missing groups,
// as the reference's all-zero default frames make them.
TEST(EsmFoldGeometry, UnknownResidueHasNoAtoms) {
  const float f7[7] = {1, 0, 0, 0, 4, 5, 6};
  const ef::RigidFrame bb = ef::frame_from_tensor7(f7);
  std::array<float, 14> angles{};
  for (int i = 0; i < 7; ++i)
    angles[i * 2 + 1] = 1.0f;
  const auto frames = ef::torsion_angles_to_frames(bb, angles, ef::kUnknownRestype);
  for (const auto &f : frames) {
    for (float v : f.rot)
      EXPECT_EQ(v, 0.0f);
    EXPECT_EQ(f.trans, (std::array<float, 3>{4, 5, 6}));
  }
  float atom14[42];
  ef::atom14_positions(frames, ef::kUnknownRestype, atom14);
  for (float v : atom14)
    EXPECT_EQ(v, 0.0f);
}
