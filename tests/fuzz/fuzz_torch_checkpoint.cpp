// pytorch_model.bin: the zip reader, the restricted unpickler and the tensor views
// (core/zip_archive.cpp, core/torch_pickle.cpp, core/torch_checkpoint.cpp).
#include "fuzz_common.hpp"
#include "torch_checkpoint.hpp"

PLINTH_FUZZ_TARGET({ plinth::TorchCheckpointFile f(data, size, "fuzz.bin"); })
