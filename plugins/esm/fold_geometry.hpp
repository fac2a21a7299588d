// Host-side geometry of ESMFold's structure module output: from each residue's backbone frame
// and its 7 torsion angles to the 8 rigid-group frames and the atom positions, plus the
// atom14 <-> atom37 layouts (openfold feats.py / rigid_utils.py / data_transforms.py).
//
// Everything is float32 and follows the reference's order of operations, so results agree
// with torch's to a few float32 ulps. Arrays are flat, row-major, in the layouts the model
// outputs them: frames [n,7], angles [n,7,2], sidechain_frames [n,8,4,4], positions [n,14,3],
// atom37 positions [n,37,3].
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "fold_residue_constants.hpp"

namespace plinth::esmfold {

// A rigid transform x -> rot * x + trans, rot row-major.
struct RigidFrame {
  std::array<float, 9> rot{};
  std::array<float, 3> trans{};
};

// Rotation matrix of a unit quaternion (w, x, y, z). Not normalised here: the structure
// module's quaternions already are.
std::array<float, 9> quaternion_to_rotation(std::span<const float, 4> quat);
// A `frames` entry: quaternion (w, x, y, z) then translation (Å, already scaled).
RigidFrame frame_from_tensor7(std::span<const float, 7> tensor7);
RigidFrame frame_from_4x4(std::span<const float, 16> m);
void frame_to_4x4(const RigidFrame &frame, std::span<float, 16> out);
// a o b: b's frame expressed through a (rot = a.rot * b.rot, trans = a.rot * b.trans + a.trans).
RigidFrame compose(const RigidFrame &a, const RigidFrame &b);
std::array<float, 3> apply(const RigidFrame &frame, std::span<const float, 3> point);

// torsion_angles_to_frames for one residue: the 8 rigid-group frames in global coordinates
// from the backbone frame and the 7 normalised torsion angles, as (sin, cos) pairs. Throws
// std::invalid_argument for an aatype outside 0..20.
std::array<RigidFrame, kNumRigidGroups>
torsion_angles_to_frames(const RigidFrame &backbone, std::span<const float, 14> angles, int aatype);
// frames_and_literature_positions_to_atom14_pos for one residue: out [14,3], zero in slots the
// residue type does not use.
void atom14_positions(const std::array<RigidFrame, kNumRigidGroups> &frames, int aatype,
                      std::span<float, kNumAtom14 * 3> out);

// Both of the above for n residues: frames [n,7], angles [n,7,2], aatype [n] ->
// sidechain_frames [n,8,4,4], positions [n,14,3]. Sizes are checked (std::invalid_argument).
void structure_to_atom14(std::span<const float> frames, std::span<const float> angles,
                         std::span<const int64_t> aatype, std::span<float> sidechain_frames,
                         std::span<float> positions);

// make_atom14_masks: which atom slots exist and the gather maps between the layouts, per
// residue. residue_mask (optional, [n]) multiplies the two *_exists masks, as
// EsmForProteinFolding.forward multiplies them by attention_mask; the index maps are not masked
// (neither are they in the reference).
struct AtomMasks {
  std::vector<float> atom14_atom_exists;        // [n,14]
  std::vector<int64_t> residx_atom14_to_atom37; // [n,14]
  std::vector<int64_t> residx_atom37_to_atom14; // [n,37]
  std::vector<float> atom37_atom_exists;        // [n,37]
};
AtomMasks make_atom14_masks(std::span<const int64_t> aatype,
                            std::span<const int64_t> residue_mask = {});

// atom14_to_atom37: atom14 [n,14,3] gathered into out [n,37,3] through residx_atom37_to_atom14
// [n,37] and multiplied by atom37_atom_exists [n,37].
void atom14_to_atom37(std::span<const float> atom14,
                      std::span<const int64_t> residx_atom37_to_atom14,
                      std::span<const float> atom37_atom_exists, std::span<float> out);

} // namespace plinth::esmfold
