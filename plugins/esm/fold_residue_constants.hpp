// Residue chemistry ESMFold's structure module builds atoms from (AlphaFold2 / openfold
// residue_constants): the 20 amino acids plus X in AlphaFold2 order, the 37 atom types, the
// compact 14-slot atom layout per residue type, the idealised ("literature") atom positions in
// each residue's 8 rigid groups, the chi angle definitions, and the tables derived from them.
//
// Index conventions are those of openfold, since the model's outputs are laid out by them:
// aatype 0..19 = A R N D C Q E G H I L K M F P S T W Y V, 20 = X (unknown); rigid group
// 0 = backbone, 1 = pre-omega, 2 = phi, 3 = psi, 4..7 = chi1..chi4.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace plinth::esmfold {

inline constexpr int kNumRestypes = 20;      // the standard amino acids (restype_num)
inline constexpr int kNumRestypesWithX = 21; // plus X
inline constexpr int kUnknownRestype = 20;   // X: no atoms, no frames
inline constexpr int kNumAtomTypes = 37;     // atom37 layout
inline constexpr int kNumAtom14 = 14;        // atom14 layout (compact, per residue type)
inline constexpr int kNumRigidGroups = 8;
inline constexpr int kNumTorsions = 7; // pre-omega, phi, psi, chi1..chi4 (group 0 has none)
inline constexpr int kNumChi = 4;

// One-letter code of an aatype ('A'..'V', 'X' for 20). Throws std::invalid_argument out of
// 0..20.
char restype_letter(int aatype);
// Three-letter name ("ALA", ...; "UNK" for X), as PDB files spell residues.
std::string_view restype_name3(int aatype);
// restype_order_with_x: the aatype of a one-letter code; other upper-case letters are X (as
// ESMFold's infer maps unknown residues), anything else throws std::invalid_argument.
int restype_from_letter(char letter);
std::vector<int64_t> sequence_to_aatype(std::string_view sequence);

// atom_types: name of an atom37 index ("N", "CA", "C", "CB", "O", ...). Throws out of range.
std::string_view atom_type_name(int atom37);
// The atom37 index of an atom name, or -1 when it is not one of the 37.
int atom_type_index(std::string_view name);
// Name in an atom14 slot of a residue type ("" for an unused slot and for X).
std::string_view atom14_name(int aatype, int slot);

// The derived tables, named as openfold names them (restype_ prefix dropped). Every table has
// a row for X, which stays zero (as openfold leaves it).
struct ResidueTables {
  // [restype][group][4][4]: frame of each rigid group relative to its parent (backbone for
  // groups 0..4, the previous chi group for 5..7); zero for groups a residue does not have.
  std::array<std::array<std::array<std::array<float, 4>, 4>, kNumRigidGroups>, kNumRestypesWithX>
      rigid_group_default_frame{};
  std::array<std::array<int32_t, kNumAtom14>, kNumRestypesWithX> atom14_to_rigid_group{};
  std::array<std::array<float, kNumAtom14>, kNumRestypesWithX> atom14_mask{};
  std::array<std::array<std::array<float, 3>, kNumAtom14>, kNumRestypesWithX>
      atom14_rigid_group_positions{};
  std::array<std::array<int32_t, kNumAtomTypes>, kNumRestypesWithX> atom37_to_rigid_group{};
  std::array<std::array<float, kNumAtomTypes>, kNumRestypesWithX> atom37_mask{};
  std::array<std::array<std::array<float, 3>, kNumAtomTypes>, kNumRestypesWithX>
      atom37_rigid_group_positions{};
  // Gather maps between the layouts (0 where the atom does not exist, as openfold pads them).
  std::array<std::array<int32_t, kNumAtom14>, kNumRestypesWithX> atom14_to_atom37{};
  std::array<std::array<int32_t, kNumAtomTypes>, kNumRestypesWithX> atom37_to_atom14{};
  // chi_angles_mask: 1 for each chi angle the residue has.
  std::array<std::array<float, kNumChi>, kNumRestypesWithX> chi_angles_mask{};
  // chi_angles_atom_indices: the 4 atom37 indices defining each chi angle (0-padded).
  std::array<std::array<std::array<int32_t, 4>, kNumChi>, kNumRestypesWithX>
      chi_angles_atom_indices{};
};

// Built once on first use (thread-safe), then shared.
const ResidueTables &residue_tables();

} // namespace plinth::esmfold
