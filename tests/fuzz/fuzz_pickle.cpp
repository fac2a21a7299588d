// The restricted unpickler alone (core/torch_pickle.cpp): data.pkl as the archive holds it.
#include "fuzz_common.hpp"
#include "torch_pickle.hpp"

PLINTH_FUZZ_TARGET({ plinth::read_torch_state_dict(data, size, "fuzz.pkl"); })
