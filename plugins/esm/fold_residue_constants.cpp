#include "fold_residue_constants.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace plinth::esmfold {
namespace {

constexpr std::string_view kLetters = "ARNDCQEGHILKMFPSTWYVX";

constexpr std::array<std::string_view, kNumAtomTypes> kAtomTypes = {
    "N",   "CA",  "C",   "CB",  "O",   "CG", "CG1", "CG2", "OG",  "OG1", "SG", "CD",  "CD1",
    "CD2", "ND1", "ND2", "OD1", "OD2", "SD", "CE",  "CE1", "CE2", "CE3", "NE", "NE1", "NE2",
    "OE1", "OE2", "CH2", "NH1", "NH2", "OH", "CZ",  "CZ2", "CZ3", "NZ",  "OXT"};

// An atom of a residue type: its name, the rigid group that carries it and its idealised
// position in that group's frame (Å). Positions are the published literature values (Engh &
// Huber geometry as AlphaFold2 tabulates it), kept in double: openfold derives the default
// frames from them in float64 and only then stores float32.
struct AtomSite {
  std::string_view name;
  int group = 0;
  double x = 0, y = 0, z = 0;
};

struct ResidueChemistry {
  std::string_view name3;
  // In atom14 slot order; unused slots stay empty.
  std::array<AtomSite, kNumAtom14> atoms;
  // chi1..chi4, each the 4 atoms of the dihedral; unused angles stay empty.
  std::array<std::array<std::string_view, 4>, kNumChi> chi;
};

// clang-format off
const std::array<ResidueChemistry, kNumRestypes> kResidues = {{
    {"ALA",
     {{{"N", 0, -0.525, 1.363, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.526, -0.000, -0.000}, {"O", 3, 0.627, 1.062, 0.000},
       {"CB", 0, -0.529, -0.774, -1.205}}},
     {}},
    {"ARG",
     {{{"N", 0, -0.524, 1.362, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.525, -0.000, -0.000}, {"O", 3, 0.626, 1.062, 0.000},
       {"CB", 0, -0.524, -0.778, -1.209}, {"CG", 4, 0.616, 1.390, -0.000},
       {"CD", 5, 0.564, 1.414, 0.000}, {"NE", 6, 0.539, 1.357, -0.000},
       {"CZ", 7, 0.758, 1.093, -0.000}, {"NH1", 7, 0.206, 2.301, 0.000},
       {"NH2", 7, 2.078, 0.978, -0.000}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD"}, {"CB", "CG", "CD", "NE"},
       {"CG", "CD", "NE", "CZ"}}}},
    {"ASN",
     {{{"N", 0, -0.536, 1.357, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.526, -0.000, -0.000}, {"O", 3, 0.625, 1.062, 0.000},
       {"CB", 0, -0.531, -0.787, -1.200}, {"CG", 4, 0.584, 1.399, 0.000},
       {"OD1", 5, 0.633, 1.059, 0.000}, {"ND2", 5, 0.593, -1.188, 0.001}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "OD1"}}}},
    {"ASP",
     {{{"N", 0, -0.525, 1.362, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.527, 0.000, -0.000}, {"O", 3, 0.626, 1.062, -0.000},
       {"CB", 0, -0.526, -0.778, -1.208}, {"CG", 4, 0.593, 1.398, -0.000},
       {"OD1", 5, 0.610, 1.091, 0.000}, {"OD2", 5, 0.592, -1.101, -0.003}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "OD1"}}}},
    {"CYS",
     {{{"N", 0, -0.522, 1.362, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.524, 0.000, 0.000}, {"O", 3, 0.625, 1.062, -0.000},
       {"CB", 0, -0.519, -0.773, -1.212}, {"SG", 4, 0.728, 1.653, 0.000}}},
     {{{"N", "CA", "CB", "SG"}}}},
    {"GLN",
     {{{"N", 0, -0.526, 1.361, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.526, 0.000, 0.000}, {"O", 3, 0.626, 1.062, -0.000},
       {"CB", 0, -0.525, -0.779, -1.207}, {"CG", 4, 0.615, 1.393, 0.000},
       {"CD", 5, 0.587, 1.399, -0.000}, {"OE1", 6, 0.634, 1.060, 0.000},
       {"NE2", 6, 0.593, -1.189, -0.001}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD"}, {"CB", "CG", "CD", "OE1"}}}},
    {"GLU",
     {{{"N", 0, -0.528, 1.361, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.526, -0.000, -0.000}, {"O", 3, 0.626, 1.062, 0.000},
       {"CB", 0, -0.526, -0.781, -1.207}, {"CG", 4, 0.615, 1.392, 0.000},
       {"CD", 5, 0.600, 1.397, 0.000}, {"OE1", 6, 0.607, 1.095, -0.000},
       {"OE2", 6, 0.589, -1.104, -0.001}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD"}, {"CB", "CG", "CD", "OE1"}}}},
    {"GLY",
     {{{"N", 0, -0.572, 1.337, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.517, -0.000, -0.000}, {"O", 3, 0.626, 1.062, -0.000}}},
     {}},
    {"HIS",
     {{{"N", 0, -0.527, 1.360, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.525, 0.000, 0.000}, {"O", 3, 0.625, 1.063, 0.000},
       {"CB", 0, -0.525, -0.778, -1.208}, {"CG", 4, 0.600, 1.370, -0.000},
       {"ND1", 5, 0.744, 1.160, -0.000}, {"CD2", 5, 0.889, -1.021, 0.003},
       {"CE1", 5, 2.030, 0.851, 0.002}, {"NE2", 5, 2.145, -0.466, 0.004}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "ND1"}}}},
    {"ILE",
     {{{"N", 0, -0.493, 1.373, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.527, -0.000, -0.000}, {"O", 3, 0.627, 1.062, -0.000},
       {"CB", 0, -0.536, -0.793, -1.213}, {"CG1", 4, 0.534, 1.437, -0.000},
       {"CG2", 4, 0.540, -0.785, -1.199}, {"CD1", 5, 0.619, 1.391, 0.000}}},
     {{{"N", "CA", "CB", "CG1"}, {"CA", "CB", "CG1", "CD1"}}}},
    {"LEU",
     {{{"N", 0, -0.520, 1.363, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.525, -0.000, -0.000}, {"O", 3, 0.625, 1.063, -0.000},
       {"CB", 0, -0.522, -0.773, -1.214}, {"CG", 4, 0.678, 1.371, 0.000},
       {"CD1", 5, 0.530, 1.430, -0.000}, {"CD2", 5, 0.535, -0.774, 1.200}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD1"}}}},
    {"LYS",
     {{{"N", 0, -0.526, 1.362, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.526, 0.000, 0.000}, {"O", 3, 0.626, 1.062, -0.000},
       {"CB", 0, -0.524, -0.778, -1.208}, {"CG", 4, 0.619, 1.390, 0.000},
       {"CD", 5, 0.559, 1.417, 0.000}, {"CE", 6, 0.560, 1.416, 0.000},
       {"NZ", 7, 0.554, 1.387, 0.000}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD"}, {"CB", "CG", "CD", "CE"},
       {"CG", "CD", "CE", "NZ"}}}},
    {"MET",
     {{{"N", 0, -0.521, 1.364, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.525, 0.000, 0.000}, {"O", 3, 0.625, 1.062, -0.000},
       {"CB", 0, -0.523, -0.776, -1.210}, {"CG", 4, 0.613, 1.391, -0.000},
       {"SD", 5, 0.703, 1.695, 0.000}, {"CE", 6, 0.320, 1.786, -0.000}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "SD"}, {"CB", "CG", "SD", "CE"}}}},
    {"PHE",
     {{{"N", 0, -0.518, 1.363, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.524, 0.000, -0.000}, {"O", 3, 0.626, 1.062, -0.000},
       {"CB", 0, -0.525, -0.776, -1.212}, {"CG", 4, 0.607, 1.377, 0.000},
       {"CD1", 5, 0.709, 1.195, -0.000}, {"CD2", 5, 0.706, -1.196, 0.000},
       {"CE1", 5, 2.102, 1.198, -0.000}, {"CE2", 5, 2.098, -1.201, -0.000},
       {"CZ", 5, 2.794, -0.003, -0.001}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD1"}}}},
    {"PRO",
     {{{"N", 0, -0.566, 1.351, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.527, -0.000, 0.000}, {"O", 3, 0.621, 1.066, 0.000},
       {"CB", 0, -0.546, -0.611, -1.293}, {"CG", 4, 0.382, 1.445, 0.0},
       // CD as AlphaFold2 uses it: the ring angle opened 2 degrees from the literature value.
       {"CD", 5, 0.477, 1.424, 0.0}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD"}}}},
    {"SER",
     {{{"N", 0, -0.529, 1.360, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.525, -0.000, -0.000}, {"O", 3, 0.626, 1.062, -0.000},
       {"CB", 0, -0.518, -0.777, -1.211}, {"OG", 4, 0.503, 1.325, 0.000}}},
     {{{"N", "CA", "CB", "OG"}}}},
    {"THR",
     {{{"N", 0, -0.517, 1.364, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.526, 0.000, -0.000}, {"O", 3, 0.626, 1.062, 0.000},
       {"CB", 0, -0.516, -0.793, -1.215}, {"OG1", 4, 0.472, 1.353, 0.000},
       {"CG2", 4, 0.550, -0.718, -1.228}}},
     {{{"N", "CA", "CB", "OG1"}}}},
    {"TRP",
     {{{"N", 0, -0.521, 1.363, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.525, -0.000, 0.000}, {"O", 3, 0.627, 1.062, 0.000},
       {"CB", 0, -0.523, -0.776, -1.212}, {"CG", 4, 0.609, 1.370, -0.000},
       {"CD1", 5, 0.824, 1.091, 0.000}, {"CD2", 5, 0.854, -1.148, -0.005},
       {"NE1", 5, 2.140, 0.690, -0.004}, {"CE2", 5, 2.186, -0.678, -0.007},
       {"CE3", 5, 0.622, -2.530, -0.007}, {"CZ2", 5, 3.283, -1.543, -0.011},
       {"CZ3", 5, 1.715, -3.389, -0.011}, {"CH2", 5, 3.028, -2.890, -0.013}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD1"}}}},
    {"TYR",
     {{{"N", 0, -0.522, 1.362, 0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.524, -0.000, -0.000}, {"O", 3, 0.627, 1.062, -0.000},
       {"CB", 0, -0.522, -0.776, -1.213}, {"CG", 4, 0.607, 1.382, -0.000},
       {"CD1", 5, 0.716, 1.195, -0.000}, {"CD2", 5, 0.713, -1.194, -0.001},
       {"CE1", 5, 2.107, 1.200, -0.002}, {"CE2", 5, 2.104, -1.201, -0.003},
       {"CZ", 5, 2.791, -0.001, -0.003}, {"OH", 5, 4.168, -0.002, -0.005}}},
     {{{"N", "CA", "CB", "CG"}, {"CA", "CB", "CG", "CD1"}}}},
    {"VAL",
     {{{"N", 0, -0.494, 1.373, -0.000}, {"CA", 0, 0.000, 0.000, 0.000},
       {"C", 0, 1.527, -0.000, -0.000}, {"O", 3, 0.627, 1.062, -0.000},
       {"CB", 0, -0.533, -0.795, -1.213}, {"CG1", 4, 0.540, 1.429, -0.000},
       {"CG2", 4, 0.533, -0.776, 1.203}}},
     {{{"N", "CA", "CB", "CG1"}}}},
}};
// clang-format on

void check_aatype(int aatype) {
  if (aatype < 0 || aatype >= kNumRestypesWithX)
    throw std::invalid_argument("esmfold: aatype " + std::to_string(aatype) +
                                " is out of range 0..20");
}

using Vec3 = std::array<double, 3>;

Vec3 sub(const Vec3 &a, const Vec3 &b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
double dot(const Vec3 &a, const Vec3 &b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

const AtomSite &site(const ResidueChemistry &res, std::string_view name) {
  for (const AtomSite &a : res.atoms)
    if (a.name == name) return a;
  throw std::logic_error("esmfold: residue table lacks atom " + std::string(name));
}
Vec3 position(const ResidueChemistry &res, std::string_view name) {
  const AtomSite &a = site(res, name);
  return {a.x, a.y, a.z};
}

// A frame whose x axis points along ex, whose xy plane holds ey (on its positive y side), and
// whose origin is at translation: the convention in which the literature positions are given.
// Built in double and rounded once, as openfold does in numpy.
std::array<std::array<float, 4>, 4> frame_from_axes(const Vec3 &ex, const Vec3 &ey,
                                                    const Vec3 &translation) {
  const double nx = std::sqrt(dot(ex, ex));
  const Vec3 x = {ex[0] / nx, ex[1] / nx, ex[2] / nx};
  const double along = dot(ey, x);
  Vec3 y = {ey[0] - along * x[0], ey[1] - along * x[1], ey[2] - along * x[2]};
  const double ny = std::sqrt(dot(y, y));
  for (double &v : y)
    v /= ny;
  const Vec3 z = {x[1] * y[2] - x[2] * y[1], x[2] * y[0] - x[0] * y[2], x[0] * y[1] - x[1] * y[0]};
  std::array<std::array<float, 4>, 4> m{};
  for (int r = 0; r < 3; ++r) {
    m[r][0] = static_cast<float>(x[r]);
    m[r][1] = static_cast<float>(y[r]);
    m[r][2] = static_cast<float>(z[r]);
    m[r][3] = static_cast<float>(translation[r]);
  }
  m[3][3] = 1.0f;
  return m;
}

std::array<std::array<float, 4>, 4> identity4() {
  std::array<std::array<float, 4>, 4> m{};
  for (int i = 0; i < 4; ++i)
    m[i][i] = 1.0f;
  return m;
}

ResidueTables build_tables() {
  ResidueTables t;
  for (int r = 0; r < kNumRestypes; ++r) {
    const ResidueChemistry &res = kResidues[r];
    for (int slot = 0; slot < kNumAtom14; ++slot) {
      const AtomSite &a = res.atoms[slot];
      if (a.name.empty()) continue;
      const int a37 = atom_type_index(a.name);
      if (a37 < 0) throw std::logic_error("esmfold: unknown atom type in residue table");
      const std::array<float, 3> pos = {static_cast<float>(a.x), static_cast<float>(a.y),
                                        static_cast<float>(a.z)};
      t.atom14_to_rigid_group[r][slot] = a.group;
      t.atom14_mask[r][slot] = 1.0f;
      t.atom14_rigid_group_positions[r][slot] = pos;
      t.atom37_to_rigid_group[r][a37] = a.group;
      t.atom37_mask[r][a37] = 1.0f;
      t.atom37_rigid_group_positions[r][a37] = pos;
      t.atom14_to_atom37[r][slot] = a37;
      t.atom37_to_atom14[r][a37] = slot;
    }
    for (int chi = 0; chi < kNumChi; ++chi) {
      if (res.chi[chi][0].empty()) continue;
      t.chi_angles_mask[r][chi] = 1.0f;
      for (int k = 0; k < 4; ++k)
        t.chi_angles_atom_indices[r][chi][k] = atom_type_index(res.chi[chi][k]);
    }

    auto &frames = t.rigid_group_default_frame[r];
    const Vec3 n = position(res, "N"), ca = position(res, "CA"), c = position(res, "C");
    frames[0] = identity4(); // backbone
    frames[1] = identity4(); // pre-omega: no atoms, kept as the identity
    frames[2] = frame_from_axes(sub(n, ca), {1.0, 0.0, 0.0}, n); // phi
    frames[3] = frame_from_axes(sub(c, ca), sub(ca, n), c);      // psi
    if (t.chi_angles_mask[r][0] != 0.0f) {
      const auto &atoms = res.chi[0];
      const Vec3 a0 = position(res, atoms[0]), a1 = position(res, atoms[1]),
                 a2 = position(res, atoms[2]);
      frames[4] = frame_from_axes(sub(a2, a1), sub(a0, a1), a2);
    }
    // Each later chi axis runs from the previous group's origin to the atom that ends it, so
    // the frame needs only that atom's position in the previous group.
    for (int chi = 1; chi < kNumChi; ++chi) {
      if (t.chi_angles_mask[r][chi] == 0.0f) continue;
      const Vec3 end = position(res, res.chi[chi][2]);
      frames[4 + chi] = frame_from_axes(end, {-1.0, 0.0, 0.0}, end);
    }
  }
  return t;
}

} // namespace

char restype_letter(int aatype) {
  check_aatype(aatype);
  return kLetters[aatype];
}

std::string_view restype_name3(int aatype) {
  check_aatype(aatype);
  return aatype == kUnknownRestype ? std::string_view("UNK") : kResidues[aatype].name3;
}

int restype_from_letter(char letter) {
  if (letter < 'A' || letter > 'Z')
    throw std::invalid_argument(std::string("esmfold: invalid character in the sequence: '") +
                                letter + "'");
  const size_t i = kLetters.find(letter);
  return i == std::string_view::npos ? kUnknownRestype : static_cast<int>(i);
}

std::vector<int64_t> sequence_to_aatype(std::string_view sequence) {
  std::vector<int64_t> out;
  out.reserve(sequence.size());
  for (char ch : sequence)
    out.push_back(restype_from_letter(ch));
  return out;
}

std::string_view atom_type_name(int atom37) {
  if (atom37 < 0 || atom37 >= kNumAtomTypes)
    throw std::invalid_argument("esmfold: atom37 index " + std::to_string(atom37) +
                                " is out of range");
  return kAtomTypes[atom37];
}

int atom_type_index(std::string_view name) {
  for (int i = 0; i < kNumAtomTypes; ++i)
    if (kAtomTypes[i] == name) return i;
  return -1;
}

std::string_view atom14_name(int aatype, int slot) {
  check_aatype(aatype);
  if (slot < 0 || slot >= kNumAtom14)
    throw std::invalid_argument("esmfold: atom14 slot " + std::to_string(slot) +
                                " is out of range");
  return aatype == kUnknownRestype ? std::string_view() : kResidues[aatype].atoms[slot].name;
}

const ResidueTables &residue_tables() {
  static const ResidueTables tables = build_tables();
  return tables;
}

} // namespace plinth::esmfold
