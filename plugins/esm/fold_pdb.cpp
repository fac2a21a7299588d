#include "fold_pdb.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "fold_geometry.hpp"
#include "fold_residue_constants.hpp"

namespace plinth::esmfold {
namespace {

void check_size(const char *what, size_t got, size_t want) {
  if (got != want)
    throw std::invalid_argument(std::string("esmfold: ") + what + " has " + std::to_string(got) +
                                " elements, expected " + std::to_string(want));
}

// Python's fixed-point format of a float: printf's, except that NaN never carries a sign.
std::string fixed(double v, int width, int decimals) {
  char buf[64];
  if (std::isnan(v))
    std::snprintf(buf, sizeof buf, "%*s", width, "nan");
  else
    std::snprintf(buf, sizeof buf, "%*.*f", width, decimals, v);
  return buf;
}

void append_headers(std::string &out, const PdbProtein &p) {
  if (p.remark) out += "REMARK " + *p.remark + "\n";
  // ESMFold predicts without templates, so no chain has parents.
  out += "PARENT N/A\n";
}

char chain_letter(int64_t chain) {
  if (chain < 0 || chain >= 26)
    throw std::invalid_argument("esmfold: chain index " + std::to_string(chain) +
                                " is out of range 0..25");
  return static_cast<char>('A' + chain);
}

} // namespace

std::string to_pdb(const PdbProtein &p) {
  const size_t n = p.aatype.size();
  check_size("atom_positions", p.atom_positions.size(), n * kNumAtomTypes * 3);
  check_size("atom_mask", p.atom_mask.size(), n * kNumAtomTypes);
  check_size("residue_index", p.residue_index.size(), n);
  check_size("b_factors", p.b_factors.size(), n * kNumAtomTypes);
  if (!p.chain_index.empty()) check_size("chain_index", p.chain_index.size(), n);
  for (int64_t a : p.aatype)
    if (a < 0 || a > kNumRestypes) throw std::invalid_argument("esmfold: invalid aatype");

  std::string out;
  append_headers(out, p);
  int64_t atom_index = 1;
  int64_t prev_chain = 0;
  char chain_tag = 'A';
  char line[160];
  for (size_t i = 0; i < n; ++i) {
    const std::string res3(restype_name3(static_cast<int>(p.aatype[i])));
    // The reference stores residue numbers as int32 before writing them.
    const int32_t resnum = static_cast<int32_t>(p.residue_index[i]);
    for (int a = 0; a < kNumAtomTypes; ++a) {
      const size_t k = i * kNumAtomTypes + a;
      if (p.atom_mask[k] < 0.5f) continue;
      // Like the reference, the chain letter is taken up only where an atom is written, so a
      // TER after atom-less residues names the chain of the last atom.
      if (!p.chain_index.empty()) chain_tag = chain_letter(p.chain_index[i]);
      const std::string_view atom = atom_type_name(a);
      // Columns 13-16 hold the name; names shorter than 4 start in column 14.
      std::string name(atom.size() == 4 ? 0 : 1, ' ');
      name += atom;
      const float *pos = &p.atom_positions[k * 3];
      std::snprintf(line, sizeof line, "ATOM  %5lld %-4s %3s %c%4d    ",
                    static_cast<long long>(atom_index), name.c_str(), res3.c_str(), chain_tag,
                    resnum);
      out += line;
      out += fixed(pos[0], 8, 3) + fixed(pos[1], 8, 3) + fixed(pos[2], 8, 3);
      out += fixed(1.0, 6, 2) + fixed(p.b_factors[k], 6, 2);
      // Element: the first letter of the name suffices for C, N, O and S; no charge.
      std::snprintf(line, sizeof line, "          %2c  \n", atom[0]);
      out += line;
      ++atom_index;
    }

    bool terminate = i == n - 1;
    if (!p.chain_index.empty() && i != n - 1 && p.chain_index[i + 1] != prev_chain) {
      terminate = true;
      prev_chain = p.chain_index[i + 1];
    }
    if (terminate) {
      std::snprintf(line, sizeof line, "TER   %5lld      %3s %c%4d\n",
                    static_cast<long long>(atom_index), res3.c_str(), chain_tag, resnum);
      out += line;
      ++atom_index;
      if (i != n - 1) append_headers(out, p);
    }
  }
  out += "END\n";
  return out;
}

std::vector<std::string> output_to_pdb(const FoldingOutputView &o) {
  if (o.batch < 0 || o.length < 0) throw std::invalid_argument("esmfold: negative output shape");
  const size_t b = static_cast<size_t>(o.batch), l = static_cast<size_t>(o.length);
  check_size("aatype", o.aatype.size(), b * l);
  check_size("positions", o.positions.size(), b * l * kNumAtom14 * 3);
  check_size("atom37_atom_exists", o.atom37_atom_exists.size(), b * l * kNumAtomTypes);
  check_size("residx_atom37_to_atom14", o.residx_atom37_to_atom14.size(), b * l * kNumAtomTypes);
  check_size("residue_index", o.residue_index.size(), b * l);
  check_size("plddt", o.plddt.size(), b * l * kNumAtomTypes);

  std::vector<float> atom37(b * l * kNumAtomTypes * 3);
  atom14_to_atom37(o.positions, o.residx_atom37_to_atom14, o.atom37_atom_exists, atom37);
  std::vector<std::string> pdbs;
  pdbs.reserve(b);
  std::vector<int64_t> resid(l);
  for (size_t s = 0; s < b; ++s) {
    // PDB residue numbers count from 1.
    for (size_t i = 0; i < l; ++i)
      resid[i] = o.residue_index[s * l + i] + 1;
    PdbProtein p;
    p.aatype = o.aatype.subspan(s * l, l);
    p.atom_positions =
        std::span<const float>(atom37).subspan(s * l * kNumAtomTypes * 3, l * kNumAtomTypes * 3);
    p.atom_mask = o.atom37_atom_exists.subspan(s * l * kNumAtomTypes, l * kNumAtomTypes);
    p.residue_index = resid;
    p.b_factors = o.plddt.subspan(s * l * kNumAtomTypes, l * kNumAtomTypes);
    pdbs.push_back(to_pdb(p));
  }
  return pdbs;
}

} // namespace plinth::esmfold
