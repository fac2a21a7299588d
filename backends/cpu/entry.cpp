// The plugin's only exported symbol; everything else lives in plinth_backend_cpu_impl.
#include "backend.hpp"

PLINTH_DEFINE_PLUGIN_ENTRY(plinth_cpu_backend_descriptor)
