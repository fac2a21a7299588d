// A restricted pickle reader for PyTorch state dicts. It interprets the pickle opcodes as
// data and resolves only a fixed allowlist of globals (OrderedDict, the tensor rebuild
// functions, storage types); any other global is refused with an error. Nothing in the
// file is ever executed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace plinth {

// A tensor as the pickle describes it: a view into a storage (a file in the archive).
struct PickledTensor {
  std::string name;
  std::string storage_key; // archive entry data/<key>
  int32_t storage_dtype = 0;
  int64_t storage_numel = 0;
  int64_t offset = 0; // in elements
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
};

// Parses data.pkl; returns the tensors of the state dict in file order.
// Throws plinth::Error(FORMAT) naming `label` on anything outside the allowlist.
std::vector<PickledTensor> read_torch_state_dict(const uint8_t *data, size_t size,
                                                 const std::string &label);

} // namespace plinth
