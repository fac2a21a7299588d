// PDB text of a predicted structure, as transformers' ESMFold writes it
// (EsmForProteinFolding.output_to_pdb over openfold_utils/protein.py to_pdb): a PARENT header,
// one ATOM record per existing atom37 atom, TER after each chain, END.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace plinth::esmfold {

// openfold's Protein, as views over flat row-major arrays of n residues.
struct PdbProtein {
  std::span<const int64_t> aatype;        // [n], 0..20
  std::span<const float> atom_positions;  // [n,37,3], Å
  std::span<const float> atom_mask;       // [n,37]; atoms with mask < 0.5 are left out
  std::span<const int64_t> residue_index; // [n], written as is (ESMFold writes position + 1)
  std::span<const float> b_factors;       // [n,37]
  std::span<const int64_t> chain_index;   // optional [n], 0..25 -> chains A..Z; empty: all A
  std::optional<std::string> remark;      // optional REMARK line before each chain's PARENT
};

// to_pdb. Throws std::invalid_argument on inconsistent sizes, aatype outside 0..20 or a chain
// index outside 0..25.
std::string to_pdb(const PdbProtein &protein);

// The outputs of EsmForProteinFolding that output_to_pdb reads, for a batch of B sequences
// padded to length L (flat, row-major).
struct FoldingOutputView {
  int64_t batch = 0;
  int64_t length = 0;
  std::span<const int64_t> aatype;                  // [B,L]
  std::span<const float> positions;                 // [B,L,14,3]: the final block's
  std::span<const float> atom37_atom_exists;        // [B,L,37], already times attention_mask
  std::span<const int64_t> residx_atom37_to_atom14; // [B,L,37]
  std::span<const int64_t> residue_index;           // [B,L]: position_ids (0-based)
  std::span<const float> plddt;                     // [B,L,37]
};

// output_to_pdb: one PDB string per sequence; padded residues are kept (they have no atoms,
// but the last one still names the TER record, as in the reference).
std::vector<std::string> output_to_pdb(const FoldingOutputView &output);

} // namespace plinth::esmfold
