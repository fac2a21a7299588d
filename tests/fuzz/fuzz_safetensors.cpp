// safetensors headers and data offsets (core/safetensors.cpp).
#include "fuzz_common.hpp"
#include "safetensors.hpp"

PLINTH_FUZZ_TARGET({ plinth::SafetensorsFile f(data, size, "fuzz.safetensors"); })
