#include "fold_geometry.hpp"

#include <stdexcept>
#include <string>

namespace plinth::esmfold {
namespace {

void check_aatype(int64_t aatype) {
  if (aatype < 0 || aatype >= kNumRestypesWithX)
    throw std::invalid_argument("esmfold: aatype " + std::to_string(aatype) +
                                " is out of range 0..20");
}

void check_size(const char *what, size_t got, size_t want) {
  if (got != want)
    throw std::invalid_argument(std::string("esmfold: ") + what + " has " + std::to_string(got) +
                                " elements, expected " + std::to_string(want));
}

// rot_matmul: each entry summed left to right over k, as rigid_utils writes it out by hand.
std::array<float, 9> matmul3(const std::array<float, 9> &a, const std::array<float, 9> &b) {
  std::array<float, 9> out;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      out[i * 3 + j] =
          a[i * 3 + 0] * b[0 * 3 + j] + a[i * 3 + 1] * b[1 * 3 + j] + a[i * 3 + 2] * b[2 * 3 + j];
  return out;
}

std::array<float, 3> matvec3(const std::array<float, 9> &r, float x, float y, float z) {
  return {r[0] * x + r[1] * y + r[2] * z, r[3] * x + r[4] * y + r[5] * z,
          r[6] * x + r[7] * y + r[8] * z};
}

RigidFrame default_frame(const std::array<std::array<float, 4>, 4> &m) {
  RigidFrame f;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c)
      f.rot[r * 3 + c] = m[r][c];
    f.trans[r] = m[r][3];
  }
  return f;
}

} // namespace

std::array<float, 9> quaternion_to_rotation(std::span<const float, 4> q) {
  // openfold sums q_i * q_j * coefficient over the 4x4 products; the terms are added here in
  // the order of (i, j), so each entry rounds as the reference's does.
  const float a = q[0], b = q[1], c = q[2], d = q[3];
  const float aa = a * a, bb = b * b, cc = c * c, dd = d * d;
  const float ab = a * b, ac = a * c, ad = a * d, bc = b * c, bd = b * d, cd = c * d;
  return {aa + bb - cc - dd,      ad * -2.0f + bc * 2.0f, ac * 2.0f + bd * 2.0f,
          ad * 2.0f + bc * 2.0f,  aa - bb + cc - dd,      ab * -2.0f + cd * 2.0f,
          ac * -2.0f + bd * 2.0f, ab * 2.0f + cd * 2.0f,  aa - bb - cc + dd};
}

RigidFrame frame_from_tensor7(std::span<const float, 7> t) {
  RigidFrame f;
  f.rot = quaternion_to_rotation(t.first<4>());
  f.trans = {t[4], t[5], t[6]};
  return f;
}

RigidFrame frame_from_4x4(std::span<const float, 16> m) {
  RigidFrame f;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c)
      f.rot[r * 3 + c] = m[r * 4 + c];
    f.trans[r] = m[r * 4 + 3];
  }
  return f;
}

void frame_to_4x4(const RigidFrame &f, std::span<float, 16> out) {
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c)
      out[r * 4 + c] = f.rot[r * 3 + c];
    out[r * 4 + 3] = f.trans[r];
  }
  out[12] = out[13] = out[14] = 0.0f;
  out[15] = 1.0f;
}

RigidFrame compose(const RigidFrame &a, const RigidFrame &b) {
  RigidFrame out;
  out.rot = matmul3(a.rot, b.rot);
  const std::array<float, 3> moved = matvec3(a.rot, b.trans[0], b.trans[1], b.trans[2]);
  for (int i = 0; i < 3; ++i)
    out.trans[i] = moved[i] + a.trans[i];
  return out;
}

std::array<float, 3> apply(const RigidFrame &f, std::span<const float, 3> p) {
  std::array<float, 3> out = matvec3(f.rot, p[0], p[1], p[2]);
  for (int i = 0; i < 3; ++i)
    out[i] += f.trans[i];
  return out;
}

std::array<RigidFrame, kNumRigidGroups> torsion_angles_to_frames(const RigidFrame &backbone,
                                                                 std::span<const float, 14> angles,
                                                                 int aatype) {
  check_aatype(aatype);
  const auto &defaults = residue_tables().rigid_group_default_frame[aatype];

  // Each group turns about its x axis by its torsion; the backbone group has none (sin 0,
  // cos 1). Groups a residue lacks have an all-zero default frame and stay degenerate, as in
  // the reference.
  std::array<RigidFrame, kNumRigidGroups> local;
  for (int g = 0; g < kNumRigidGroups; ++g) {
    const float s = g == 0 ? 0.0f : angles[(g - 1) * 2 + 0];
    const float c = g == 0 ? 1.0f : angles[(g - 1) * 2 + 1];
    RigidFrame torsion;
    torsion.rot = {1.0f, 0.0f, 0.0f, 0.0f, c, -s, 0.0f, s, c};
    local[g] = compose(default_frame(defaults[g]), torsion);
  }

  // chi2..chi4 hang off the previous chi group, so chain them down to the backbone.
  std::array<RigidFrame, kNumRigidGroups> to_backbone = local;
  for (int g = 5; g < kNumRigidGroups; ++g)
    to_backbone[g] = compose(to_backbone[g - 1], local[g]);

  std::array<RigidFrame, kNumRigidGroups> global;
  for (int g = 0; g < kNumRigidGroups; ++g)
    global[g] = compose(backbone, to_backbone[g]);
  return global;
}

void atom14_positions(const std::array<RigidFrame, kNumRigidGroups> &frames, int aatype,
                      std::span<float, kNumAtom14 * 3> out) {
  check_aatype(aatype);
  const ResidueTables &t = residue_tables();
  for (int slot = 0; slot < kNumAtom14; ++slot) {
    const RigidFrame &f = frames[t.atom14_to_rigid_group[aatype][slot]];
    const std::array<float, 3> p =
        apply(f, std::span<const float, 3>(t.atom14_rigid_group_positions[aatype][slot]));
    // Unused slots sit at the group origin before this mask zeroes them.
    const float m = t.atom14_mask[aatype][slot];
    for (int k = 0; k < 3; ++k)
      out[slot * 3 + k] = p[k] * m;
  }
}

void structure_to_atom14(std::span<const float> frames, std::span<const float> angles,
                         std::span<const int64_t> aatype, std::span<float> sidechain_frames,
                         std::span<float> positions) {
  const size_t n = aatype.size();
  check_size("frames", frames.size(), n * 7);
  check_size("angles", angles.size(), n * kNumTorsions * 2);
  check_size("sidechain_frames", sidechain_frames.size(), n * kNumRigidGroups * 16);
  check_size("positions", positions.size(), n * kNumAtom14 * 3);
  for (size_t i = 0; i < n; ++i) {
    check_aatype(aatype[i]);
    const RigidFrame backbone = frame_from_tensor7(frames.subspan(i * 7).first<7>());
    const auto groups = torsion_angles_to_frames(
        backbone, angles.subspan(i * kNumTorsions * 2).first<kNumTorsions * 2>(),
        static_cast<int>(aatype[i]));
    for (int g = 0; g < kNumRigidGroups; ++g)
      frame_to_4x4(groups[g], sidechain_frames.subspan((i * kNumRigidGroups + g) * 16).first<16>());
    atom14_positions(groups, static_cast<int>(aatype[i]),
                     positions.subspan(i * kNumAtom14 * 3).first<kNumAtom14 * 3>());
  }
}

AtomMasks make_atom14_masks(std::span<const int64_t> aatype,
                            std::span<const int64_t> residue_mask) {
  const size_t n = aatype.size();
  if (!residue_mask.empty()) check_size("residue_mask", residue_mask.size(), n);
  const ResidueTables &t = residue_tables();
  AtomMasks m;
  m.atom14_atom_exists.resize(n * kNumAtom14);
  m.residx_atom14_to_atom37.resize(n * kNumAtom14);
  m.residx_atom37_to_atom14.resize(n * kNumAtomTypes);
  m.atom37_atom_exists.resize(n * kNumAtomTypes);
  for (size_t i = 0; i < n; ++i) {
    check_aatype(aatype[i]);
    const int64_t r = aatype[i];
    const float keep = residue_mask.empty() ? 1.0f : static_cast<float>(residue_mask[i]);
    for (int s = 0; s < kNumAtom14; ++s) {
      m.atom14_atom_exists[i * kNumAtom14 + s] = t.atom14_mask[r][s] * keep;
      m.residx_atom14_to_atom37[i * kNumAtom14 + s] = t.atom14_to_atom37[r][s];
    }
    for (int a = 0; a < kNumAtomTypes; ++a) {
      m.atom37_atom_exists[i * kNumAtomTypes + a] = t.atom37_mask[r][a] * keep;
      m.residx_atom37_to_atom14[i * kNumAtomTypes + a] = t.atom37_to_atom14[r][a];
    }
  }
  return m;
}

void atom14_to_atom37(std::span<const float> atom14,
                      std::span<const int64_t> residx_atom37_to_atom14,
                      std::span<const float> atom37_atom_exists, std::span<float> out) {
  const size_t n = atom14.size() / (kNumAtom14 * 3);
  check_size("atom14 positions", atom14.size(), n * kNumAtom14 * 3);
  check_size("residx_atom37_to_atom14", residx_atom37_to_atom14.size(), n * kNumAtomTypes);
  check_size("atom37_atom_exists", atom37_atom_exists.size(), n * kNumAtomTypes);
  check_size("atom37 positions", out.size(), n * kNumAtomTypes * 3);
  for (size_t i = 0; i < n; ++i) {
    for (int a = 0; a < kNumAtomTypes; ++a) {
      const int64_t slot = residx_atom37_to_atom14[i * kNumAtomTypes + a];
      if (slot < 0 || slot >= kNumAtom14)
        throw std::invalid_argument("esmfold: atom14 slot " + std::to_string(slot) +
                                    " is out of range");
      const float m = atom37_atom_exists[i * kNumAtomTypes + a];
      for (int k = 0; k < 3; ++k)
        out[(i * kNumAtomTypes + a) * 3 + k] = atom14[(i * kNumAtom14 + slot) * 3 + k] * m;
    }
  }
}

} // namespace plinth::esmfold
