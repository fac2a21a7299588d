// ESMFold's PDB writer (plugins/esm/fold_pdb) against the fixtures' expected_<i>.pdb, which
// transformers' EsmForProteinFolding.output_to_pdb wrote from the same outputs.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "esmfold_fixture.hpp"
#include "fold_geometry.hpp"
#include "fold_pdb.hpp"
#include "plinth_types.h"
#include "safetensors.hpp"

namespace fs = std::filesystem;
namespace ef = plinth::esmfold;

namespace {

using esmfold_fixture::kCases;
using esmfold_fixture::read_tensor;
// case.json: positions / plddt atol, plus the rounding of the file (3 and 2 decimals).
constexpr double kCoordTol = 0.0034 + 0.001;
constexpr double kBFactorTol = 0.0001 + 0.001;

using esmfold_fixture::format_error;

std::string read_text(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> split_lines(const std::string &text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Record by record: identical text except the coordinates (columns 31-54) and the B-factor
// (columns 61-66) of ATOM records, which must agree numerically.
void expect_pdb_matches(const std::string &got, const std::string &want) {
  const std::vector<std::string> g = split_lines(got), w = split_lines(want);
  ASSERT_EQ(g.size(), w.size());
  double worst_coord = 0, worst_b = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    SCOPED_TRACE("line " + std::to_string(i + 1));
    if (w[i].rfind("ATOM", 0) != 0 || w[i].size() < 66 || g[i].size() != w[i].size()) {
      EXPECT_EQ(g[i], w[i]);
      continue;
    }
    EXPECT_EQ(g[i].substr(0, 30), w[i].substr(0, 30));
    EXPECT_EQ(g[i].substr(54, 6), w[i].substr(54, 6));
    EXPECT_EQ(g[i].substr(66), w[i].substr(66));
    for (int c = 0; c < 3; ++c) {
      const double d =
          std::abs(std::stod(g[i].substr(30 + 8 * c, 8)) - std::stod(w[i].substr(30 + 8 * c, 8)));
      worst_coord = std::max(worst_coord, d);
      EXPECT_LE(d, kCoordTol) << g[i] << "\n" << w[i];
    }
    const double d = std::abs(std::stod(g[i].substr(60, 6)) - std::stod(w[i].substr(60, 6)));
    worst_b = std::max(worst_b, d);
    EXPECT_LE(d, kBFactorTol) << g[i] << "\n" << w[i];
  }
  ::testing::Test::RecordProperty("max_abs_coordinate", format_error(worst_coord));
  ::testing::Test::RecordProperty("max_abs_b_factor", format_error(worst_b));
}

struct Case {
  std::string name;
  int64_t blocks = 0, batch = 0, length = 0;
  std::vector<int64_t> aatype, mask, position_ids;
  std::vector<float> frames, angles, positions, plddt;

  explicit Case(std::string n) : name(std::move(n)) {
    plinth::SafetensorsFile in(kCases / name / "inputs.safetensors");
    plinth::SafetensorsFile ex(kCases / name / "expected.safetensors");
    std::vector<int64_t> shape;
    aatype = read_tensor<int64_t>(in, "input_ids", PLINTH_DTYPE_I64, &shape);
    batch = shape.at(0), length = shape.at(1);
    mask = read_tensor<int64_t>(in, "attention_mask", PLINTH_DTYPE_I64);
    position_ids = read_tensor<int64_t>(in, "position_ids", PLINTH_DTYPE_I64);
    frames = read_tensor<float>(ex, "frames", PLINTH_DTYPE_F32, &shape);
    blocks = shape.at(0);
    angles = read_tensor<float>(ex, "angles", PLINTH_DTYPE_F32);
    positions = read_tensor<float>(ex, "positions", PLINTH_DTYPE_F32);
    plddt = read_tensor<float>(ex, "plddt", PLINTH_DTYPE_F32);
  }

  // output_to_pdb over final-block atom14 positions [B,L,14,3].
  std::vector<std::string> pdbs(std::span<const float> final_positions) const {
    const ef::AtomMasks m = ef::make_atom14_masks(aatype, mask);
    ef::FoldingOutputView o;
    o.batch = batch;
    o.length = length;
    o.aatype = aatype;
    o.positions = final_positions;
    o.atom37_atom_exists = m.atom37_atom_exists;
    o.residx_atom37_to_atom14 = m.residx_atom37_to_atom14;
    o.residue_index = position_ids;
    o.plddt = plddt;
    return ef::output_to_pdb(o);
  }
  std::string expected_pdb(int64_t b) const {
    return read_text(kCases / name / ("expected_" + std::to_string(b) + ".pdb"));
  }
};

const char *const kCaseNames[] = {"protein_folding", "protein_folding_single"};

} // namespace

// From the fixture's own final positions the text must come out identical, coordinates and
// B-factors included: both sides format the same float32 values.
TEST(EsmFoldPdb, FixturePositionsGiveTheExpectedFiles) {
  for (const char *name : kCaseNames) {
    SCOPED_TRACE(name);
    const Case c(name);
    const size_t per_block = c.batch * c.length * 42;
    const auto pdbs = c.pdbs(std::span(c.positions).subspan((c.blocks - 1) * per_block, per_block));
    ASSERT_EQ(pdbs.size(), static_cast<size_t>(c.batch));
    for (int64_t b = 0; b < c.batch; ++b) {
      SCOPED_TRACE(b);
      const std::string want = c.expected_pdb(b);
      expect_pdb_matches(pdbs[b], want);
      EXPECT_EQ(pdbs[b], want);
    }
  }
}

// End to end on the host: the last block's frames and angles through our geometry, then the
// PDB writer.
TEST(EsmFoldPdb, GeometryFromFramesAndAnglesGivesTheExpectedFiles) {
  for (const char *name : kCaseNames) {
    SCOPED_TRACE(name);
    const Case c(name);
    const int64_t n = c.batch * c.length;
    const int64_t last = c.blocks - 1;
    std::vector<float> sidechain(n * 128), positions(n * 42);
    ef::structure_to_atom14(std::span(c.frames).subspan(last * n * 7, n * 7),
                            std::span(c.angles).subspan(last * n * 14, n * 14), c.aatype, sidechain,
                            positions);
    const auto pdbs = c.pdbs(positions);
    for (int64_t b = 0; b < c.batch; ++b) {
      SCOPED_TRACE(b);
      expect_pdb_matches(pdbs[b], c.expected_pdb(b));
    }
  }
}

namespace {
// One GLY (N, CA, C, O present) and one X residue.
struct Tiny {
  std::vector<int64_t> aatype = {7, 20};
  std::vector<float> pos = std::vector<float>(2 * 37 * 3, 0.0f);
  std::vector<float> mask = std::vector<float>(2 * 37, 0.0f);
  std::vector<int64_t> resid = {5, 6};
  std::vector<float> b = std::vector<float>(2 * 37, 0.0f);
  Tiny() {
    const float xyz[4][3] = {{1.0f, 2.0f, 3.0f},
                             {-10.5f, 0.25f, 100.125f},
                             {-0.0004f, 0.0f, -999.9995f},
                             {0.5f, 0.5f, 0.5f}};
    const int atoms[4] = {0, 1, 2, 4}; // N, CA, C, O
    for (int k = 0; k < 4; ++k) {
      mask[atoms[k]] = 1.0f;
      b[atoms[k]] = 0.5f + 0.125f * k;
      for (int d = 0; d < 3; ++d)
        pos[atoms[k] * 3 + d] = xyz[k][d];
    }
  }
  ef::PdbProtein protein() const {
    ef::PdbProtein p;
    p.aatype = aatype;
    p.atom_positions = pos;
    p.atom_mask = mask;
    p.residue_index = resid;
    p.b_factors = b;
    return p;
  }
};
} // namespace

TEST(EsmFoldPdb, FormatsRecordsColumnByColumn) {
  const Tiny t;
  const std::string want =
      "PARENT N/A\n"
      "ATOM      1  N   GLY A   5       1.000   2.000   3.000  1.00  0.50           N  \n"
      "ATOM      2  CA  GLY A   5     -10.500   0.250 100.125  1.00  0.62           C  \n"
      "ATOM      3  C   GLY A   5      -0.000   0.000-1000.000  1.00  0.75           C  \n"
      "ATOM      4  O   GLY A   5       0.500   0.500   0.500  1.00  0.88           O  \n"
      "TER       5      UNK A   6\n"
      "END\n";
  EXPECT_EQ(ef::to_pdb(t.protein()), want);
}

TEST(EsmFoldPdb, ChainsRemarkAndEdgeCases) {
  Tiny t;
  ef::PdbProtein p = t.protein();
  // Two chains: TER closes each, and the headers repeat before the second.
  const std::vector<int64_t> chains = {0, 1};
  p.chain_index = chains;
  p.remark = "test";
  t.mask[37 + 0] = 1.0f; // an N for the X residue, so chain B gets an atom
  const std::string got = ef::to_pdb(p);
  const std::string want =
      "REMARK test\n"
      "PARENT N/A\n"
      "ATOM      1  N   GLY A   5       1.000   2.000   3.000  1.00  0.50           N  \n"
      "ATOM      2  CA  GLY A   5     -10.500   0.250 100.125  1.00  0.62           C  \n"
      "ATOM      3  C   GLY A   5      -0.000   0.000-1000.000  1.00  0.75           C  \n"
      "ATOM      4  O   GLY A   5       0.500   0.500   0.500  1.00  0.88           O  \n"
      "TER       5      GLY A   5\n"
      "REMARK test\n"
      "PARENT N/A\n"
      "ATOM      6  N   UNK B   6       0.000   0.000   0.000  1.00  0.00           N  \n"
      "TER       7      UNK B   6\n"
      "END\n";
  EXPECT_EQ(got, want);

  // NaN coordinates are written without a sign, as Python writes them.
  Tiny nan_case;
  nan_case.pos[0] = -std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(ef::to_pdb(nan_case.protein()).find("ATOM      1  N   GLY A   5         nan"),
            std::string::npos);

  ef::PdbProtein empty;
  EXPECT_EQ(ef::to_pdb(empty), "PARENT N/A\nEND\n");
}

TEST(EsmFoldPdb, RejectsBadInput) {
  Tiny t;
  t.aatype[1] = 21;
  EXPECT_THROW(ef::to_pdb(t.protein()), std::invalid_argument);
  Tiny u;
  u.resid.pop_back();
  EXPECT_THROW(ef::to_pdb(u.protein()), std::invalid_argument);
  Tiny v;
  ef::PdbProtein p = v.protein();
  const std::vector<int64_t> chains = {26, 26};
  p.chain_index = chains;
  EXPECT_THROW(ef::to_pdb(p), std::invalid_argument);
  ef::FoldingOutputView o;
  o.batch = 1;
  o.length = 2;
  EXPECT_THROW(ef::output_to_pdb(o), std::invalid_argument);
}
