// The plugin's only exported symbol (both GPU plugins compile this file).
#include "backend.hpp"

PLINTH_DEFINE_PLUGIN_ENTRY(plinth_gpu_backend_descriptor)
